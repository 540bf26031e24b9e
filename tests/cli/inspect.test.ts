import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTPUT_SETTINGS } from '../../src/archive/format.js';
import { cliInProcess } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

/**
 * show / extract / diff against real PostgreSQL: the CSV must be byte for byte what COPY prints for the same
 * rows, the SQL must load back to the same rows, and diff must find exactly what was changed after the backup.
 */
let db: TestDatabase;
let copy: TestDatabase;
let dir: string;

const TRICKY = `
CREATE TABLE public.tricky (
  id int PRIMARY KEY,
  t text, b bytea, arr text[], grid int[], j json, jb jsonb, n numeric, ts timestamptz, tsl timestamp, d date,
  f float8, bo boolean, m money, iv interval, big bigint, "we,ird ""col""" text,
  g int GENERATED ALWAYS AS (id * 2) STORED
);
INSERT INTO public.tricky VALUES
  (1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (2, '', '\\x', '{}', '{{1,2},{3,NULL}}', 'null', 'null', 'NaN', 'infinity', '-infinity', '4713-01-01 BC', 'Infinity', true,
   12.34, '1 day 02:03:04.5', 9223372036854775807, ''),
  (3, 'he said "hi", twice', '\\x00ff0a', '{"a,b","c\\"d",NULL,"NULL",""}', '{{-1,0}}', '{"a": 1,  "a": 2}', '{"b": [1, null]}',
   123456789012345678901234567890.123456789, '2025-07-11 19:46:34.951123+02', '2025-07-11 19:46:34.951123', '2025-07-11',
   0.1, false, -0.5, '-3 mons', -9223372036854775808, '"'),
  (4, E'line1\\nline2\\r\\nend', NULL, '{"line\\nbreak"}', NULL, '[]', '{}', '-0.000', NULL, NULL, NULL, -0.0, NULL, NULL, NULL, 0, E'\\n'),
  (5, '\\.', NULL, NULL, NULL, '"\\u00e9"', '"é"', '1e-20', NULL, NULL, NULL, 1e300, NULL, NULL, NULL, NULL, ','),
  (6, 'ünïcødé 🎉 back\\slash', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, E'\\r');
CREATE TABLE public.single (v text);
INSERT INTO public.single VALUES ('\\.'), (''), (NULL), ('x');
CREATE TABLE public.logs (msg text, at int);
INSERT INTO public.logs VALUES ('boot', 1), ('boot', 1), ('ready', 2);
`;

async function copyCsv(url: string, table: string): Promise<Buffer> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (const [k, v] of Object.entries(OUTPUT_SETTINGS)) await c.query('SELECT set_config($1, $2, false)', [k, v]);
    const chunks: Buffer[] = [];
    for await (const chunk of c.query(copyTo(`COPY ${table} TO STDOUT WITH (FORMAT csv, HEADER)`))) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  db = await createTestDatabase('inspect');
  copy = await createTestDatabase('inspectcopy');
  await db.query(TRICKY);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-inspect-'));
  const r = await cliInProcess(['backup', '--url', db.url, '--dir', dir, '--quiet']);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(async () => {
  await db?.drop();
  await copy?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('pgsnap show', () => {
  it('lists tables, rows, key, sequences and server without reading the data', async () => {
    const r = await cliInProcess(['show', 'latest', '--dir', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.database).toBe(db.name);
    expect(doc.tables.map((t: { table: string; rows: number }) => [t.table, t.rows]).sort()).toEqual([
      ['public.logs', 3],
      ['public.single', 4],
      ['public.tricky', 6],
    ]);
    expect(doc.tables.find((t: { table: string }) => t.table === 'public.tricky').key).toBe('primary key (id)');
    expect(doc.rows).toBe(13);
    const text = await cliInProcess(['show', 'latest', '--dir', dir]);
    expect(text.stdout).toMatch(/3 tables, 13 rows/);
    expect(text.stdout).toMatch(/public\.logs\s+3 rows .* no key/);
  });
});

describe('pgsnap extract', () => {
  it('writes CSV byte for byte as COPY … WITH CSV HEADER does', async () => {
    for (const table of ['public.tricky', 'public.single', 'public.logs']) {
      const r = await cliInProcess(['extract', 'latest', table, '--dir', dir]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe((await copyCsv(db.url, table)).toString('utf8'));
    }
  });

  it('ndjson is the archive lines; sql loads back to the same rows', async () => {
    const nd = await cliInProcess(['extract', 'latest', 'tricky', '--dir', dir, '--format', 'ndjson']);
    expect(nd.code).toBe(0);
    const rows = nd.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(6);
    expect(rows.find((r) => r.id === 2).j).toBe('null');
    expect(rows.find((r) => r.id === 1).j).toBeNull();
    const sql = await cliInProcess(['extract', 'latest', 'public.tricky', '--dir', dir, '--format', 'sql']);
    expect(sql.code).toBe(0);
    await copy.query(TRICKY.slice(0, TRICKY.indexOf('INSERT INTO public.tricky')));
    await copy.query(sql.stdout);
    expect((await copyCsv(copy.url, 'public.tricky')).equals(await copyCsv(db.url, 'public.tricky'))).toBe(true);
  });

  it('refuses a table the archive does not hold, naming what it holds', async () => {
    const r = await cliInProcess(['extract', 'latest', 'public.nope', '--dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no table public\.nope .*public\.logs/);
    expect(r.stdout).toBe('');
  });
});

describe('pgsnap diff', () => {
  it('finds nothing right after the backup (exit 0), then exactly what changed (exit 1)', async () => {
    const same = await cliInProcess(['diff', 'latest', '--dir', dir, '--url', db.url, '--json']);
    expect(same.stderr).toBe('');
    expect(same.code).toBe(0);
    expect(JSON.parse(same.stdout).tables.map((t: { status: string }) => t.status)).toEqual(['same', 'same', 'same']);

    await db.query(`DELETE FROM public.tricky WHERE id = 3; UPDATE public.tricky SET t = 'changed' WHERE id = 2;
      INSERT INTO public.tricky (id, t) VALUES (99, 'new'); DELETE FROM public.logs WHERE ctid = (SELECT min(ctid) FROM public.logs WHERE msg = 'boot');
      ALTER TABLE public.single ADD COLUMN extra int`);
    const r = await cliInProcess(['diff', 'latest', '--dir', dir, '--url', db.url, '--json']);
    expect(r.code, r.stderr).toBe(1);
    const byTable = Object.fromEntries(JSON.parse(r.stdout).tables.map((t: { table: string }) => [t.table, t]));
    const tricky = byTable['public.tricky'];
    expect(tricky.key).toEqual(['id']);
    expect(tricky.rows).toMatchObject({ rowsA: 6, rowsB: 6, onlyInA: 1, onlyInB: 1, differ: 1 });
    expect(tricky.rows.samples.onlyInA[0].id).toBe(3);
    expect(tricky.rows.samples.onlyInB[0].id).toBe(99);
    expect(tricky.rows.samples.differ[0]).toMatchObject({ key: { id: 2 }, columns: ['t'], a: { t: '' }, b: { t: 'changed' } });
    expect(byTable['public.logs'].rows).toMatchObject({ onlyInA: 1, onlyInB: 0, samples: { onlyInA: [{ msg: 'boot', at: '1' }] } });
    expect(byTable['public.single']).toMatchObject({ status: 'different', columns: { onlyInB: ['extra'] }, rows: { onlyInA: 0, onlyInB: 0 } });

    const text = await cliInProcess(['diff', 'latest', '--dir', dir, '--url', db.url]);
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/public\.tricky: 6 rows in A, 6 in B; 1 only in A, 1 only in B, 1 differ \(by id\)/);
    expect(text.stderr).toMatch(/~ \{"id":2\}: t "" → "changed"/);
    expect(text.stdout).toBe('');
  });

  it('compares two archives the same way', async () => {
    const first = fs.readdirSync(dir).filter((f) => f.endsWith('.zip'))[0] as string;
    const b = await cliInProcess(['backup', '--url', db.url, '--dir', dir, '--quiet']);
    expect(b.code).toBe(0);
    const r = await cliInProcess(['diff', path.join(dir, first), 'latest', '--dir', dir, '--json']);
    expect(r.code, r.stderr).toBe(1);
    const tricky = JSON.parse(r.stdout).tables.find((t: { table: string }) => t.table === 'public.tricky');
    expect(tricky.rows).toMatchObject({ onlyInA: 1, onlyInB: 1, differ: 1 });
    const none = await cliInProcess(['diff', 'latest', 'latest', '--dir', dir]);
    expect(none.code).toBe(0);
    expect(none.stderr).toMatch(/no differences in 3 tables/);
    const usage = await cliInProcess(['diff', 'latest', '--dir', dir]);
    expect(usage.code).toBe(2);
  });
});
