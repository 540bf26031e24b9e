import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fingerprint } from '../../src/archive/fingerprint.js';
import { runBackup } from '../../src/backup/backup.js';
import { resolveTarget } from '../../src/db/connection.js';
import { silentLogger } from '../../src/log.js';
import { restoreDrill } from '../../src/verify/drill.js';
import { verifyArchive } from '../../src/verify/offline.js';
import { readZip, rewriteZip, sealManifest, writeZip } from '../helpers/archives.js';
import { createFixtureDatabase, createTestDatabase, repoRoot, type TestDatabase } from '../helpers/db.js';
import { restore } from './restore-helpers.js';

let app: TestDatabase;
let types: TestDatabase;
let dir: string;
let good: string;
let goodTypes: string;

const everything = { schemas: [], tables: [], exclude: [] };

beforeAll(async () => {
  app = await createFixtureDatabase('verify_app');
  types = await createTestDatabase('verify_types');
  await types.query(fs.readFileSync(path.join(repoRoot, 'tests', 'fixtures', 'all-types.sql'), 'utf8'));
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-verify-'));
  good = (await runBackup({ target: resolveTarget(app.url), dir: path.join(dir, 'app'), selection: everything, logger: silentLogger })).archive;
  goodTypes = (await runBackup({ target: resolveTarget(types.url), dir: path.join(dir, 'types'), selection: everything, logger: silentLogger })).archive;
});

afterAll(async () => {
  await app?.drop();
  await types?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const variant = (name: string) => path.join(dir, name);

/**
 * What a careful forger does to lose a column: drop it from the table's manifest columns and from every row, then
 * compute each entry's sha256, bytes and the table's fingerprint anew, and seal the manifest.
 */
async function forgeWithoutColumn(src: string, dst: string, table: string, column: string): Promise<void> {
  const entries = await readZip(src);
  const manifest = JSON.parse((entries.get('manifest.json') as Buffer).toString('utf8'));
  const t = manifest.tables.find((x: { name: string }) => x.name === table);
  t.columns = t.columns.filter((c: { name: string }) => c.name !== column);
  const fp = new Fingerprint();
  for (const e of t.entries) {
    const lines = (entries.get(e.name) as Buffer)
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '');
    const rewritten = lines.map((l) => {
      const row = JSON.parse(l);
      delete row[column];
      const line = JSON.stringify(row);
      fp.update(Buffer.from(line));
      fp.endLine();
      return line;
    });
    const data = Buffer.from(rewritten.map((l) => `${l}\n`).join(''));
    entries.set(e.name, data);
    e.bytes = data.length;
    e.sha256 = createHash('sha256').update(data).digest('hex');
  }
  t.fingerprint = fp.digest();
  entries.set('manifest.json', Buffer.from(JSON.stringify(manifest)));
  await writeZip(dst, sealManifest(entries));
}
const problemsOf = (r: Awaited<ReturnType<typeof verifyArchive>>) => [...r.problems, ...r.tables.flatMap((t) => t.problems)].join('\n');

describe('verify (offline)', () => {
  it('passes a sound archive, checking every row', async () => {
    const r = await verifyArchive(good);
    expect(problemsOf(r)).toBe('');
    expect(r.ok).toBe(true);
    expect(r.rows).toBe(25 + 25 + 40 + 300 + 500);
    expect(r.tables.map((t) => t.table)).toEqual(expect.arrayContaining(['auth.users', 'public.error_logs']));
  });

  it('[bad-input] names the entry holding a flipped byte', async () => {
    const out = variant('flipped.zip');
    await rewriteZip(good, out, (name, data) => {
      if (name !== 'data/public.projects.0001.ndjson') return data;
      const copy = Buffer.from(data);
      const at = copy.indexOf('Project 1');
      copy[at + 8] = '7'.charCodeAt(0); // "Project 1" → "Project 7": still valid JSON, different bytes
      return copy;
    });
    const r = await verifyArchive(out);
    expect(r.ok).toBe(false);
    expect(problemsOf(r)).toMatch(/data\/public\.projects\.0001\.ndjson does not match its checksum/);
    expect(r.tables.find((t) => t.table === 'public.projects')?.ok).toBe(false);
    expect(r.tables.find((t) => t.table === 'public.error_logs')?.ok).toBe(true);
  });

  it('[bad-input] catches a byte flipped inside the compressed file itself', async () => {
    const out = variant('raw-flip.zip');
    const bytes = fs.readFileSync(good);
    // flip a byte in the middle of the largest data entry's compressed bytes
    const name = Buffer.from('data/public.error_logs.0001.ndjson');
    const header = bytes.indexOf(Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04])]), bytes.indexOf(name) - 30);
    const dataStart = header + 30 + bytes.readUInt16LE(header + 26) + bytes.readUInt16LE(header + 28);
    bytes[dataStart + 200] = (bytes[dataStart + 200] as number) ^ 0xff;
    fs.writeFileSync(out, bytes);
    const r = await verifyArchive(out);
    expect(r.ok).toBe(false);
    expect(problemsOf(r)).toMatch(/public\.error_logs/);
  });

  it('[bad-input] reports a truncated archive as damaged, not foreign', async () => {
    const out = variant('truncated.zip');
    const bytes = fs.readFileSync(good);
    fs.writeFileSync(out, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const r = await verifyArchive(out);
    expect(r.ok).toBe(false);
    expect(problemsOf(r)).toMatch(/truncated\.zip/);
  });

  it('[bad-input] catches an edited row count in the manifest', async () => {
    const out = variant('rowcount.zip');
    await rewriteZip(good, out, (name, data) => {
      if (name !== 'manifest.json') return data;
      const m = JSON.parse(data.toString('utf8'));
      const t = m.tables.find((x: { name: string }) => x.name === 'profiles');
      // a consistent edit: the table's total and its entry's count both say 26
      t.rows += 1;
      t.entries[0].rows += 1;
      return JSON.stringify(m);
    });
    const r = await verifyArchive(out);
    expect(r.ok).toBe(false);
    expect(problemsOf(r)).toMatch(/public\.profiles\.0001\.ndjson holds 25 rows, the manifest says 26/);
    expect(r.tables.find((t) => t.table === 'public.profiles')?.ok).toBe(false);

    const inconsistent = variant('rowcount-total.zip');
    await rewriteZip(good, inconsistent, (name, data) => {
      if (name !== 'manifest.json') return data;
      const m = JSON.parse(data.toString('utf8'));
      m.tables.find((x: { name: string }) => x.name === 'profiles').rows += 1;
      return JSON.stringify(m);
    });
    const r2 = await verifyArchive(inconsistent);
    expect(r2.ok).toBe(false);
    expect(problemsOf(r2)).toMatch(/rows is 26 but its entries hold 25/);
  });

  it('[bad-input] catches a missing entry and an extra entry', async () => {
    const missing = variant('missing.zip');
    await rewriteZip(good, missing, (name, data) => (name === 'data/public.test_sessions.0001.ndjson' ? undefined : data));
    const m = await verifyArchive(missing);
    expect(m.ok).toBe(false);
    expect(problemsOf(m)).toMatch(/test_sessions\.0001\.ndjson is listed in the manifest but missing/);

    const extra = variant('extra.zip');
    const entries = await readZip(good);
    await rewriteZip(good, extra, (_name, data) => data);
    const { writeZip } = await import('../helpers/archives.js');
    await writeZip(extra, [...entries, ['data/public.sneaky.0001.ndjson', '{"id":1}\n']]);
    const x = await verifyArchive(extra);
    expect(x.ok).toBe(false);
    expect(problemsOf(x)).toMatch(/unexpected entry data\/public\.sneaky\.0001\.ndjson/);
  });

  it('[bad-input] catches a line that does not match the manifest columns even when checksums were recomputed', async () => {
    const out = variant('columns.zip');
    const entries = await readZip(good);
    const name = 'data/public.projects.0001.ndjson';
    const data = entries.get(name) as Buffer;
    const lines = data.toString('utf8').split('\n');
    lines[0] = lines[0]?.replace('"name":', '"nombre":') ?? '';
    const changed = Buffer.from(lines.join('\n'));
    const manifest = JSON.parse((entries.get('manifest.json') as Buffer).toString('utf8'));
    const { createHash } = await import('node:crypto');
    for (const t of manifest.tables) {
      for (const e of t.entries) {
        if (e.name === name) {
          e.sha256 = createHash('sha256').update(changed).digest('hex');
          e.bytes = changed.length;
        }
      }
    }
    entries.set(name, changed);
    entries.set('manifest.json', Buffer.from(JSON.stringify(manifest)));
    const { writeZip } = await import('../helpers/archives.js');
    await writeZip(out, entries);
    const r = await verifyArchive(out);
    expect(r.ok).toBe(false);
    expect(problemsOf(r)).toMatch(/line 1: (unexpected|missing) column "(nombre|name)"/);
  });

  it('[bad-input] throws (exit 2) for a file that is not a pgsnap archive or is from a newer pgsnap', async () => {
    fs.writeFileSync(variant('text.zip'), 'just some text');
    await expect(verifyArchive(variant('text.zip'))).rejects.toMatchObject({ exitCode: 2, code: 'archive_foreign' });
    const newer = variant('newer.zip');
    await rewriteZip(good, newer, (name, data) => {
      if (name !== 'manifest.json') return data;
      return JSON.stringify({ ...JSON.parse(data.toString('utf8')), formatVersion: 99 });
    });
    await expect(verifyArchive(newer)).rejects.toMatchObject({ exitCode: 2, code: 'archive_version' });
  });
});

describe('verify --restore-test (the restore drill)', () => {
  it('restores the fixture app into a throwaway server and matches every table', async () => {
    const d = await restoreDrill(good);
    expect(d.error).toBeUndefined();
    expect(d.ok).toBe(true);
    expect(d.tables.find((t) => t.table === 'public.test_sessions')).toMatchObject({ restoredRows: 300, fingerprintMatches: true });
  });

  it('restores every type of the contract and matches every fingerprint', async () => {
    const d = await restoreDrill(goodTypes);
    expect(d.error).toBeUndefined();
    expect(d.tables.filter((t) => !t.ok)).toEqual([]);
    expect(d.tables.length).toBeGreaterThan(5);
  });

  it('[bad-input] runs a forged schema as an unprivileged role: no shell command reaches the host', async () => {
    const marker = path.join(os.tmpdir(), `pgsnap-drill-pwned-${process.pid}`);
    fs.rmSync(marker, { force: true });
    const out = variant('forged-schema.zip');
    const entries = await readZip(good);
    const schema = JSON.parse((entries.get('schema.json') as Buffer).toString('utf8'));
    const column = schema.tables.find((t: { name: string }) => t.name === 'projects').columns.find((c: { name: string }) => c.name === 'name');
    column.type = `text); COPY (SELECT 1) TO PROGRAM 'touch ${marker}'; CREATE TABLE pwned (id int`;
    const forged = Buffer.from(JSON.stringify(schema));
    const manifest = JSON.parse((entries.get('manifest.json') as Buffer).toString('utf8'));
    // the manifest says the same (else the reader refuses the disagreement before restore's checks are reached)
    manifest.tables.find((t: { name: string }) => t.name === 'projects').columns.find((c: { name: string }) => c.name === 'name').type = column.type;
    const { createHash } = await import('node:crypto');
    manifest.schemaSha256 = createHash('sha256').update(forged).digest('hex');
    entries.set('schema.json', forged);
    entries.set('manifest.json', Buffer.from(JSON.stringify(manifest)));
    const { sealManifest, writeZip } = await import('../helpers/archives.js');
    await writeZip(out, sealManifest(entries));
    const d = await restoreDrill(out);
    expect(d.ok).toBe(false);
    // refused by restore's DDL check (restore/ddl-guard.ts) before it runs, or by the drill's unprivileged role
    expect(d.error).toMatch(/refuses the archived schema|permission denied|must be superuser|pg_execute_server_program/);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('[bad-input] catches a column dropped consistently from the manifest and every row (checksums and fingerprint made anew)', async () => {
    const out = variant('dropped-column.zip');
    await forgeWithoutColumn(good, out, 'projects', 'metadata');
    const r = await verifyArchive(out);
    expect(r.ok).toBe(false);
    expect(problemsOf(r)).toMatch(
      /the columns of public\.projects differ between manifest\.json and schema\.json: schema\.json has "metadata" jsonb, the manifest does not/,
    );
    // the rows themselves are consistent with the forged manifest: only the comparison with schema.json shows it
    expect(r.tables.find((t) => t.table === 'public.projects')?.ok).toBe(true);

    const target = await createFixtureDatabase('verify_forged');
    try {
      const before = await target.query<{ n: string }>('SELECT count(*) AS n FROM public.projects WHERE metadata IS NOT NULL');
      const restored = await restore(target, out, { onConflict: 'update' });
      expect(restored.code).toBe(2);
      expect(restored.error?.code).toBe('archive_corrupt');
      expect(restored.error?.message).toMatch(/columns of public\.projects differ/);
      expect(await target.query('SELECT count(*) AS n FROM public.projects WHERE metadata IS NOT NULL')).toEqual(before);
    } finally {
      await target.drop();
    }
  });

  it('fails when the manifest promises rows the data does not hold', async () => {
    const out = variant('fingerprint.zip');
    await rewriteZip(
      good,
      out,
      (name, data) => {
        if (name !== 'manifest.json') return data;
        const m = JSON.parse(data.toString('utf8'));
        m.tables.find((x: { name: string }) => x.name === 'projects').fingerprint = '0000000000000000';
        return JSON.stringify(m);
      },
      { seal: true },
    );
    const d = await restoreDrill(out);
    expect(d.ok).toBe(false);
    expect(d.tables.find((t) => t.table === 'public.projects')?.fingerprintMatches).toBe(false);
  });
});
