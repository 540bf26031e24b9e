import { describe, expect, it } from 'vitest';
import { Fingerprint, fingerprintLines } from '../../src/archive/fingerprint.js';
import { CopyToJsonLines } from '../../src/archive/row-lines.js';

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

  it('streams a value larger than its output buffer without holding the row', () => {
    const big = 'x'.repeat(300_000);
    const m = new CopyToJsonLines([{ name: 'v', type: 'text' }], 64 * 1024);
    const chunks = [...m.push(Buffer.from(`${big}\n`)), ...m.end()];
    expect(chunks.length).toBeGreaterThan(3);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(64 * 1024);
    expect(Buffer.concat(chunks).toString()).toBe(`{"v":"${big}"}\n`);
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
