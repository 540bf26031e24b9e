import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTPUT_SETTINGS } from '../../src/archive/format.js';
import {
  encodeBool,
  encodeBytea,
  encodeDate,
  encodeFloat8,
  encodeInt2,
  encodeInt4,
  encodeInt8,
  encodeJsonb,
  encodeNumeric,
  encodeText,
  encodeTimestamp,
  encodeTimestamptz,
  encodeUuid,
  BINARY_ENCODERS,
} from '../../src/restore/binary-values.js';
import { adminUrl, serverMajor } from '../helpers/db.js';
import { random } from '../helpers/random.js';

/**
 * The binary COPY encoders against the server itself: for every value, the server prints its text (under the
 * archive's output settings, as backup reads it) and its `FORMAT binary` field in the same COPY row, and the encoder
 * fed the text must write exactly that field. Seeded random values (~20,000 per type) and the edge values.
 */
type Encoder = (src: Uint8Array, start: number, end: number, out: Buffer, o: number) => number;

let client: pg.Client;

beforeAll(async () => {
  client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  for (const [k, v] of Object.entries(OUTPUT_SETTINGS)) await client.query('SELECT set_config($1, $2, false)', [k, v]);
});
afterAll(async () => {
  await client?.end();
});

interface Pair {
  readonly text: Buffer;
  /** the binary field as COPY writes it: int32 length, then the bytes */
  readonly field: Buffer;
}

/** `SELECT format('%s', v), v` (the output function's text, as row_to_json writes it; char(n)::text drops the padding) for the `select`'s column v, as binary COPY rows: [text, field] per non-NULL value */
async function serverPairs(select: string, params: unknown[] = []): Promise<Pair[]> {
  const sql = `COPY (SELECT format('%s', v), v FROM (${select}) s(v) WHERE v IS NOT NULL) TO STDOUT (FORMAT binary)`;
  let copy = sql;
  // COPY takes no parameters: inline them as literals (arrays of text, quoted by the server)
  for (let n = params.length; n >= 1; n--) {
    const [row] = (await client.query<{ q: string }>('SELECT quote_literal($1::text) AS q', [toArrayLiteral(params[n - 1] as unknown[])])).rows;
    copy = copy.replaceAll(`$${n}`, row!.q);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of client.query(copyTo(copy))) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  expect(bytes.subarray(0, 11).toString('latin1')).toBe('PGCOPY\n\xff\r\n\0');
  let p = 19 + bytes.readInt32BE(15);
  const pairs: Pair[] = [];
  for (;;) {
    const fields = bytes.readInt16BE(p);
    p += 2;
    if (fields === -1) break;
    expect(fields).toBe(2);
    const textLength = bytes.readInt32BE(p);
    const text = bytes.subarray(p + 4, p + 4 + textLength);
    p += 4 + textLength;
    const fieldLength = bytes.readInt32BE(p);
    const field = bytes.subarray(p, p + 4 + fieldLength);
    p += 4 + fieldLength;
    pairs.push({ text, field });
  }
  expect(p).toBe(bytes.length);
  return pairs;
}

function toArrayLiteral(values: readonly unknown[]): string {
  return `{${values.map((v) => `"${String(v).replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}

/** every pair's text through the encoder; the texts whose output differs from the server's field (none, to pass) */
function mismatches(pairs: readonly Pair[], encode: Encoder): string[] {
  const bad: string[] = [];
  const out = Buffer.alloc(1 << 16);
  for (const { text, field } of pairs) {
    const src = Buffer.alloc(text.length + 8, 0x7e);
    text.copy(src, 4);
    out.fill(0xa5);
    const end = encode(src, 4, 4 + text.length, out, 3);
    if (end < 0 || !out.subarray(3, end).equals(field))
      bad.push(`${text.toString()} → ${end < 0 ? '-1' : out.subarray(3, end).toString('hex')}, server ${field.toString('hex')}`);
  }
  return bad;
}

const EPOCH_DAYS_BACK = 2_451_545; // 2000-01-01 back to 4714-11-24 BC
const TIMESTAMP_DAYS_AHEAD = 106_751_982; // up to 294276-12-31
const DATE_DAYS_AHEAD = 2_145_031_948; // up to 5874897-12-31

/** seeded day offsets and microseconds of the day: the full range, 1700–2300, and the years around 2000 */
function randomDateTimes(seed: number, n: number, daysAhead: number): { days: number[]; micros: number[] } {
  const r = random(seed);
  const days: number[] = [];
  const micros: number[] = [];
  for (let k = 0; k < n; k++) {
    const band = k % 3;
    const d =
      band === 0
        ? Math.floor(r() * (EPOCH_DAYS_BACK + daysAhead + 1)) - EPOCH_DAYS_BACK
        : band === 1
          ? Math.floor(r() * 219_000) - 109_500
          : Math.floor(r() * 20_000) - 10_000;
    // fractions of every length: rounded to 10^0 … 10^6 µs
    const unit = 10 ** Math.floor(r() * 7);
    days.push(d);
    micros.push(Math.floor((r() * 86_400_000_000) / unit) * unit);
  }
  return { days, micros };
}

const TIMESTAMP_EDGES = [
  '4714-11-24 00:00:00 BC',
  '4713-01-01 00:00:00 BC',
  '4713-12-31 23:59:59.999999 BC',
  '0001-12-31 23:59:59.999999 BC',
  '0001-01-01 00:00:00 BC',
  '0001-01-01 00:00:00',
  '0004-02-29 12:00:00.5',
  '0005-02-28 00:00:00 BC',
  '1600-02-29 00:00:00',
  '1700-02-28 23:59:59',
  '1714-01-01 00:00:00',
  '1900-02-28 00:00:00.000001',
  '1999-12-31 23:59:59.999999',
  '2000-01-01 00:00:00',
  '2000-01-01 00:00:00.000001',
  '2000-02-29 00:00:00.5',
  '2100-02-28 00:00:00',
  '2286-01-01 00:00:00',
  '2400-02-29 23:59:59.999999',
  '9999-12-31 23:59:59.999999',
  '10000-01-01 00:00:00',
  '10000-02-29 00:00:00',
  '294276-12-31 23:59:59.999999',
  'infinity',
  '-infinity',
];

describe(`binary COPY encoders match the server's FORMAT binary (PostgreSQL ${serverMajor()})`, () => {
  for (const [type, encode] of [
    ['timestamptz', encodeTimestamptz],
    ['timestamp', encodeTimestamp],
  ] as const) {
    it(`${type}: 20,000 seeded values and the edges`, async () => {
      const { days, micros } = randomDateTimes(type === 'timestamp' ? 23 : 17, 20_000, TIMESTAMP_DAYS_AHEAD);
      const pairs = await serverPairs(
        `SELECT (timestamp '2000-01-01' + d * interval '1 day' + u * interval '1 microsecond')::${type}
           FROM unnest($1::int[], $2::bigint[]) x(d, u)
         UNION ALL SELECT e::${type} FROM unnest($3::text[]) e`,
        [days, micros, TIMESTAMP_EDGES],
      );
      expect(pairs.length).toBe(20_000 + TIMESTAMP_EDGES.length);
      expect(new Set(pairs.map((p) => p.text.toString())).size).toBeGreaterThan(19_900);
      // the edge values printed as expected (under TimeZone UTC timestamptz adds +00 before the era)
      const texts = pairs.slice(20_000).map((p) => p.text.toString());
      expect(texts[0]).toBe(type === 'timestamp' ? '4714-11-24 00:00:00 BC' : '4714-11-24 00:00:00+00 BC');
      expect(texts).toContain(type === 'timestamp' ? '294276-12-31 23:59:59.999999' : '294276-12-31 23:59:59.999999+00');
      expect(mismatches(pairs, encode)).toEqual([]);
    });
  }

  it('date: 20,000 seeded values and the edges', async () => {
    const { days } = randomDateTimes(29, 20_000, DATE_DAYS_AHEAD);
    const edges = [...TIMESTAMP_EDGES.map((t) => t.replace(/ \d\d:\d\d:[\d.]+/, '')), '5874897-12-31', '1000000-02-29', '4714-12-31 BC'];
    const pairs = await serverPairs(`SELECT date '2000-01-01' + d FROM unnest($1::int[]) d UNION ALL SELECT e::date FROM unnest($2::text[]) e`, [days, edges]);
    expect(pairs.length).toBe(20_000 + edges.length);
    expect(pairs.map((p) => p.text.toString())).toContain('5874897-12-31');
    expect(mismatches(pairs, encodeDate)).toEqual([]);
  });

  it('numeric: 20,000 seeded values, scaled ones, and the edges', async () => {
    const r = random(31);
    const digits = (n: number, zeros: number) => {
      let s = '';
      for (let k = 0; k < n; k++) s += r() < zeros ? '0' : String(Math.floor(r() * 10));
      return s;
    };
    const values: string[] = [];
    for (let k = 0; k < 20_000; k++) {
      // runs of zeros often enough to make whole zero groups at either end and in the middle
      const zeros = k % 2 === 0 ? 0.1 : 0.6;
      const int = digits(Math.floor(r() * 30), zeros) || '0';
      const frac = digits(Math.floor(r() * 25), zeros);
      values.push(`${r() < 0.4 ? '-' : ''}${int}${frac ? `.${frac}` : ''}`);
    }
    const edges = [
      'NaN',
      '0',
      '0.0000',
      '-0.00',
      '10000',
      '9999.9999',
      '0.00001234',
      '1e-20',
      '1e20',
      '123456789012345678901234567890',
      '-999999999999999999999999999999',
      `${'9'.repeat(600)}.${'1'.repeat(400)}`,
      `0.${'0'.repeat(999)}1`,
      '12.3400',
      '0.0001',
      '0.001',
      '1000.0001',
      '100000000.00000001',
      '-1e-16383',
    ];
    const pairs = await serverPairs(
      `SELECT v::numeric FROM unnest($1::text[]) v
       UNION ALL SELECT round(v::numeric, 4)::numeric(14,4) FROM unnest($1::text[]) v WHERE length(v) < 11
       UNION ALL SELECT v::numeric FROM unnest($2::text[]) v`,
      [values, edges],
    );
    expect(pairs.length).toBeGreaterThan(20_000 + edges.length);
    const texts = pairs.map((p) => p.text.toString());
    for (const printed of ['NaN', '0', '0.0000', '0.00', '12.3400', '100000000000000000000', '0.00000000000000000001']) expect(texts).toContain(printed);
    expect(mismatches(pairs, encodeNumeric)).toEqual([]);
  });

  it('numeric: ±Infinity is left to text COPY (the server writes dscale 32; before 14 there is none)', async () => {
    const out = Buffer.alloc(64);
    for (const text of ['Infinity', '-Infinity']) expect(encodeNumeric(Buffer.from(text), 0, text.length, out, 0)).toBe(-1);
    if (serverMajor() >= 14) {
      const pairs = await serverPairs(`SELECT v::numeric FROM unnest($1::text[]) v`, [['Infinity', '-Infinity']]);
      expect(pairs.map((p) => p.text.toString())).toEqual(['Infinity', '-Infinity']);
      expect(pairs.map((p) => p.field.readUInt16BE(10))).toEqual([32, 32]);
    }
  });

  it('float8: 20,000 seeded bit patterns and decimals, and the edges', async () => {
    const r = random(37);
    const bits = new DataView(new ArrayBuffer(8));
    const values: string[] = [];
    for (let k = 0; k < 20_000; k++) {
      if (k % 2 === 0) {
        bits.setUint32(0, Math.floor(r() * 2 ** 32));
        bits.setUint32(4, Math.floor(r() * 2 ** 32));
        values.push(String(bits.getFloat64(0)));
      } else values.push((r() * 10 ** Math.floor(r() * 12 - 4)).toFixed(Math.floor(r() * 8)));
    }
    const edges = [
      '5e-324',
      '-5e-324',
      '2.2250738585072014e-308',
      '1.7976931348623157e308',
      '-1.7976931348623157e308',
      '0.1',
      '-0',
      '0',
      'NaN',
      'Infinity',
      '-Infinity',
      '1e22',
      '1e23',
      '9007199254740993',
      '123456789012345',
      '0.000001',
    ];
    const pairs = await serverPairs(`SELECT v::float8 FROM unnest($1::text[]) v UNION ALL SELECT v::float8 FROM unnest($2::text[]) v`, [values, edges]);
    expect(pairs.length).toBe(20_000 + edges.length);
    const texts = pairs.map((p) => p.text.toString());
    for (const printed of ['5e-324', '1.7976931348623157e+308', '-0', 'NaN', 'Infinity', '-Infinity', '0.1']) expect(texts).toContain(printed);
    expect(mismatches(pairs, encodeFloat8)).toEqual([]);
  });

  it('float8: the same values as bare JSON numbers (row_to_json writes float8 as a number, NaN as a string)', async () => {
    const [row] = (
      await client.query<{ j: string }>(`SELECT row_to_json(t)::text AS j FROM (SELECT 'NaN'::float8 a, '-0'::float8 b, 1e300::float8 c, 1e-7::float8 d) t`)
    ).rows;
    expect(row!.j).toBe('{"a":"NaN","b":-0,"c":1e+300,"d":1e-07}');
    const pairs = await serverPairs(`SELECT v::float8 FROM unnest($1::text[]) v`, [['-0', '1e300', '1e-7']]);
    const json = JSON.parse(row!.j) as Record<string, number>;
    const out = Buffer.alloc(64);
    for (const [k, key] of ['b', 'c', 'd'].entries()) {
      const text = Buffer.from(row!.j.match(new RegExp(`"${key}":([^,}]+)`))![1]!);
      expect(Number(text.toString())).toBe(json[key]);
      const end = encodeFloat8(text, 0, text.length, out, 0);
      expect(out.subarray(0, end).equals(pairs[k]!.field)).toBe(true);
    }
  });

  it('int2, int4, int8: 20,000 seeded values each (int8 beyond 2^53 too) and the limits', async () => {
    const r = random(37);
    const spread = (bits: number) =>
      Array.from({ length: 20_000 }, (_, k) => {
        // every magnitude: 2^0 … 2^bits, both signs
        const magnitude = BigInt(Math.floor(r() * 2 ** 30)) * 2n ** BigInt(Math.floor(r() * Math.max(1, bits - 30))) >> BigInt(Math.floor(r() * 30));
        const limit = 2n ** BigInt(bits - 1);
        const v = magnitude % limit;
        return String(k % 2 === 0 ? v : -v - 1n);
      });
    for (const [type, bits, encoder] of [
      ['int2', 16, encodeInt2],
      ['int4', 32, encodeInt4],
      ['int8', 64, encodeInt8],
    ] as const) {
      const limit = 2n ** BigInt(bits - 1);
      const edges = [String(-limit), String(limit - 1n), '0', '-1', '1', '9007199254740991', '9007199254740992', '9007199254740993', '-9007199254740993', '999999999999999', '1000000000000000', '-1000000000000000'];
      const pairs = await serverPairs(`SELECT v::${type} FROM unnest($1::text[]) v UNION ALL SELECT v::numeric::${type} FROM unnest($2::text[]) v WHERE v::numeric BETWEEN ${-limit} AND ${limit - 1n}`, [spread(bits), edges]);
      expect(pairs.length, type).toBeGreaterThan(20_000);
      expect(new Set(pairs.map((p) => p.text.toString())).size, type).toBeGreaterThan(bits === 16 ? 1000 : 10_000);
      expect(mismatches(pairs, encoder), type).toEqual([]);
    }
  });

  it('bool, uuid, bytea, text, varchar, char(n), json, jsonb: seeded values and the edges', async () => {
    const r = random(41);
    const strings = Array.from({ length: 5000 }, () =>
      Array.from({ length: Math.floor(r() * 40) }, () => {
        const x = r();
        const c = x < 0.1 ? 0x80 + Math.floor(r() * 0x700) : x < 0.15 ? 0x10000 + Math.floor(r() * 0xf000) : x < 0.3 ? 1 + Math.floor(r() * 31) : 32 + Math.floor(r() * 95);
        // no `$`: serverPairs inlines the parameters by replacing $1, $2
        return String.fromCodePoint(c === 0x24 ? 0x25 : c);
      }).join(''),
    );
    const edges = ['', ' ', '\\', '"', 'null', '\\N', 'trailing   ', '😀𝄞', 'x'.repeat(300)];
    const cases: [string, string, unknown[], (typeof encodeText)][] = [
      ['bool', 'SELECT v FROM unnest(ARRAY[true, false]) v', [], encodeBool],
      ['uuid', `SELECT md5(v::text)::uuid FROM generate_series(1, 5000) v UNION ALL SELECT v::uuid FROM unnest($1::text[]) v`, [['00000000-0000-0000-0000-000000000000', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF']], encodeUuid],
      ['bytea', `SELECT substr(decode(md5(v::text) || md5((v * 7)::text), 'hex'), 1, v % 33) FROM generate_series(1, 5000) v UNION ALL SELECT decode(string_agg(lpad(to_hex(i), 2, '0'), ''), 'hex') FROM generate_series(0, 255) i`, [], encodeBytea],
      ['text', 'SELECT v FROM unnest($1::text[]) v', [[...strings, ...edges]], encodeText],
      ['varchar(40)', 'SELECT v::varchar(40) FROM unnest($1::text[]) v', [[...strings, ...edges]], encodeText],
      ['char(8)', 'SELECT v::char(8) FROM unnest($1::text[]) v', [[...strings, ...edges]], encodeText],
      ['json', `SELECT json_build_object('s', v, 'n', length(v), 'a', json_build_array(v, NULL, true)) FROM unnest($1::text[]) v UNION ALL SELECT v::json FROM unnest($2::text[]) v`, [strings, [' [1, 2] ', '{"a":1,"a":2}', 'null', '"\\u00e9"']], encodeText],
      ['jsonb', `SELECT jsonb_build_object('s', v, 'n', length(v) * 1.5, 'a', jsonb_build_array(v, NULL, true)) FROM unnest($1::text[]) v UNION ALL SELECT v::jsonb FROM unnest($2::text[]) v`, [strings, [' [1, 2] ', '{"a":1,"a":2}', 'null', '"\\u00e9"', '123.4500000000000000000000001']], encodeJsonb],
    ];
    for (const [type, select, params, encoder] of cases) {
      const pairs = await serverPairs(select, params);
      expect(pairs.length, type).toBeGreaterThan(type === 'bool' ? 1 : 4000);
      expect(mismatches(pairs, encoder), type).toEqual([]);
    }
  });

  it('one-dimensional arrays of each: seeded arrays with NULLs, quoting, empty ones', async () => {
    const r = random(43);
    const word = () =>
      Array.from({ length: Math.floor(r() * 8) }, () => {
        const x = r();
        const c = x < 0.15 ? [0x22, 0x5c, 0x2c, 0x7b, 0x7d, 0x20, 0x09][Math.floor(r() * 7)]! : x < 0.2 ? 0xe9 : x < 0.25 ? 0x1f600 : 0x61 + Math.floor(r() * 26);
        return String.fromCodePoint(c === 0x24 ? 0x25 : c);
      }).join('');
    const words = Array.from({ length: 3000 }, () => JSON.stringify(Array.from({ length: Math.floor(r() * 5) }, () => (r() < 0.1 ? null : word()))));
    // `{}` and NULL elements from the server's own array_agg / ARRAY constructors, one array per row
    const arrays = (element: string) =>
      `SELECT CASE WHEN g % 11 = 0 THEN '{}'::${element}[] ELSE ARRAY[${element === 'bool' ? 'g % 2 = 0' : `(g * ${element === "int2" ? 13 : 7919})::${element}`}, NULL, ${element === 'bool' ? 'true' : `(-g)::${element}`}] END FROM generate_series(1, 2000) g`;
    const cases: [string, string, unknown[]][] = [
      ['int2[]', arrays('int2'), []],
      ['int4[]', arrays('int4'), []],
      ['int8[]', `SELECT ARRAY[g::int8 * 4611686018427, NULL, -g] FROM generate_series(1, 2000) g UNION ALL SELECT '{}'::int8[]`, []],
      ['numeric[]', `SELECT ARRAY[round((g * 1.2345)::numeric, g % 5), 'NaN', NULL] FROM generate_series(1, 2000) g`, []],
      ['float8[]', `SELECT ARRAY[g * 0.1::float8, '-0', 'NaN', 'Infinity', 1e300, NULL] FROM generate_series(1, 2000) g`, []],
      ['bool[]', arrays('bool'), []],
      ['text[]', `SELECT ARRAY(SELECT jsonb_array_elements_text(v::jsonb)) FROM unnest($1::text[]) v UNION ALL SELECT ARRAY['NULL', 'null', '', ' ', NULL]`, [words]],
      ['varchar(5)[]', `SELECT ARRAY(SELECT left(jsonb_array_elements_text(v::jsonb), 5))::varchar(5)[] FROM unnest($1::text[]) v`, [words]],
      ['char(3)[]', `SELECT ARRAY(SELECT jsonb_array_elements_text(v::jsonb)::char(3))::char(3)[] FROM unnest($1::text[]) v`, [words]],
      ['bytea[]', `SELECT ARRAY[decode(md5(g::text), 'hex'), '\\x', NULL] FROM generate_series(1, 2000) g`, []],
      ['uuid[]', `SELECT ARRAY[md5(g::text)::uuid, NULL] FROM generate_series(1, 2000) g`, []],
      ['jsonb[]', `SELECT ARRAY[jsonb_build_object('s', v, 'n', 1.50), 'null', NULL] FROM unnest($1::text[]) v`, [words]],
      ['json[]', `SELECT ARRAY[json_build_object('s', v), ' [1, "x"] '] FROM unnest($1::text[]) v`, [words]],
      ['date[]', `SELECT ARRAY[date '2000-01-01' + g * 37, 'infinity', NULL] FROM generate_series(1, 2000) g`, []],
      ['timestamp[]', `SELECT ARRAY[timestamp '2000-01-01' + g * interval '37 hours 1.5 seconds', '-infinity'] FROM generate_series(1, 2000) g`, []],
      ['timestamptz[]', `SELECT ARRAY[timestamptz '2000-01-01 00:00:00+00' - g * interval '370 days 1 microsecond', NULL] FROM generate_series(1, 2000) g`, []],
    ];
    for (const [type, select, params] of cases) {
      const base = type.replace(/\(\d+\)/, '').replace('[]', '');
      const name = { int2: 'int2', int4: 'int4', int8: 'int8', numeric: 'numeric', float8: 'float8', bool: 'bool', text: 'text', varchar: 'varchar', char: 'bpchar', bytea: 'bytea', uuid: 'uuid', jsonb: 'jsonb', json: 'json', date: 'date', timestamp: 'timestamp', timestamptz: 'timestamptz' }[base];
      const encoder = BINARY_ENCODERS.get(`pg_catalog.${name}[]`);
      expect(encoder, type).toBeDefined();
      const pairs = await serverPairs(select, params);
      expect(pairs.length, type).toBeGreaterThan(1900);
      expect(mismatches(pairs, encoder as Encoder), type).toEqual([]);
    }
  });
});
