import { describe, expect, it } from 'vitest';
import { BINARY_HEADER, BinaryTranscoder, isBinaryGiveUp } from '../../src/restore/binary-copy.js';
import { BINARY_ENCODERS, type FieldEncoder } from '../../src/restore/binary-values.js';
import { random } from '../helpers/random.js';

/**
 * The archive → binary COPY transcoder on its own: the fast path (bytes as they lie), the JSON.parse path (any
 * other spelling) and every chunk boundary must give the same tuples; what an encoder declines stops the table.
 * Its output against the server is restore-fidelity.test.ts's part.
 */
const COLUMNS = ['id', 't', 'jb', 'n', 'ts', 'ta', 'b'];
const TYPES = ['int8', 'text', 'jsonb', 'numeric', 'timestamptz', 'text[]', 'bool'];
const ENCODERS = TYPES.map((t) => BINARY_ENCODERS.get(`pg_catalog.${t}`) as FieldEncoder);

function transcode(lines: string[], step: number, wanted = COLUMNS, chunkSize?: number): Buffer {
  const encoders = wanted.map((c) => ENCODERS[COLUMNS.indexOf(c)] as FieldEncoder);
  const t = new BinaryTranscoder('s.t', COLUMNS, wanted, encoders, chunkSize);
  const input = Buffer.from(lines.map((l) => `${l}\n`).join(''));
  const out: Buffer[] = [];
  for (let i = 0; i < input.length; i += step) out.push(...t.push(input.subarray(i, i + step)));
  out.push(...t.end());
  expect(t.rows).toBe(lines.length);
  return Buffer.concat(out);
}

/** The tuples back as [field bytes as hex | null][]. */
function tuples(bytes: Buffer): (string | null)[][] {
  const rows: (string | null)[][] = [];
  let p = 0;
  while (p < bytes.length) {
    const n = bytes.readInt16BE(p);
    p += 2;
    const row: (string | null)[] = [];
    for (let k = 0; k < n; k++) {
      const len = bytes.readInt32BE(p);
      p += 4;
      row.push(len < 0 ? null : bytes.subarray(p, p + len).toString('hex'));
      if (len > 0) p += len;
    }
    rows.push(row);
  }
  return rows;
}

function randomRows(seed: number, n: number): Record<string, unknown>[] {
  const r = random(seed);
  const str = () =>
    Array.from({ length: Math.floor(r() * 12) }, () => {
      const x = r();
      return String.fromCodePoint(x < 0.1 ? 1 + Math.floor(r() * 31) : x < 0.2 ? [0x22, 0x5c, 0x2f][Math.floor(r() * 3)]! : x < 0.27 ? 0xe9 : x < 0.3 ? 0x1f600 : 0x61 + Math.floor(r() * 26));
    }).join('');
  return Array.from({ length: n }, (_, i) => ({
    id: String(i * 4611686018427 - 2 ** 40),
    t: r() < 0.1 ? null : str(),
    jb: r() < 0.1 ? null : JSON.stringify({ s: str(), n: i }),
    n: r() < 0.1 ? null : `${Math.floor(r() * 1e6)}.${Math.floor(r() * 100)}`,
    ts: r() < 0.1 ? null : `2024-0${1 + (i % 9)}-1${i % 10} 0${i % 10}:2${i % 10}:33.${i % 1000}+00`,
    ta: r() < 0.1 ? null : `{${[str(), 'NULL', str()].map((s) => (s === 'NULL' ? s : `"${s.replace(/["\\]/g, '\\$&')}"`)).join(',')}}`,
    b: r() < 0.5,
  }));
}

describe('binary COPY transcoder', () => {
  const rows = randomRows(47, 400);
  const archived = rows.map((row) => JSON.stringify(row));

  it('gives the same tuples whatever the chunk boundaries, and whatever JSON spelling the archive uses', () => {
    const whole = transcode(archived, 1 << 20);
    expect(tuples(whole)).toHaveLength(rows.length);
    for (const step of [1, 2, 3, 7, 64, 1000]) expect(transcode(archived, step).equals(whole), `step ${step}`).toBe(true);
    // another writer: keys reversed, spaces, every character beyond ASCII and every control character escaped
    const u4 = (c: string) => `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, '0')}`;
    const foreign = rows.map((row) =>
      `{${Object.entries(row).reverse().map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')}}`.replace(/[\u0080-\uffff]/g, u4),
    );
    expect(transcode(foreign, 5).equals(whole)).toBe(true);
    // the archive's key order, with `\\u00XX` for controls and `\\/` for slashes: the fast path's unescaping
    const escaped = rows.map(
      (row) =>
        `{${Object.entries(row)
          .map(([k, v]) => `${JSON.stringify(k)}:${typeof v === 'string' ? `"${v.replace(/[\u0000-\u001f"\\/]/g, (c) => (c === '"' ? '\\"' : c === '/' ? '\\/' : u4(c)))}"` : JSON.stringify(v)}`)
          .join(',')}}`,
    );
    expect(transcode(escaped, 3).equals(whole)).toBe(true);
  });

  it('writes each value as its encoder does: text and jsonb as their UTF-8 bytes, NULL as length -1', () => {
    const [first] = tuples(transcode([JSON.stringify({ id: '-1', t: 'a"é\n', jb: '{"k": [1]}', n: null, ts: 'infinity', ta: '{}', b: true })], 9));
    expect(first).toEqual([
      'ffffffffffffffff',
      Buffer.from('a"é\n').toString('hex'),
      `01${Buffer.from('{"k": [1]}').toString('hex')}`,
      null,
      '7fffffffffffffff',
      `${'00000000'}${'00000000'}${'00000019'}`,
      '01',
    ]);
  });

  it('leaves out the columns the target lacks', () => {
    const some = tuples(transcode(archived.slice(0, 20), 11, ['id', 'ts']));
    const all = tuples(transcode(archived.slice(0, 20), 11));
    expect(some).toEqual(all.map((row) => [row[0], row[4]]));
  });

  it('stops the table (a give-up, not an error for the user) at the first value an encoder declines', () => {
    const bad = [...archived.slice(0, 5), JSON.stringify({ ...rows[5], ts: '2024-01-01 10:00:00+02' }), ...archived.slice(6, 9)];
    let caught: unknown;
    try {
      transcode(bad, 100);
    } catch (e) {
      caught = e;
    }
    expect(isBinaryGiveUp(caught)).toBe(true);
    expect((caught as Error).message).toBe('s.t: binary COPY gave way to text at line 6, column ts');
    // the same through the JSON.parse path (a line spelled otherwise)
    const spaced = [...archived.slice(0, 2), JSON.stringify({ ...rows[2], n: 'Infinity' }, null, 1).replace(/\n/g, '')];
    expect(() => transcode(spaced, 100)).toThrow(/gave way to text at line 3, column n/);
  });

  it('a header the server reads: PGCOPY, no flags, no extension', () => {
    expect(BINARY_HEADER.toString('latin1')).toBe('PGCOPY\n\xff\r\n\0' + '\0'.repeat(8));
  });
});
