import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/log.js';
import type { RestoreOptions } from '../../src/restore/options.js';
import { respellRows } from '../helpers/archives.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { backupTo, restore, tempDir } from './restore-helpers.js';

/**
 * Binary COPY on restore (src/restore/binary-copy.ts) says nothing and changes no value: a table goes binary only
 * when its types allow, a value its encoder cannot vouch for sends the whole table as text instead, data the server
 * refuses in binary is tried as text (whose refusal is the one the user sees), and a table of another shape says
 * why it stayed on text (--debug). The values themselves are compared type by type in restore-fidelity.test.ts.
 */
const ROWS = 2000;
const SCHEMA = `
CREATE SCHEMA bin;
CREATE TABLE bin.t (id int PRIMARY KEY, ts timestamptz, vc varchar(3), jb jsonb, big int8);
CREATE TABLE bin.child (id int PRIMARY KEY, t_id int NOT NULL REFERENCES bin.t, tags text[], span interval);
`;
const dbs: TestDatabase[] = [];
let source: TestDatabase;
let archive: string;
let dir: string;

function recorder(): { lines: string[]; logger: Logger } {
  const lines: string[] = [];
  return { lines, logger: { tty: false, info() {}, warn() {}, debug: (m) => lines.push(m) } };
}

async function emptyTarget(prefix: string, schema = SCHEMA): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix);
  dbs.push(db);
  await db.query(schema);
  return db;
}

/** the archive with one value of bin.t replaced (row `id`, column `column`) */
async function edited(name: string, id: number, column: string, value: unknown): Promise<string> {
  const file = path.join(dir, `${name}.zip`);
  await respellRows(archive, file, (row, table) => JSON.stringify(table === 'bin.t' && row.id === id ? { ...row, [column]: value } : row));
  return file;
}

async function rowsOf(db: TestDatabase, table: string): Promise<string[]> {
  return (await db.query<{ r: string }>(`SELECT t::text AS r FROM ${table} t ORDER BY id`)).map((x) => x.r);
}

beforeAll(async () => {
  source = await createTestDatabase('rs_bin_src');
  dbs.push(source);
  await source.query(`${SCHEMA}
    INSERT INTO bin.t SELECT i, timestamptz '2020-01-01 00:00:00+00' + i * interval '1 hour 1.5 seconds', left(md5(i::text), i % 4),
      jsonb_build_object('i', i, 's', repeat('x', i % 7)), i::int8 * 4611686018427 FROM generate_series(1, ${ROWS}) i;
    INSERT INTO bin.child SELECT i, 1 + i % ${ROWS}, ARRAY[i::text, NULL, 'a "b" {c}'], i * interval '1 minute' FROM generate_series(1, ${ROWS}) i;`);
  dir = tempDir('restore-binary');
  archive = await backupTo(source, dir, ['bin']);
});
afterAll(async () => {
  for (const db of dbs) await db.drop();
});

describe('restore with binary COPY', () => {
  it('sends a table of sendable types as binary, one with an interval column as text, and says why (--debug)', async () => {
    const db = await emptyTarget('rs_bin_a');
    const { lines, logger } = recorder();
    const r = await restore(db, archive, { copyFormat: 'binary', logger });
    expect(r.code, r.error?.message).toBe(0);
        expect(lines).toContain('bin.t: binary COPY');
    expect(lines).toContain('bin.child: text COPY (column span is interval, which has no binary encoder)');
    expect(await rowsOf(db, 'bin.t')).toEqual(await rowsOf(source, 'bin.t'));
    expect(await rowsOf(db, 'bin.child')).toEqual(await rowsOf(source, 'bin.child'));
  });

  it('auto (the default) leaves small tables on text: a savepoint would cost more than binary saves', async () => {
    const db = await emptyTarget('rs_bin_auto');
    const { lines, logger } = recorder();
    const r = await restore(db, archive, { logger });
    expect(r.code, r.error?.message).toBe(0);
    expect(lines.find((l) => l.startsWith('bin.t: '))).toMatch(/^bin\.t: text COPY \(\d+ archived bytes, under 262144\)$/);
  });

  it('a value its encoder cannot vouch for sends the whole table as text instead, in the same transaction', async () => {
    // another writer's archive: a time zone offset PostgreSQL never prints under TimeZone UTC
    const file = await edited('offset', 7, 'ts', '2024-01-01 10:00:00+02');
    const db = await emptyTarget('rs_bin_offset');
    const { lines, logger } = recorder();
    const r = await restore(db, file, { copyFormat: 'binary', logger });
    expect(r.code, r.error?.message).toBe(0);
    expect(lines).toContain('bin.t: binary COPY gave way to text at line 7, column ts');
    const [row] = await db.query<{ ts: string; n: number }>(`SELECT ts::text AS ts, (SELECT count(*) FROM bin.t)::int AS n FROM bin.t WHERE id = 7`);
    expect(row).toEqual({ ts: '2024-01-01 08:00:00+00', n: ROWS });
    // the rest of bin.t, and the table after it, are exactly the source's
    const expected = (await rowsOf(source, 'bin.t')).filter((l) => !l.startsWith('(7,'));
    expect((await rowsOf(db, 'bin.t')).filter((l) => !l.startsWith('(7,'))).toEqual(expected);
    expect(await rowsOf(db, 'bin.child')).toEqual(await rowsOf(source, 'bin.child'));
    expect(r.report?.tables.map((t) => [t.table, t.inserted])).toEqual([
      ['bin.t', ROWS],
      ['bin.child', ROWS],
    ]);
  });

  it.each([
    ['a varchar(3) value that is too long', 'vc', 'abcd', /value too long for type character varying\(3\)/],
    ['a jsonb document that is not JSON', 'jb', '{"a":', /invalid input syntax for type json/],
  ])('%s: the server refuses it in binary, then as text: exit 2 with the text refusal, nothing loaded', async (_what, column, value, message) => {
    const file = await edited(`refused-${column}`, 9, column, value);
    const outcomes: { code: number; message: string | undefined }[] = [];
    for (const copyFormat of ['binary', 'text'] as const) {
      const db = await emptyTarget(`rs_bin_refused_${column}_${copyFormat}`);
      const { lines, logger } = recorder();
      const r = await restore(db, file, { copyFormat, logger } satisfies Partial<RestoreOptions>);
      outcomes.push({ code: r.code, message: r.error?.message });
      expect(r.error?.message).toMatch(message);
      if (copyFormat === 'binary') expect(lines.some((l) => l.startsWith('bin.t: binary COPY gave way to text: the server refused it ('))).toBe(true);
      const [n] = await db.query<{ t: number; c: number }>(`SELECT (SELECT count(*) FROM bin.t)::int AS t, (SELECT count(*) FROM bin.child)::int AS c`);
      expect(n).toEqual({ t: 0, c: 0 });
    }
    expect(outcomes[0]?.code).toBe(2);
    // the same one line either way, minus the COPY's own line number (binary and text number rows alike)
    expect(outcomes[0]).toEqual(outcomes[1]);
  });

  it('a column whose type changed since the backup stays on text (the new type reads the archived text)', async () => {
    const db = await emptyTarget('rs_bin_changed', SCHEMA.replace('big int8', 'big numeric'));
    const { lines, logger } = recorder();
    const r = await restore(db, archive, { copyFormat: 'binary', logger });
    expect(r.code, r.error?.message).toBe(0);
    expect(lines).toContain('bin.t: text COPY (column big changed type since the backup)');
    const [row] = await db.query<{ big: string }>(`SELECT big::text AS big FROM bin.t WHERE id = ${ROWS}`);
    expect(row?.big).toBe(String(BigInt(ROWS) * 4611686018427n));
  });

  it('rows already there go through the staging table as binary too (a re-run over half the rows)', async () => {
    const db = await emptyTarget('rs_bin_half');
    await db.query(`INSERT INTO bin.t SELECT i, now(), 'x', '{}', 0 FROM generate_series(1, ${ROWS / 2}) i`);
    const { lines, logger } = recorder();
    const r = await restore(db, archive, { copyFormat: 'binary', logger });
    expect(r.code, r.error?.message).toBe(0);
    expect(lines).toContain('bin.t: binary COPY');
    expect(r.report?.tables.find((t) => t.table === 'bin.t')).toMatchObject({ inserted: ROWS / 2, present: ROWS / 2 });
    const restored = await rowsOf(db, 'bin.t');
    expect(restored.slice(ROWS / 2)).toEqual((await rowsOf(source, 'bin.t')).slice(ROWS / 2));
  });
  it('restore --jobs 2 (tables decoded ahead) gives the same reasons: a small table stays on text by size', async () => {
    const db = await emptyTarget('rs_bin_jobs');
    const r = await runCli(['restore', archive, '--url', db.url, '--debug', '--jobs', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/bin\.t: text COPY \(\d+ archived bytes, under 262144\)/);
    expect(r.stderr).toContain('bin.child: text COPY (');
    expect(r.stderr).not.toContain('undefined');
    expect(await rowsOf(db, 'bin.t')).toEqual(await rowsOf(source, 'bin.t'));
  });
});

describe('PGSNAP_COPY_BINARY', () => {
  it('0 keeps every table on text COPY; a value it does not know is refused in one line, exit 2', async () => {
    const db = await emptyTarget('rs_bin_env');
    const off = await runCli(['restore', archive, '--url', db.url, '--debug'], { env: { PGSNAP_COPY_BINARY: '0' } });
    expect(off.code, off.stderr).toBe(0);
    expect(off.stderr).toContain('bin.t: text COPY (text COPY asked for (PGSNAP_COPY_BINARY=0))');
    const bad = await runCli(['restore', archive, '--url', db.url], { env: { PGSNAP_COPY_BINARY: 'yes' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/PGSNAP_COPY_BINARY must be 0, 1 or all, not "yes"/);
    expect(bad.stderr.trim().split('\n').filter((l) => l.startsWith('pgsnap:') || l.startsWith('error'))).toHaveLength(1);
  });
});
