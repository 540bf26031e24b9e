import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { Fingerprint, fingerprintLines } from '../../src/archive/fingerprint.js';
import { CopyToJsonLines, warmLineConverter } from '../../src/archive/row-lines.js';
import { random } from '../helpers/random.js';

const columns = [
  { name: 'id', type: 'integer' },
  { name: 'ok', type: 'boolean' },
  { name: 'label', type: 'text' },
  { name: 'n', type: 'bigint' },
];

function convert(copy: string, step: number, cols = columns, chunkSize?: number): string {
  const m = new CopyToJsonLines(cols, chunkSize);
  const input = Buffer.from(copy);
  const out: Buffer[] = [];
  for (let i = 0; i < input.length; i += step) out.push(...m.push(input.subarray(i, i + step)));
  out.push(...m.end());
  return Buffer.concat(out).toString('utf8');
}

// COPY text as PostgreSQL writes it: tab between fields, \N for NULL, \\ \b \f \n \r \t \v escaped,
// other control characters raw
const copy = [
  '1\tt\tplain\t9007199254740993',
  '-2\tf\tquote " back\\\\slash tab\\tnl\\ncr\\r bs\\b ff\\f vt\\v ctl\u0001\u001f del\u007f\t\\N',
  '3\t\\N\t\t-9223372036854775808',
  '4\tt\tünïcödé 🎉\t0',
  '5\tf\t\\\\N is not null\t1',
]
  .map((l) => `${l}\n`)
  .join('');

// what escape_json (row_to_json) writes for the same values
const expected = [
  '{"id":1,"ok":true,"label":"plain","n":"9007199254740993"}',
  '{"id":-2,"ok":false,"label":"quote \\" back\\\\slash tab\\tnl\\ncr\\r bs\\b ff\\f vt\\u000b ctl\\u0001\\u001f del\u007f","n":null}',
  '{"id":3,"ok":null,"label":"","n":"-9223372036854775808"}',
  '{"id":4,"ok":true,"label":"ünïcödé 🎉","n":"0"}',
  '{"id":5,"ok":false,"label":"\\\\N is not null","n":"1"}',
]
  .map((l) => `${l}\n`)
  .join('');

describe('COPY text to archive lines', () => {
  it('writes what row_to_json writes, whatever the chunk boundaries', () => {
    for (const step of [1, 2, 3, 5, 17, 4096]) expect(convert(copy, step), `step ${step}`).toBe(expected);
    for (const line of expected.trimEnd().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('writes the same lines and fingerprint after backup has warmed the converter up (nothing of the warm-up stays)', () => {
    const fingerprintOf = () => {
      const fp = new Fingerprint();
      const m = new CopyToJsonLines(columns, 64, fp, true);
      const lines = Buffer.concat([...m.pushPieces(Buffer.from(copy)), ...m.endPieces()].map((p) => p.bytes)).toString('utf8');
      return { lines, digest: fp.digest(), rows: m.rows };
    };
    const before = fingerprintOf();
    warmLineConverter();
    warmLineConverter();
    expect(fingerprintOf()).toEqual(before);
    expect(before.lines).toBe(expected);
    expect(convert(copy, 3)).toBe(expected);
  });

  it('streams a value larger than its output buffer without holding the row', () => {
    const big = 'x'.repeat(300_000);
    const m = new CopyToJsonLines([{ name: 'v', type: 'text' }], 64 * 1024);
    const chunks = [...m.push(Buffer.from(`${big}\n`)), ...m.end()];
    expect(chunks.length).toBeGreaterThan(3);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(64 * 1024);
    expect(Buffer.concat(chunks).toString()).toBe(`{"v":"${big}"}\n`);
  });

  it('keeps every byte of a row that starts with an empty field at the end of its output buffer (long column names)', () => {
    // a row's start and its empty first field write `{` key `""` key for one input byte: with names this long
    // the old room check (one key) let the end of that land past the buffer, where the bytes were dropped
    const a = 'a'.repeat(100);
    const b = 'b'.repeat(100);
    const cols = [
      { name: a, type: 'text' },
      { name: b, type: 'text' },
    ];
    const rows = Array.from({ length: 2000 }, (_, i) => `\tx${'y'.repeat(i % 37)}\n`).join('');
    const want = Array.from({ length: 2000 }, (_, i) => `{"${a}":"","${b}":"x${'y'.repeat(i % 37)}"}\n`).join('');
    for (const size of [1024, 4096, 65536]) expect(convert(rows, 1 << 20, cols, size), `buffer ${size}`).toBe(want);
    for (const size of [1024, 4096]) expect(convert(rows, 1, cols, size), `buffer ${size}, byte by byte`).toBe(want);
  });

  it('escapes every byte value wherever it falls in a run of plain text (the word-at-a-time path)', () => {
    // raw bytes as COPY sends them inside a text value (tab, newline and backslash only ever come escaped)
    const raw = Array.from({ length: 256 }, (_, b) => b).filter((b) => b !== 9 && b !== 10 && b !== 92);
    const json = (b: number) => (b === 34 ? [92, 34] : b < 0x20 ? [...Buffer.from(`\\u00${b.toString(16).padStart(2, '0')}`)] : [b]);
    const plain = [...Buffer.from('abcdefgh')];
    for (let at = 0; at < 8; at++) {
      const input: number[] = [];
      const want: number[] = [...Buffer.from('{"v":"')];
      for (const b of raw) {
        const before = plain.slice(0, at);
        const after = plain.slice(at);
        input.push(...before, b, ...after);
        want.push(...before, ...json(b), ...after);
      }
      want.push(...Buffer.from('"}\n'));
      const m = new CopyToJsonLines([{ name: 'v', type: 'text' }]);
      const got = Buffer.concat([...m.push(Buffer.from([...input, 10])), ...m.end()]);
      expect(got.equals(Buffer.from(want)), `byte at offset ${at}`).toBe(true);
    }
  });

  it('writes {} for each row of a table without columns, and counts rows', () => {
    const m = new CopyToJsonLines([]);
    expect(Buffer.concat([...m.push(Buffer.from('\n\n')), ...m.end()]).toString()).toBe('{}\n{}\n');
    expect(m.rows).toBe(2);
  });

  it('escapes keys as JSON and refuses COPY data it does not understand', () => {
    expect(convert('1\n', 1, [{ name: 'we"ird\tname', type: 'integer' }])).toBe('{"we\\"ird\\tname":1}\n');
    expect(() => convert('1\t2\n', 1, [{ name: 'a', type: 'integer' }])).toThrow(/more than 1 fields/);
    expect(() => convert('1\n', 1, columns)).toThrow(/expected 4/);
    expect(() => convert('1\tt\tx\t1', 1, columns)).toThrow(/middle of a row/);
    expect(() => convert('1\tyes\tx\t1\n', 1, columns)).toThrow(/boolean/);
    expect(() => convert('1\tt\t\\q\t1\n', 1, columns)).toThrow(/unexpected escape/);
  });

  it('feeds a fingerprint the very lines it would hand out, without handing any out', () => {
    const lines = expected.trimEnd().split('\n');
    const big = `9\tt\t${'y"'.repeat(40_000)}\t1\n`;
    const bigLine = `{"id":9,"ok":true,"label":"${'y\\"'.repeat(40_000)}","n":"1"}`;
    for (const step of [1, 2, 3, 5, 17, 4096, 1 << 20]) {
      const fp = new Fingerprint();
      const m = new CopyToJsonLines(columns, 64 * 1024, fp);
      const input = Buffer.from(copy + big);
      const handedOut: Buffer[] = [];
      for (let i = 0; i < input.length; i += step) handedOut.push(...m.push(input.subarray(i, i + step)));
      handedOut.push(...m.end());
      expect(handedOut).toEqual([]);
      expect([fp.lines, fp.digest()], `step ${step}`).toEqual([lines.length + 1, fingerprintLines([...lines, bigLine])]);
      expect(m.rows).toBe(lines.length + 1);
    }
  });
});

/**
 * Archive bytes and fingerprints must never change for the same rows: restore's already-identical check and
 * `verify --restore-test` compare a fingerprint taken today with one stored in an archive made by an older
 * pgsnap. So the lines and the fingerprint of a fixed, varied COPY stream are pinned here, as the converter and
 * the fingerprint wrote them before they were made faster (December 2026); a change to either fails this.
 */
describe('pinned output for a fixed COPY stream', () => {
  const pinnedColumns = [
    { name: 'id', type: 'bigint' },
    { name: 'i', type: 'integer' },
    { name: 'ok', type: 'boolean' },
    { name: 'label', type: 'text' },
    { name: 'doc', type: 'jsonb' },
    { name: 'blob', type: 'bytea' },
    { name: 'we"ird', type: 'smallint' },
  ];

  /** COPY text of 3,000 rows: NULLs, empty strings, every escape, raw control characters, quotes, UTF-8, one 300 kB value */
  function fixedCopy(): Buffer {
    const r = random(23);
    const alphabet = ['a', 'b', 'Z', ' ', '0', '"', '\\', '\b', '\f', '\n', '\r', '\t', '\v', '\u0001', '\u001f', '\u007f', 'é', '🎉', '{', ':'];
    const copyEscape = (v: string) =>
      v.replace(/[\\\b\f\n\r\t\v]/g, (c) => ({ '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' })[c] as string);
    const text = (max: number) => Array.from({ length: Math.floor(r() * max) }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
    const rows: string[] = [];
    for (let id = 1; id <= 3000; id++) {
      const nul = (v: string) => (r() < 0.1 ? '\\N' : v);
      const hex = Array.from({ length: Math.floor(r() * 24) }, () =>
        Math.floor(r() * 256)
          .toString(16)
          .padStart(2, '0'),
      ).join('');
      rows.push(
        [
          String(id * 7919 - 1e6),
          nul(String(Math.floor(r() * 4e9) - 2e9)),
          nul(r() < 0.5 ? 't' : 'f'),
          nul(copyEscape(id === 1500 ? 'x"\\'.repeat(100_000) : text(40))),
          nul(copyEscape(JSON.stringify({ n: id, tag: text(8), ok: r() < 0.5 }))),
          nul(`\\\\x${hex}`),
          nul(String(Math.floor(r() * 65536) - 32768)),
        ].join('\t'),
      );
    }
    return Buffer.from(`${rows.join('\n')}\n`);
  }

  const PINNED = { rows: 3000, sha256: '7e6169eabcefe34068be5a6b6982f4e3c511462e298aebabd041f688252c236d', fingerprint: 'eb0a34b0365a67b1' };

  it('fingerprints in its own buffer while handing the lines out, and counts the lines ending in each piece', () => {
    const input = fixedCopy();
    for (const step of [7, 4096, input.length]) {
      const fp = new Fingerprint();
      // a small buffer, so that long lines run across pieces
      const m = new CopyToJsonLines(pinnedColumns, 16 * 1024, fp, true);
      const pieces = [];
      for (let i = 0; i < input.length; i += step) pieces.push(...m.pushPieces(input.subarray(i, i + step)));
      pieces.push(...m.endPieces());
      const all = Buffer.concat(pieces.map((p) => p.bytes));
      expect(createHash('sha256').update(all).digest('hex'), `step ${step}`).toBe(PINNED.sha256);
      expect([fp.lines, fp.digest()]).toEqual([PINNED.rows, PINNED.fingerprint]);
      for (const p of pieces) expect(p.lines).toBe(p.bytes.filter((b) => b === 10).length);
      expect(pieces.reduce((n, p) => n + p.lines, 0)).toBe(PINNED.rows);
    }
  });

  it('converts to the same bytes and fingerprint, however the stream is cut', () => {
    const input = fixedCopy();
    for (const step of [1, 7, 4096, 65536, input.length]) {
      const m = new CopyToJsonLines(pinnedColumns);
      const out: Buffer[] = [];
      for (let i = 0; i < input.length; i += step) out.push(...m.push(input.subarray(i, i + step)));
      out.push(...m.end());
      const all = Buffer.concat(out);
      const fp = new Fingerprint();
      const sunk = new CopyToJsonLines(pinnedColumns, 64 * 1024, fp);
      for (let i = 0; i < input.length; i += step) sunk.push(input.subarray(i, i + step));
      sunk.end();
      expect({ rows: m.rows, sha256: createHash('sha256').update(all).digest('hex'), fingerprint: fp.digest() }, `step ${step}`).toEqual(PINNED);
      const lines = all.toString('utf8').trimEnd().split('\n');
      expect(fingerprintLines(lines)).toBe(PINNED.fingerprint);
      if (step === 4096) for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    }
  });
});
