import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTPUT_SETTINGS } from '../../src/archive/format.js';
import { fingerprintLines } from '../../src/archive/fingerprint.js';
import { type OpenArchive, openArchive } from '../../src/archive/reader.js';
import { runBackup } from '../../src/backup/backup.js';
import { resolveTarget } from '../../src/db/connection.js';
import { silentLogger } from '../../src/log.js';
import { createTestDatabase, repoRoot, type TestDatabase } from '../helpers/db.js';

/**
 * The lossless promise, checked by PostgreSQL itself: every archived value, fed back through its type's input
 * function ((line->>'col')::type), must print exactly as the source value does.
 */
let db: TestDatabase;
let dir: string;
let archive: OpenArchive;
let client: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase('types');
  await db.query(fs.readFileSync(path.join(repoRoot, 'tests', 'fixtures', 'all-types.sql'), 'utf8'));
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-types-'));
  const result = await runBackup({
    target: resolveTarget(db.url),
    dir,
    selection: { schemas: ['types'], tables: [], exclude: [] },
    logger: silentLogger,
  });
  archive = await openArchive(result.archive);
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  for (const [k, v] of Object.entries(OUTPUT_SETTINGS)) await client.query('SELECT set_config($1, $2, false)', [k, v]);
});

afterAll(async () => {
  await archive?.close();
  await client?.end();
  await db?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function linesOf(table: string): Promise<string[]> {
  const t = archive.manifest.tables.find((x) => `${x.schema}.${x.name}` === table);
  if (!t) throw new Error(`${table} not in archive`);
  const out: string[] = [];
  for (const e of t.entries) for await (const line of archive.readLines(e.name)) out.push(line);
  return out;
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

describe('archive round trip for every type family', () => {
  it('captures every table of the fixture, each in one snapshot', () => {
    const names = archive.manifest.tables.map((t) => t.name).sort();
    expect(names).toEqual(
      ['Weird.Name "quoted"', 'arrays', 'binary', 'custom', 'empty_table', 'generated_identity', 'jsons', 'misc', 'no_columns', 'numbers', 'ranges', 'texts', 'times'].sort(),
    );
    expect(archive.manifest.snapshotId).toMatch(/^[0-9A-F]+-[0-9A-F]+-\d+$/);
  });

  it('gives back exactly the source rows when PostgreSQL decodes the archive', async () => {
    for (const t of archive.manifest.tables) {
      if (t.columns.length === 0) continue;
      const table = `${q(t.schema)}.${q(t.name)}`;
      const source = await client.query<{ r: string }>(`SELECT ROW(${t.columns.map((c) => q(c.name)).join(', ')})::text AS r FROM ${table} ORDER BY 1`);
      const lines = await linesOf(`${t.schema}.${t.name}`);
      const decoded = await client.query<{ r: string }>(
        `SELECT ROW(${t.columns.map((c) => `(l::json->>${pg.Client.prototype.escapeLiteral(c.name)})::${c.type}`).join(', ')})::text AS r
           FROM unnest($1::text[]) AS l ORDER BY 1`,
        [lines],
      );
      expect(decoded.rows.map((r) => r.r), table).toEqual(source.rows.map((r) => r.r));
      expect(t.rows, table).toBe(source.rows.length);
      expect(t.fingerprint, table).toBe(fingerprintLines(lines));
    }
  });

  it('keeps int8 and numeric digits, NaN and infinities as strings, small integers as numbers', async () => {
    const rows = (await linesOf('types.numbers')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(2)).toMatchObject({ i2: 32767, i4: 2147483647, i8: '9223372036854775807', num: '12345678901234567890.123456789012345678901234567890' });
    expect(byId.get(3)).toMatchObject({ i8: '9007199254740993', num: 'Infinity', r4: 'Infinity' });
    expect(byId.get(1)).toMatchObject({ num: 'NaN', r8: '-Infinity' });
    expect(byId.get(4)).toMatchObject({ i2: null, num: '-Infinity' });
  });

  it('tells a JSON null document from SQL NULL, and keeps json text as written', async () => {
    const raw = await linesOf('types.jsons');
    const rows = new Map(raw.map((l) => JSON.parse(l) as Record<string, unknown>).map((r) => [r.id, r]));
    expect(rows.get(2)).toEqual({ id: 2, j: 'null', jb: 'null' });
    expect(rows.get(3)).toEqual({ id: 3, j: null, jb: null });
    expect(rows.get(1)?.j).toBe('{"a":1,  "a" : 2,   "b" : [1, 2]}');
    expect(rows.get(1)?.jb).toBe('{"a": 2, "b": [1, 2]}');
    expect(raw.find((l) => l.startsWith('{"id":2,'))).toBe('{"id":2,"j":"null","jb":"null"}');
  });

  it('stores identity columns and leaves generated columns out', async () => {
    const t = archive.manifest.tables.find((x) => x.name === 'generated_identity');
    expect(t?.columns.map((c) => [c.name, c.identity])).toEqual([
      ['id', 'always'],
      ['by_default', 'by default'],
      ['base', null],
      ['serial_col', null],
    ]);
    const rows = (await linesOf('types.generated_identity')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.every((r) => !('doubled' in r))).toBe(true);
    expect(rows.map((r) => r.by_default).sort()).toEqual([1, 100, 2, 3]);
    const seqs = archive.manifest.sequences.map((s) => `${s.schema}.${s.name}=${s.value}`).sort();
    expect(seqs).toEqual(['types.generated_identity_by_default_seq=3', 'types.generated_identity_id_seq=4', 'types.generated_identity_serial_col_seq=4']);
  });

  it('keeps bytea as hex text and names that need quoting intact', async () => {
    const bin = (await linesOf('types.binary')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(bin.find((r) => r.id === 2)?.b).toBe('\\x00ff0a0d5c22');
    expect(bin.find((r) => r.id === 1)?.b).toBe('\\x');
    const weird = archive.manifest.tables.find((t) => t.name === 'Weird.Name "quoted"');
    expect(weird?.entries[0]?.name).toBe('data/types.Weird%2EName%20%22quoted%22.0001.ndjson');
    expect(weird?.key).toEqual({ kind: 'primary', name: 'Weird.Name "quoted"_pkey', columns: ['Key'] });
  });

  it('counts rows of a table without columns and writes one empty entry for an empty table', async () => {
    expect(await linesOf('types.no_columns')).toEqual(['{}', '{}']);
    const empty = archive.manifest.tables.find((t) => t.name === 'empty_table');
    expect(empty?.rows).toBe(0);
    expect(empty?.entries).toHaveLength(1);
    expect(empty?.entries[0]?.bytes).toBe(0);
  });

  it('stores the schema of what was captured, with the types the tables need', async () => {
    const model = await archive.schema();
    expect(model.tables.map((t) => t.name)).toContain('custom');
    expect(model.enums.map((e) => e.name)).toEqual(['mood']);
    expect(model.domains.map((d) => d.name).sort()).toEqual(['email', 'positive_int']);
    expect(model.compositeTypes.map((c) => c.name)).toEqual(['address']);
    expect(model.extensions.map((e) => e.name)).toEqual(expect.arrayContaining(['citext', 'hstore', 'ltree']));
    expect(model.views).toEqual([]);
  });
});
