import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeNamePart, entryName, isSafeEntryName } from '../../src/archive/format.js';
import { archiveFileName, parseArchiveName, parseTempName, tempFileName } from '../../src/archive/naming.js';
import { removeStaleTempFiles } from '../../src/archive/directory.js';
import { resolveArchive } from '../../src/archive/resolve.js';

describe('archive file names', () => {
  it('spells the UTC timestamp so that names sort by time, and parses them back', () => {
    const at = new Date('2025-07-11T19:46:34.951Z');
    expect(archiveFileName('app', at)).toBe('app-2025-07-11T19-46-34-951Z.zip');
    expect(parseArchiveName('app-2025-07-11T19-46-34-951Z.zip')).toEqual({ file: 'app-2025-07-11T19-46-34-951Z.zip', database: 'app', takenAt: at });
    expect(parseArchiveName('my-app-db-2025-07-11T19-46-34-951Z.zip')?.database).toBe('my-app-db');
    expect(parseArchiveName('app-2025-07-11.zip')).toBeNull();
    expect(parseArchiveName('app-2025-07-11T19-46-34-951Z.zip.123.tmp')).toBeNull();
  });

  it('an encrypted archive is <name>.zip.age: same database and time; its temporary file is ours too', () => {
    const at = new Date('2025-07-11T19:46:34.951Z');
    expect(archiveFileName('app', at, true)).toBe('app-2025-07-11T19-46-34-951Z.zip.age');
    expect(parseArchiveName('app-2025-07-11T19-46-34-951Z.zip.age')).toEqual({ file: 'app-2025-07-11T19-46-34-951Z.zip.age', database: 'app', takenAt: at });
    expect(parseArchiveName('app-2025-07-11T19-46-34-951Z.zip.gpg')).toBeNull();
    expect(parseTempName(tempFileName('app-2025-07-11T19-46-34-951Z.zip.age', 7, 'h'))).toEqual({ finalName: 'app-2025-07-11T19-46-34-951Z.zip.age', host: 'h', pid: 7 });
  });

  it('keeps database names from leaving the directory', () => {
    expect(archiveFileName('../etc/x y', new Date(0))).toBe('__etc_x_y-1970-01-01T00-00-00-000Z.zip');
  });

  it('names temporary files after the final name, the host and the writer pid', () => {
    const tmp = tempFileName('app-2025-07-11T19-46-34-951Z.zip', 4242, 'db-backup.example.com');
    expect(tmp).toBe('app-2025-07-11T19-46-34-951Z.zip.db-backup_example_com.4242.tmp');
    expect(parseTempName(tmp)).toEqual({ finalName: 'app-2025-07-11T19-46-34-951Z.zip', host: 'db-backup_example_com', pid: 4242 });
    expect(parseTempName('app-2025-07-11T19-46-34-951Z.zip.h1.4242.s3.tmp')).toMatchObject({ host: 'h1', pid: 4242 });
    expect(parseTempName('app-2025-07-11T19-46-34-951Z.zip.12345.99.tmp')).toMatchObject({ host: '12345', pid: 99 });
    // files of earlier versions carry no host
    expect(parseTempName('app-2025-07-11T19-46-34-951Z.zip.4242.tmp')).toMatchObject({ host: null, pid: 4242 });
    expect(parseTempName('app-2025-07-11T19-46-34-951Z.zip.4242.s3.tmp')).toMatchObject({ host: null, pid: 4242 });
    expect(parseTempName('notes.tmp')).toBeNull();
    // a second writer of the same process in the same millisecond
    expect(tempFileName('app-2025-07-11T19-46-34-951Z.zip', 4242, 'h1', 2)).toBe('app-2025-07-11T19-46-34-951Z.zip.h1.4242-2.tmp');
    expect(parseTempName('app-2025-07-11T19-46-34-951Z.zip.h1.4242-2.s1.tmp')).toMatchObject({ host: 'h1', pid: 4242 });
  });

  it("[fault] stale-file cleanup removes only this host's files whose pid is dead, never another host's", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-stale-'));
    try {
      const final = 'app-2025-07-11T19-46-34-951Z.zip';
      const dead = 2 ** 22 + 12345; // above pid_max's default: no such process
      const files = {
        oursDead: tempFileName(final, dead),
        oursDeadSpool: `${tempFileName(final, dead).slice(0, -4)}.s1.tmp`,
        oursRunning: tempFileName(final, process.pid),
        otherHostDead: tempFileName(final, dead, 'another-host'),
        otherHostSpool: `${tempFileName(final, dead, 'another-host').slice(0, -4)}.s2.tmp`,
        legacyDead: `${final}.${dead}.tmp`,
      };
      for (const f of Object.values(files)) fs.writeFileSync(path.join(dir, f), 'x');
      const removed = removeStaleTempFiles(dir).sort();
      expect(removed).toEqual([files.oursDead, files.oursDeadSpool, files.legacyDead].sort());
      expect(fs.readdirSync(dir).sort()).toEqual([files.oursRunning, files.otherHostDead, files.otherHostSpool].sort());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('entry names', () => {
  it('percent-encodes everything but letters, digits, _ and -', () => {
    expect(entryName('public', 'users', 1)).toBe('data/public.users.0001.ndjson');
    expect(entryName('My.Schema', 'a/../b', 12)).toBe('data/My%2ESchema.a%2F%2E%2E%2Fb.0012.ndjson');
    expect(encodeNamePart('ü')).toBe('%C3%BC');
    expect(isSafeEntryName(entryName('..', '..', 1))).toBe(true);
  });

  it('rejects names that climb or are absolute', () => {
    for (const bad of ['../x', 'data/../../x', '/etc/passwd', 'C:/x', 'a\\b', '', 'a/./b']) expect(isSafeEntryName(bad), bad).toBe(false);
    expect(isSafeEntryName('data/public.users.0001.ndjson')).toBe(true);
  });
});

describe('resolveArchive', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-resolve-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const f of ['app-2025-07-09T03-00-00-000Z.zip', 'app-2025-07-11T03-00-00-000Z.zip', 'app-2025-07-11T15-00-00-000Z.zip', 'app-2025-07-12T03-00-00-000Z.zip.99999999.tmp']) {
    fs.writeFileSync(path.join(dir, f), 'x');
  }

  it('resolves latest, a date (newest of that UTC day) and a path', () => {
    expect(path.basename(resolveArchive('latest', dir))).toBe('app-2025-07-11T15-00-00-000Z.zip');
    expect(path.basename(resolveArchive('2025-07-11', dir))).toBe('app-2025-07-11T15-00-00-000Z.zip');
    expect(path.basename(resolveArchive('2025-07-09', dir))).toBe('app-2025-07-09T03-00-00-000Z.zip');
    const p = path.join(dir, 'app-2025-07-09T03-00-00-000Z.zip');
    expect(resolveArchive(p, dir)).toBe(p);
  });

  it('says which dates exist when a date has no archive', () => {
    expect(() => resolveArchive('2025-07-10', dir)).toThrow(/no archive from 2025-07-10/);
    try {
      resolveArchive('2025-07-10', dir);
    } catch (e) {
      expect((e as { hint: string }).hint).toBe('nearest dates with archives: 2025-07-09, 2025-07-11');
    }
  });

  it('explains a missing directory, an empty one, a bad date and a missing file', () => {
    expect(() => resolveArchive('latest', path.join(dir, 'nope'))).toThrow(/does not exist/);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-empty-'));
    expect(() => resolveArchive('latest', empty)).toThrow(/no archives in/);
    fs.rmSync(empty, { recursive: true });
    expect(() => resolveArchive('2025-02-30', dir)).toThrow(/not a valid date/);
    expect(() => resolveArchive('missing.zip', dir)).toThrow(/archive not found/);
  });
});
