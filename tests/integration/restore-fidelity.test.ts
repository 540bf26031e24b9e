import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OUTPUT_SETTINGS } from '../../src/archive/format.js';
import { respellRows } from '../helpers/archives.js';
import { createTestDatabase, serverMajor, type TestDatabase } from '../helpers/db.js';
import { FIDELITY_TABLES, FIDELITY_TYPES_SQL, fidelityRowsSql, fidelityTablesSql } from '../helpers/fidelity-sql.js';
import type { RestoreOptions } from '../../src/restore/options.js';
import { backupTo, byTable, countsOf, restore, tempDir } from './restore-helpers.js';

/**
 * Backup → restore must give back every value exactly, whatever encoder restore uses (JSON lines → COPY text today,
 * binary COPY later). Written without looking at the encoders: the values are made by the server
 * (tests/helpers/fidelity-sql.ts, seeded), and every comparison runs on the server. A target database starts as a
 * byte copy of the source (CREATE DATABASE … TEMPLATE), whose schema `fid` is renamed `expected`; the restore goes
 * into a fresh, empty `fid`, and each table is compared with its `expected` twin: a full outer join on the key with
 * `IS DISTINCT FROM` and the text of every column, float4send/float8send for floats (`=` holds for -0 and 0, and
 * for NaN), md5 of the whole table's text, and the counts.
 */
const RANDOM_ROWS = 1500;
const dbs: TestDatabase[] = [];
let source: TestDatabase;
let archive: string;
let mismatchArchive: string;

async function withClient<T>(db: TestDatabase, run: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    // the archive's settings: text of floats with every digit, timestamps in UTC, money in the C locale
    for (const [k, v] of Object.entries(OUTPUT_SETTINGS)) if (k !== 'search_path') await c.query('SELECT set_config($1, $2, false)', [k, v]);
    return await run(c);
  } finally {
    await c.end();
  }
}

/** A copy of the source whose `fid` tables are renamed into schema `expected`, and `fid` made again, empty. */
async function targetWithExpected(prefix: string): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix, source.name);
  dbs.push(db);
  await db.query(`ALTER SCHEMA fid RENAME TO expected; ${fidelityTablesSql('fid')}`);
  return db;
}

interface Comparison {
  table: string;
  restored: number;
  expected: number;
  missing: number;
  extra: number;
  differing: number;
  sameMd5: boolean;
  firstDifference: string | null;
}

/** `fid.<table>` against `expected.<table>`, on the server. */
async function compare(db: TestDatabase, table: string): Promise<Comparison> {
  return withClient(db, async (c) => {
    const cols = await c.query<{ name: string; type: string; eq: boolean }>(
      `SELECT a.attname AS name, format_type(a.atttypid, NULL) AS type,
              a.atttypid NOT IN ('json'::regtype, 'xml'::regtype, 'point'::regtype, 'lseg'::regtype, 'box'::regtype, 'circle'::regtype) AS eq
         FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [`fid.${table}`],
    );
    // json, xml, point and lseg have no `=`; box and circle compare areas (which underflow): their text decides
    const diffs = cols.rows.flatMap(({ name, type, eq }) => {
      const q = `"${name}"`;
      // format %s is the type's output function; xml::text is the stored text, which keeps an XML declaration the
      // output function (and so COPY, pg_dump and the archive) drops: `<?xml version="1.0"?><r/>` prints `<r/>`
      const checks = [`format('%s', r.${q}) IS DISTINCT FROM format('%s', x.${q})`];
      if (type !== 'xml') checks.push(`r.${q}::text IS DISTINCT FROM x.${q}::text`);
      if (eq) checks.push(`r.${q} IS DISTINCT FROM x.${q}`);
      if (type === 'real') checks.push(`float4send(r.${q}) IS DISTINCT FROM float4send(x.${q})`);
      if (type === 'double precision') checks.push(`float8send(r.${q}) IS DISTINCT FROM float8send(x.${q})`);
      return checks;
    });
    const differs = `(${diffs.join(' OR ')})`;
    const r = await c.query<Omit<Comparison, 'table'>>(
      `SELECT (SELECT count(*) FROM fid.${table})::int AS restored, (SELECT count(*) FROM expected.${table})::int AS expected,
              count(*) FILTER (WHERE r.id IS NULL)::int AS missing, count(*) FILTER (WHERE x.id IS NULL)::int AS extra,
              count(*) FILTER (WHERE r.id IS NOT NULL AND x.id IS NOT NULL AND ${differs})::int AS differing,
              (SELECT md5(string_agg(t::text, '|' ORDER BY id)) FROM fid.${table} t)
                IS NOT DISTINCT FROM (SELECT md5(string_agg(t::text, '|' ORDER BY id)) FROM expected.${table} t) AS "sameMd5",
              min(coalesce(r.id, x.id)) FILTER (WHERE r.id IS NULL OR x.id IS NULL OR ${differs})::text AS "firstDifference"
         FROM fid.${table} r FULL JOIN expected.${table} x ON r.id = x.id`,
    );
    const row = r.rows[0] as Omit<Comparison, 'table'>;
    if (row.firstDifference !== null) {
      const id = row.firstDifference;
      const texts = await c.query<{ r: string | null; x: string | null }>(
        `SELECT (SELECT t::text FROM fid.${table} t WHERE id = $1) AS r, (SELECT t::text FROM expected.${table} t WHERE id = $1) AS x`,
        [id],
      );
      row.firstDifference = `id ${id}: restored ${texts.rows[0]?.r?.slice(0, 300)} / expected ${texts.rows[0]?.x?.slice(0, 300)}`;
    }
    return { table, ...row };
  });
}

async function expectIdentical(db: TestDatabase): Promise<void> {
  for (const table of FIDELITY_TABLES) {
    const c = await compare(db, table);
    expect(c, c.firstDifference ?? table).toEqual({
      table,
      restored: c.expected,
      expected: c.expected,
      missing: 0,
      extra: 0,
      differing: 0,
      sameMd5: true,
      firstDifference: null,
    });
    expect(c.expected, table).toBeGreaterThan(RANDOM_ROWS);
  }
}

/**
 * The same archive as another JSON writer might spell it. `foreign` (jq, a script): keys in reverse order, a space
 * after each colon, every character beyond ASCII as a \u escape (surrogate pairs for 4-byte UTF-8), control
 * characters as JSON.stringify writes them — restore's general JSON path (copy-text.ts) instead of the byte
 * transcoder's fast path. `escaped`: the archive's key order and spacing, but `\\`, `/` and every control
 * character as `\u005c`, `\/`, `\u00XX` — the fast path's escape handling. Same values, so a restore of either must
 * give the same rows. Checksums and fingerprints are written anew.
 */
async function respelledArchive(from: string, to: string, style: 'foreign' | 'escaped'): Promise<void> {
  await respellRows(from, to, (row) => (style === 'escaped' ? escapedLine(row) : foreignLine(row)));
}

const u4 = (c: string) => `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, '0')}`;

function foreignLine(row: Record<string, unknown>): string {
  const fields = Object.entries(row)
    .reverse()
    .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  return `{${fields.join(', ')}}`.replace(/[\u0080-\uffff]/g, u4);
}

function escapedLine(row: Record<string, unknown>): string {
  const value = (v: unknown) =>
    typeof v !== 'string' ? JSON.stringify(v) : `"${v.replace(/[\u0000-\u001f\u007f"\\/]/g, (c) => (c === '"' ? '\\"' : c === '/' ? '\\/' : u4(c)))}"`;
  return `{${Object.entries(row)
    .map(([k, v]) => `${JSON.stringify(k)}:${value(v)}`)
    .join(',')}}`;
}

beforeAll(async () => {
  source = await createTestDatabase('rs_fid_src');
  dbs.push(source);
  await source.query(`${FIDELITY_TYPES_SQL}${fidelityTablesSql('fid')}`);
  await source.query(fidelityRowsSql(RANDOM_ROWS, { highBitChar: serverMajor() >= 15 }));
  await source.query(MISMATCH_SQL);
  const dir = tempDir('restore-fidelity');
  archive = await backupTo(source, dir, ['fid']);
  mismatchArchive = await backupTo(source, dir, ['mm']);
});
afterAll(async () => {
  for (const db of dbs) await db.drop();
});

describe(`restore fidelity, every type family (PostgreSQL ${serverMajor()})`, () => {
  it('has a NULL in every nullable column, and the edge values it is about', async () => {
    const nulls = await source.query<{ t: string; c: string; n: number }>(
      `SELECT c.relname AS t, a.attname AS c, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM fid.%I WHERE %I IS NULL', c.relname, a.attname), false, true, '')))[1]::text::int AS n
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace s ON s.oid = c.relnamespace
        WHERE s.nspname = 'fid' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped AND a.attname <> 'id'`,
    );
    expect(nulls.length).toBeGreaterThan(60);
    expect(nulls.filter((r) => r.n === 0)).toEqual([]);
    await withClient(source, async (c) => {
      const f = await c.query(`SELECT f8::text AS t, float8send(f8) AS b FROM fid.floats WHERE id = 1`);
      expect(f.rows[0]).toEqual({ t: '-0', b: Buffer.from('8000000000000000', 'hex') });
      const n = await c.query(`SELECT length(n::text) AS l FROM fid.nums WHERE id = 5`);
      expect(n.rows[0]).toEqual({ l: 1000 });
      const b = await c.query(`SELECT length(b) AS l FROM fid.bins WHERE id = 2`);
      expect(b.rows[0]).toEqual({ l: 256 });
    });
  });

});

/**
 * Each restore twice: with binary COPY wherever the column types allow it (every table, whatever its size), and
 * with text COPY only. Binary must never store another value than text: when it cannot vouch for one it gives way.
 */
describe.each(['binary', 'text'] as const)(`restore fidelity with %s COPY (PostgreSQL ${serverMajor()})`, (format) => {
  let lines: string[] = [];
  const as: Partial<RestoreOptions> = {
    copyFormat: format,
    logger: { tty: false, info() {}, warn() {}, debug: (m: string) => lines.push(m) },
  };
  beforeEach(() => {
    lines = [];
  });
  /** the tables the debug log says went as binary COPY, and those whose binary attempt gave way to text */
  const formats = () => ({
    binary: [...new Set(lines.flatMap((l) => /^(fid\.\w+): binary COPY$/.exec(l)?.[1] ?? []))].sort(),
    gaveWay: [...new Set(lines.flatMap((l) => /^(fid\.\w+): binary COPY gave way to text/.exec(l)?.[1] ?? []))].sort(),
  });

  it('(a) restores into an empty copy of the schema with every value the same', async () => {
    const db = await targetWithExpected(`rs_fid_a_${format}`);
    const r = await restore(db, archive, as);
    expect(r.code, r.error?.message).toBe(0);
    await expectIdentical(db);
    // binary for the tables of sendable types only; nums holds numeric ±Infinity, whose binary form the encoder
    // declines: it gives way to text
    expect(formats()).toEqual(format === 'binary' ? { binary: ['fid.ints', 'fid.jsons', 'fid.nums', 'fid.sendable'], gaveWay: ['fid.nums'] } : { binary: [], gaveWay: [] });
    // (c) again over the full target: nothing inserted, nothing changed
    const again = await restore(db, archive, as);
    expect(again.code, again.error?.message).toBe(0);
    const counts = byTable(again);
    expect(Object.keys(counts)).toHaveLength(FIDELITY_TABLES.length);
    for (const [table, c] of Object.entries(counts)) expect([table, c.inserted, c.updated, c.skipped]).toEqual([table, 0, 0, c.inArchive]);
    await expectIdentical(db);
  });

  it('(b) restores with --jobs 2 --commit-each-table with every value the same', async () => {
    const db = await targetWithExpected(`rs_fid_b_${format}`);
    const r = await restore(db, archive, { ...as, jobs: 2, commitEachTable: true });
    expect(r.code, r.error?.message).toBe(0);
    expect(r.report?.committed).toBe(true);
    await expectIdentical(db);
  });

  it.each(['foreign', 'escaped'] as const)('(e) restores the same rows from an archive spelled by another JSON writer (%s)', async (style) => {
    const respelled = path.join(path.dirname(archive), `respelled-${style}.zip`);
    await respelledArchive(archive, respelled, style);
    const db = await targetWithExpected(`rs_fid_e_${style}_${format}`);
    const r = await restore(db, respelled, as);
    expect(r.code, r.error?.message).toBe(0);
    await expectIdentical(db);
  });

  it('(d) into a target holding half the rows, some changed: inserts only the missing ones, leaves the changed alone', async () => {
    const db = await targetWithExpected(`rs_fid_d_${format}`);
    // the target holds the even ids; a tenth of them changed (every column but the key set to NULL), in
    // `expected` too, because --on-conflict nothing leaves a row whose key exists exactly as it is
    const setup = FIDELITY_TABLES.map(
      (t) => `INSERT INTO fid.${t} SELECT * FROM expected.${t} WHERE id % 2 = 0;
        DO $$ DECLARE s text; BEGIN
          SELECT string_agg(format('%I = NULL', attname), ', ') INTO s FROM pg_attribute
           WHERE attrelid = 'fid.${t}'::regclass AND attnum > 1 AND NOT attisdropped;
          EXECUTE format('UPDATE fid.${t} SET %s WHERE mod(id, 10) = 4', s);
          EXECUTE format('UPDATE expected.${t} SET %s WHERE mod(id, 10) = 4', s);
        END $$;`,
    );
    await db.query(setup.join('\n'));
    const halves = await db.query<{ t: string; odd: number; even: number }>(
      FIDELITY_TABLES.map(
        (t) => `SELECT '${t}' AS t, count(*) FILTER (WHERE id % 2 = 1)::int AS odd, count(*) FILTER (WHERE id % 2 = 0)::int AS even FROM expected.${t}`,
      ).join(' UNION ALL '),
    );
    const r = await restore(db, archive, as);
    expect(r.code, r.error?.message).toBe(0);
    const counts = countsOf(r);
    for (const h of halves)
      expect([h.t, counts[`fid.${h.t}`]?.inserted, counts[`fid.${h.t}`]?.present, counts[`fid.${h.t}`]?.updated]).toEqual([h.t, h.odd, h.even, 0]);
    await expectIdentical(db);
  });
});

describe.runIf(serverMajor() < 15)('PostgreSQL 14: a "char" with its high bit set', () => {
  it('is archived as the raw byte (not UTF-8): restore fails with exit 2 and loads nothing, never a changed value', async () => {
    const db = await createTestDatabase('rs_fid_char');
    dbs.push(db);
    await db.query(`CREATE TABLE public.c (id int PRIMARY KEY, c "char"); INSERT INTO public.c VALUES (1, 'a'), (2, 'é')`);
    const hex = await db.query<{ h: string }>(`SELECT encode(textsend(c::text), 'hex') AS h FROM public.c WHERE id = 2`);
    expect(hex[0]?.h).toBe('c3');
    const saved = await backupTo(db, tempDir('restore-fidelity-char'), ['public']);
    await db.query('TRUNCATE public.c');
    const r = await restore(db, saved);
    expect(r.code).toBe(2);
    expect(r.error?.message).toMatch(/invalid byte sequence for encoding "UTF8": 0xc3/);
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM public.c'))[0]?.n).toBe(0);
  });
});

/**
 * Archive and target disagree on a column's type. Restore converts with the target type's input function (COPY
 * text), so the value must be exactly `archived text::target type` computed by the server — or restore fails
 * loudly (exit 2) and the target keeps nothing. An explicit cast `v::target` can differ from text input (text →
 * varchar(3) truncates); where it agrees, it is checked too.
 */
interface Mismatch {
  name: string;
  from: string;
  to: string;
  values: string;
  /** what restore does today; the test name says it */
  today: 'converts' | 'fails';
  /** the explicit cast gives the same values as text input */
  castAgrees: boolean;
}
const EDGE_INT8 = `VALUES (1, (-9223372036854775808)::int8), (2, 9223372036854775807), (3, 9007199254740993), (4, -9007199254740993), (5, 9007199254740991), (6, NULL), (7, 0), (8, 123456789012345678)`;
const MISMATCHES: readonly Mismatch[] = [
  { name: 'i8_f8', from: 'int8', to: 'float8', values: EDGE_INT8, today: 'converts', castAgrees: true },
  { name: 'i8_numeric', from: 'int8', to: 'numeric', values: EDGE_INT8, today: 'converts', castAgrees: true },
  {
    name: 'i8_money',
    from: 'int8',
    to: 'money',
    values: `VALUES (1, 92233720368547758::int8), (2, -92233720368547758), (3, 9007199254740993), (4, NULL), (5, -1)`,
    today: 'converts',
    castAgrees: true,
  },
  { name: 'i8_money_over', from: 'int8', to: 'money', values: `VALUES (1, 1::int8), (2, 9223372036854775807)`, today: 'fails', castAgrees: true },
  {
    name: 'i4_i8',
    from: 'int4',
    to: 'int8',
    values: `VALUES (1, (-2147483648)::int4), (2, 2147483647), (3, NULL), (4, 0)`,
    today: 'converts',
    castAgrees: true,
  },
  {
    name: 'tstz_ts',
    from: 'timestamptz',
    to: 'timestamp',
    today: 'converts',
    castAgrees: true,
    values: `VALUES (1, 'infinity'::timestamptz), (2, '-infinity'), (3, '2024-03-10 02:30:00.000001 America/New_York'), (4, '4713-01-01 00:00:00+05 BC'), (5, '2024-02-29 23:59:59.999999+05:45'), (6, NULL)`,
  },
  {
    name: 'ts_tstz',
    from: 'timestamp',
    to: 'timestamptz',
    today: 'converts',
    castAgrees: true,
    values: `VALUES (1, 'infinity'::timestamp), (2, '-infinity'), (3, '2024-03-10 02:30:00.000001'), (4, '0001-01-01 00:00:00 BC'), (5, '294276-12-31 23:59:59.999999'), (6, NULL)`,
  },
  {
    name: 'text_vc3_fits',
    from: 'text',
    to: 'varchar(3)',
    values: `VALUES (1, 'abc'::text), (2, ''), (3, 'ab     '), (4, '😀😀😀'), (5, NULL)`,
    today: 'converts',
    castAgrees: true,
  },
  { name: 'text_vc3_long', from: 'text', to: 'varchar(3)', values: `VALUES (1, 'abc'::text), (2, 'abcd'), (3, NULL)`, today: 'fails', castAgrees: false },
  {
    name: 'n144_n102',
    from: 'numeric(14,4)',
    to: 'numeric(10,2)',
    values: `VALUES (1, 12345678.9949::numeric(14,4)), (2, -12345678.995), (3, 0.005), (4, -0.0049), (5, NULL), (6, 99999999.9949)`,
    today: 'converts',
    castAgrees: true,
  },
  {
    name: 'n144_n102_over',
    from: 'numeric(14,4)',
    to: 'numeric(10,2)',
    values: `VALUES (1, 1::numeric(14,4)), (2, 99999999.995)`,
    today: 'fails',
    castAgrees: true,
  },
];
const MISMATCH_SQL = `CREATE SCHEMA mm;\n${MISMATCHES.map((m) => `CREATE TABLE mm.${m.name} (id int PRIMARY KEY, v ${m.from}); INSERT INTO mm.${m.name} ${m.values};`).join('\n')}`;

describe('archive column type differs from the target column type', () => {
  for (const m of MISMATCHES) {
    const outcome = m.today === 'converts' ? 'converts like text input into the target type' : 'fails with exit 2, target untouched';
    it(`${m.from} → ${m.to} (${m.name}): ${outcome}${m.castAgrees ? '' : ', unlike a cast (which truncates)'}`, async () => {
      const db = await createTestDatabase(`rs_fid_mm_${m.name}`, source.name);
      dbs.push(db);
      await db.query(`ALTER SCHEMA mm RENAME TO mmsrc; CREATE SCHEMA mm; CREATE TABLE mm.${m.name} (id int PRIMARY KEY, v ${m.to});`);
      // what text COPY would give: the archive's text (printed under its settings) through the target type's input
      const reference = await withClient(db, async (c) => {
        await c.query(`CREATE TABLE mmsrc.ref_text (id int, v ${m.to}); CREATE TABLE mmsrc.ref_cast (id int, v ${m.to})`);
        await c.query(`INSERT INTO mmsrc.ref_cast SELECT id, v::${m.to} FROM mmsrc.${m.name}`).catch(() => undefined);
        // json_populate_record runs the type's input function with the column's typmod, as COPY does (an explicit
        // cast would not: 'abcd'::varchar(3) truncates)
        const input = `json_populate_record(NULL::mmsrc.ref_text, json_build_object('id', id, 'v', v::text))`;
        return c.query(`INSERT INTO mmsrc.ref_text SELECT (${input}).* FROM mmsrc.${m.name}`).then(
          () => 'converts' as const,
          () => 'fails' as const,
        );
      });
      expect(reference).toBe(m.today);
      const r = await restore(db, mismatchArchive, { tables: [`mm.${m.name}`] });
      const against = async (ref: string) =>
        (
          await db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM mm.${m.name} r FULL JOIN mmsrc.${ref} x ON r.id = x.id
            WHERE r.id IS NULL OR x.id IS NULL OR r.v IS DISTINCT FROM x.v OR r.v::text IS DISTINCT FROM x.v::text
               ${m.to === 'float8' ? 'OR float8send(r.v) IS DISTINCT FROM float8send(x.v)' : ''}`,
          )
        )[0]?.n;
      if (m.today === 'converts') {
        expect(r.code, r.error?.message).toBe(0);
        expect(byTable(r)[`mm.${m.name}`]?.inserted).toBeGreaterThan(0);
        expect(await against('ref_text')).toBe(0);
        if (m.castAgrees) expect(await against('ref_cast')).toBe(0);
        else expect(await against('ref_cast')).toBeGreaterThan(0);
      } else {
        expect(r.code).toBe(2);
        expect(r.error?.message).toMatch(new RegExp(m.name));
        expect((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM mm.${m.name}`))[0]?.n).toBe(0);
      }
    });
  }
});
