import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArchive } from '../../src/archive/reader.js';
import { rewriteZip } from '../helpers/archives.js';
import { verifyArchive } from '../../src/verify/offline.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { backupTo, pgsnap, tempDir } from './restore-helpers.js';

/**
 * Tables are (schema, name) pairs: `a.b`.`c` and `a`.`b.c` join to the same "a.b.c" and must still be two tables
 * in the backup, the manifest, the entry names, list, verify and restore. Names with quotes and spaces too.
 */
const tables = [
  { schema: 'a.b', name: 'c', rows: 3 },
  { schema: 'a', name: 'b.c', rows: 5 },
  { schema: 'we"ird sch', name: 't a"b', rows: 7 },
] as const;
const sql = (t: { schema: string; name: string }) => `"${t.schema.replace(/"/g, '""')}"."${t.name.replace(/"/g, '""')}"`;

let source: TestDatabase;
let target: TestDatabase;
let dir: string;
let archive: string;

beforeAll(async () => {
  source = await createTestDatabase('bk_ident');
  target = await createTestDatabase('bk_ident_to');
  for (const s of new Set(tables.map((t) => t.schema))) await source.query(`CREATE SCHEMA "${s.replace(/"/g, '""')}"`);
  for (const t of tables) {
    await source.query(`CREATE TABLE ${sql(t)} (id int PRIMARY KEY, origin text NOT NULL)`);
    await source.query(`INSERT INTO ${sql(t)} SELECT i, $1 FROM generate_series(1, ${t.rows}) i`, [`${t.schema}|${t.name}`]);
  }
  dir = tempDir('ident');
  archive = await backupTo(source, dir, []);
});

afterAll(async () => {
  await source?.drop();
  await target?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('object identity by (schema, name)', () => {
  it('captures each table once, with its own rows, under entry names that cannot collide', async () => {
    const a = await openArchive(archive);
    try {
      const m = a.manifest;
      expect(m.tables.map((t) => [t.schema, t.name]).sort()).toEqual(tables.map((t) => [t.schema, t.name]).sort());
      const entries = m.tables.flatMap((t) => t.entries.map((e) => e.name));
      expect(new Set(entries).size).toBe(entries.length);
      for (const t of tables) {
        const archived = m.tables.find((x) => x.schema === t.schema && x.name === t.name);
        expect(archived?.rows).toBe(t.rows);
        for (const e of archived?.entries ?? []) {
          for await (const line of a.readLines(e.name)) expect(JSON.parse(line).origin).toBe(`${t.schema}|${t.name}`);
        }
      }
      const described = (await a.schema()).tables.map((t) => [t.schema, t.name]).sort();
      expect(described).toEqual(tables.map((t) => [t.schema, t.name]).sort());
    } finally {
      await a.close();
    }
  });

  it('verifies, naming each table so it can be told apart', async () => {
    const r = await verifyArchive(archive);
    expect(r.ok).toBe(true);
    expect(r.tables.map((t) => t.table).sort()).toEqual(['"a.b".c', '"we""ird sch"."t a""b"', 'a."b.c"'].sort());
  });

  it('lists the archive with every table counted once', async () => {
    const r = await pgsnap(['list', '--dir', dir, '--json']);
    expect(r.code).toBe(0);
    const listed = JSON.parse(r.stdout).archives[0];
    expect(listed.tables).toBe(3);
    expect(listed.rows).toBe(15);
  });

  it('restores each table with its own rows into an empty database', async () => {
    const r = await pgsnap(['restore', path.basename(archive), '--dir', dir, '--url', target.url, '--create-missing', '--json']);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    for (const t of tables) {
      const rows = await target.query<{ origin: string; n: number }>(`SELECT origin, count(*)::int AS n FROM ${sql(t)} GROUP BY origin`);
      expect(rows).toEqual([{ origin: `${t.schema}|${t.name}`, n: t.rows }]);
    }
    // re-running inserts nothing
    const again = await pgsnap(['restore', path.basename(archive), '--dir', dir, '--url', target.url, '--json']);
    expect(again.code).toBe(0);
    for (const t of tables) expect((await target.query(`SELECT 1 FROM ${sql(t)}`)).length).toBe(t.rows);
  });

  it('rejects a manifest that lists one (schema, name) pair twice (restore would load it twice)', async () => {
    const twice = path.join(dir, 'twice.zip');
    await rewriteZip(archive, twice, (name, data) => {
      if (name !== 'manifest.json') return data;
      const m = JSON.parse(data.toString('utf8'));
      const first = m.tables.find((t: { schema: string }) => t.schema === 'a.b');
      m.tables.push({ ...first, entries: [] , rows: 0 });
      return JSON.stringify(m);
    });
    const r = await verifyArchive(twice);
    expect(r.ok).toBe(false);
    expect(r.problems.join('\n')).toMatch(/table "a\.b"\.c is listed twice/);
    const restored = await pgsnap(['restore', twice, '--url', target.url, '--json']);
    expect(restored.code).toBe(2);
    expect(restored.stderr).toMatch(/listed twice/);
    fs.rmSync(twice);
  });

  it('verify --quiet still prints the failure line (cron mails only when something is printed)', async () => {
    const damaged = path.join(dir, 'damaged.zip');
    await rewriteZip(archive, damaged, (name, data) => (name.startsWith('data/a.') ? Buffer.from(data.toString('utf8').replace('"id":1', '"id":9')) : data));
    const r = await pgsnap(['verify', damaged, '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/damaged\.zip failed verification: .*does not match its checksum/);
    fs.rmSync(damaged);
  });

  describe('the archive proves itself', () => {
    const variant = async (name: string, change: (entry: string, data: Buffer) => Buffer | string) => {
      const out = path.join(dir, `${name}.zip`);
      await rewriteZip(archive, out, change);
      return out;
    };
    const editManifest = (edit: (m: Record<string, unknown>) => void) => (entry: string, data: Buffer) => {
      if (entry !== 'manifest.json') return data;
      const m = JSON.parse(data.toString('utf8'));
      edit(m);
      return JSON.stringify(m);
    };

    it('an edited manifest no longer matches manifest.sha256', async () => {
      const file = await variant('edited', editManifest((m) => { m.toolVersion = '9.9.9'; }));
      const r = await verifyArchive(file);
      expect(r.ok).toBe(false);
      expect(r.problems).toContain('manifest.json does not match manifest.sha256 (edited or damaged)');
    });

    it('schema.sql is checked too', async () => {
      const file = await variant('schema-sql', (entry, data) => (entry === 'schema.sql' ? `${data.toString('utf8')}\nDROP TABLE x;\n` : data));
      const r = await verifyArchive(file);
      expect(r.problems).toContain('schema.sql does not match its checksum');
    });

    it('settings restore cannot reproduce, and sequence values outside bigint: verify rejects, restore refuses', async () => {
      for (const [name, edit, says] of [
        ['timezone', (m: Record<string, unknown>) => { (m.settings as Record<string, string>).TimeZone = 'Europe/Berlin'; }, /settings\.TimeZone is "Europe\/Berlin"; pgsnap reads values printed under "UTC"/],
        ['monetary', (m: Record<string, unknown>) => { (m.settings as Record<string, string>).lc_numeric = 'de_DE'; }, /settings\.lc_numeric is not a setting pgsnap prints values under/],
        ['sequence', (m: Record<string, unknown>) => { m.sequences = [{ schema: 'a', name: 's', value: '9223372036854775808', isCalled: true }]; }, /value 9223372036854775808 is outside bigint/],
      ] as const) {
        const file = await variant(name, editManifest(edit));
        const r = await verifyArchive(file);
        expect(r.ok, name).toBe(false);
        expect(r.problems.join('\n'), name).toMatch(says);
        const restored = await pgsnap(['restore', file, '--url', target.url, '--dry-run']);
        expect(restored.code, name).toBe(2);
        expect(restored.stderr, name).toMatch(says);
      }
    });
  });
});
