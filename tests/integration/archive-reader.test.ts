import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArchive } from '../../src/archive/reader.js';
import { runBackup } from '../../src/backup/backup.js';
import { resolveTarget } from '../../src/db/connection.js';
import type { PgsnapError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { parsePattern } from '../../src/patterns.js';
import { readZip, rewriteZip, writeZip } from '../helpers/archives.js';
import { createFixtureDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
let dir: string;
let good: string;

beforeAll(async () => {
  db = await createFixtureDatabase('reader');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-reader-'));
  good = (await runBackup({ target: resolveTarget(db.url), dir, selection: { schemas: [], tables: [], exclude: [] }, logger: silentLogger })).archive;
});

afterAll(async () => {
  await db?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<PgsnapError> {
  try {
    await p;
  } catch (e) {
    return e as PgsnapError;
  }
  throw new Error('expected a failure');
}

async function readAllLines(file: string): Promise<number> {
  const a = await openArchive(file);
  try {
    let n = 0;
    for (const t of a.manifest.tables) for (const e of t.entries) for await (const _ of a.readLines(e.name)) n++;
    return n;
  } finally {
    await a.close();
  }
}

const variant = (name: string) => path.join(dir, name);

describe('openArchive', () => {
  it('reads a good archive and verifies every entry while streaming', async () => {
    const a = await openArchive(good);
    expect(a.entries).toEqual(expect.arrayContaining(['manifest.json', 'schema.json', 'data/public.projects.0001.ndjson']));
    expect((await a.schema()).tables.map((t) => t.name)).toContain('projects');
    await a.close();
    expect(await readAllLines(good)).toBe(890);
  });

  it('[bad-input] rejects a file that is not a zip as foreign', async () => {
    fs.writeFileSync(variant('not-a-zip.zip'), 'hello, I am text');
    const e = await failure(openArchive(variant('not-a-zip.zip')));
    expect([e.code, e.exitCode]).toEqual(['archive_foreign', 2]);
  });

  it('[bad-input] rejects a zip without a manifest, or with another format name, as foreign', async () => {
    await writeZip(variant('plain.zip'), [['readme.txt', 'hi']]);
    expect((await failure(openArchive(variant('plain.zip')))).code).toBe('archive_foreign');
    await rewriteZip(good, variant('other.zip'), (name, data) =>
      name === 'manifest.json' ? JSON.stringify({ ...JSON.parse(data.toString()), format: 'something-else' }) : data,
    );
    expect((await failure(openArchive(variant('other.zip')))).code).toBe('archive_foreign');
  });

  it('[bad-input] refuses a newer format version with archive_version', async () => {
    await rewriteZip(good, variant('v2.zip'), (name, data) =>
      name === 'manifest.json' ? JSON.stringify({ ...JSON.parse(data.toString()), formatVersion: 2 }) : data,
    );
    const e = await failure(openArchive(variant('v2.zip')));
    expect([e.code, e.exitCode]).toEqual(['archive_version', 2]);
    expect(e.message).toMatch(/format 2/);
  });

  it('[bad-input] reports every malformed manifest field, and accepts names that carry SQL as plain data', async () => {
    await rewriteZip(good, variant('bad-manifest.zip'), (name, data) => {
      if (name !== 'manifest.json') return data;
      const m = JSON.parse(data.toString());
      m.tables[0].name = 42;
      m.tables[1].rows = '12';
      m.tables[2].entries[0].sha256 = 'abc';
      return JSON.stringify(m);
    });
    const e = await failure(openArchive(variant('bad-manifest.zip')));
    expect(e.code).toBe('archive_corrupt');
    expect(e.message).toMatch(/tables\[0\]\.name must be a string/);
    expect(e.message).toMatch(/tables\[1\]\.rows must be a whole number/);
    expect(e.message).toMatch(/tables\[2\]\.entries\[0\]\.sha256 is malformed/);

    await rewriteZip(good, variant('sql-name.zip'), (name, data) => {
      if (name !== 'manifest.json') return data;
      const m = JSON.parse(data.toString());
      m.tables[0].name = 'x"; DROP TABLE users; --';
      return JSON.stringify(m);
    });
    const a = await openArchive(variant('sql-name.zip'));
    expect(a.manifest.tables[0]?.name).toBe('x"; DROP TABLE users; --');
    await a.close();
  });

  it('[bad-input] rejects entry names that climb out of the archive', async () => {
    // archiver cleans names, so write a same-length placeholder and patch the bytes of both headers
    await writeZip(variant('climb.zip'), [...(await readZip(good)), ['data/XXXXXXXXXX', 'x\n']]);
    const bytes = fs.readFileSync(variant('climb.zip'));
    const equal = Buffer.from(bytes.toString('latin1').split('data/XXXXXXXXXX').join('../../../evil12'), 'latin1');
    expect(equal.length).toBe(bytes.length);
    expect(equal.toString('latin1')).toContain('../../../evil12');
    fs.writeFileSync(variant('climb.zip'), equal);
    const e = await failure(openArchive(variant('climb.zip')));
    expect(e.code).toBe('archive_corrupt');
    expect(fs.existsSync(path.join(dir, '..', '..', 'evil12'))).toBe(false);
  });

  it('[bad-input] fails an entry whose bytes do not match the manifest, at the end of the entry', async () => {
    await rewriteZip(good, variant('tampered.zip'), (name, data) =>
      name === 'data/public.projects.0001.ndjson' ? data.toString().replace('Project 1', 'Project X') : data,
    );
    const e = await failure(readAllLines(variant('tampered.zip')));
    expect(e.code).toBe('archive_corrupt');
    expect(e.message).toMatch(/public\.projects\.0001\.ndjson does not match its checksum/);
  });

  it('[bad-input] fails when a listed entry is missing or schema.json was changed', async () => {
    await rewriteZip(good, variant('missing.zip'), (name, data) => (name === 'data/public.profiles.0001.ndjson' ? undefined : data));
    expect((await failure(openArchive(variant('missing.zip')))).message).toMatch(/listed in the manifest but missing/);
    await rewriteZip(good, variant('schema.zip'), (name, data) => (name === 'schema.json' ? data.toString().replace('projects', 'projectz') : data));
    const a = await openArchive(variant('schema.zip'));
    expect((await failure(a.schema())).code).toBe('archive_corrupt');
    await a.close();
  });

  describe('a large data entry', () => {
    let big: string;
    const bigDir = () => path.join(dir, 'big');
    beforeAll(async () => {
      await db.query(`CREATE TABLE public.reader_big AS SELECT i AS id, md5(i::text) || repeat(' ', i % 7) AS label FROM generate_series(1, 40000) i`);
      const selection = { schemas: [], tables: [parsePattern('public.reader_big')], exclude: [] };
      big = (await runBackup({ target: resolveTarget(db.url), dir: bigDir(), selection, logger: silentLogger })).archive;
    });

    it('comes out in large verified pieces, not 16 KiB ones (each piece costs CPU in every stream it crosses)', async () => {
      const a = await openArchive(big);
      try {
        const entry = a.manifest.tables[0]?.entries[0];
        expect(entry?.bytes).toBeGreaterThan(1_000_000);
        const sizes: number[] = [];
        let newlines = 0;
        for await (const chunk of (await a.openEntry(entry?.name as string)) as AsyncIterable<Buffer>) {
          sizes.push(chunk.length);
          for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) newlines++;
        }
        expect(sizes.reduce((x, y) => x + y, 0)).toBe(entry?.bytes);
        expect(newlines).toBe(40000);
        expect(Math.max(...sizes)).toBeGreaterThan(64 * 1024);
      } finally {
        await a.close();
      }
    });

    it('[bad-input] fails on damaged deflate data inside the entry with archive_corrupt', async () => {
      const bytes = fs.readFileSync(big);
      const name = Buffer.from('data/public.reader_big.0001.ndjson');
      const header = bytes.indexOf(name);
      expect(header).toBeGreaterThan(0);
      // well inside the compressed data of the entry (its local header comes first in the file)
      for (let i = header + name.length + 5000; i < header + name.length + 5064; i++) bytes[i] = (bytes[i] as number) ^ 0x5a;
      fs.writeFileSync(variant('damaged-deflate.zip'), bytes);
      const e = await failure(readAllLines(variant('damaged-deflate.zip')));
      expect([e.code, e.exitCode]).toEqual(['archive_corrupt', 2]);
    });
  });
});
