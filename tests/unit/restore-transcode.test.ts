import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { rowEncoder } from '../../src/restore/copy-text.js';
import { CopyTranscoder } from '../../src/restore/transcode.js';
import { random } from '../helpers/random.js';

/** Everything the transcoder emits for these lines, fed in pieces of `step` bytes. */
function transcode(cols: string[], wanted: string[], lines: string[], step: number, chunkSize?: number): string {
  const t = new CopyTranscoder(cols, wanted, chunkSize);
  const input = Buffer.from(lines.map((l) => `${l}\n`).join(''));
  const out: Buffer[] = [];
  for (let i = 0; i < input.length; i += step) out.push(...t.push(input.subarray(i, i + step)));
  out.push(...t.end());
  expect(t.rows).toBe(lines.filter((l) => l !== '').length);
  return Buffer.concat(out).toString('utf8');
}

/**
 * COPY text decoded back into values (null for \N), as the server reads it: both encoders may spell a value
 * differently (`\x01` or the raw byte, `\b` or the raw backspace) but must mean the same.
 */
function decodeCopy(text: string): (string | null)[][] {
  const simple: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((line) =>
      line
        .split('\t')
        .map((field) =>
          field === '\\N'
            ? null
            : field.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_m, e: string) =>
                e[0] === 'x'
                  ? String.fromCharCode(Number.parseInt(e.slice(1), 16))
                  : /^[0-7]/.test(e)
                    ? String.fromCharCode(Number.parseInt(e, 8))
                    : (simple[e] ?? e),
              ),
        ),
    );
}

const cols = ['id', 'name', 'flag', 'doc', 'n'];
// lines as PostgreSQL's row_to_json writes them, and a few that only another writer would produce
const lines = [
  '{"id":1,"name":"plain","flag":true,"doc":"{\\"a\\": 1}","n":null}',
  '{"id":-2,"name":"tab\\tnew\\nline\\r back\\\\slash \\"quoted\\"","flag":false,"doc":"null","n":"12345678901234567890.5"}',
  '{"id":3,"name":"control \\u0001 and \\u001f and \\u007f","flag":null,"doc":null,"n":"NaN"}',
  '{"id":4,"name":"ünïcödé 🎉 \\u00e9 \\ud83d\\ude00","flag":true,"doc":"[1, 2]","n":"-Infinity"}',
  '{"id":5,"name":"slash \\/ and \\b\\f","flag":true,"doc":"\\"s\\"","n":"0"}',
  '{ "id": 6, "name": "spaces between tokens", "flag": true, "doc": null, "n": null }',
  '{"name":"keys out of order","id":7,"flag":true,"doc":null,"n":null}',
  '{"id":8,"name":"","flag":false,"doc":"","n":""}',
];

describe('CopyTranscoder', () => {
  it('produces exactly what the JSON.parse encoder produces, whatever the chunk boundaries', () => {
    const expected = decodeCopy(lines.map(rowEncoder(cols, cols)).join(''));
    expect(expected[2]?.[1]).toBe('control \u0001 and \u001f and \u007f');
    for (const step of [1, 2, 3, 7, 64, 100_000]) {
      expect(decodeCopy(transcode(cols, cols, lines, step)), `step ${step}`).toEqual(expected);
    }
  });

  it('drops archive columns the target lacks, keeping order', () => {
    const wanted = ['id', 'flag', 'n'];
    expect(decodeCopy(transcode(cols, wanted, lines, 5))).toEqual(decodeCopy(lines.map(rowEncoder(cols, wanted)).join('')));
  });

  it('falls back to JSON.parse when the target wants another column order', () => {
    const wanted = ['name', 'id'];
    expect(transcode(cols, wanted, lines, 9)).toBe(lines.map(rowEncoder(cols, wanted)).join(''));
  });

  it('hands out chunks no larger than asked, and a row larger than a chunk whole', () => {
    const big = `{"id":9,"name":"${'x'.repeat(5000)}","flag":true,"doc":null,"n":null}`;
    const t = new CopyTranscoder(cols, cols, 1024);
    const chunks = [...t.push(Buffer.from(`${lines[0]}\n${big}\n${lines[1]}\n`)), ...t.end()];
    expect(Buffer.concat(chunks).toString()).toBe([lines[0] as string, big, lines[1] as string].map(rowEncoder(cols, cols)).join(''));
    expect(chunks.some((c) => c.length > 5000)).toBe(true);
  });

  it('rejects what is not an archive row, as the JSON.parse encoder does', () => {
    expect(() => transcode(cols, cols, ['{"id":1,"name":"unterminated'], 4)).toThrow(/not valid JSON/);
    expect(() => transcode(cols, cols, ['{"id":{"nested":1},"name":"x","flag":true,"doc":null,"n":null}'], 4)).toThrow(/a object for column id/);
    expect(() => transcode(cols, cols, ['{"id":1}'], 4)).toThrow(/missing column "name"/);
  });

  it('refuses a line whose keys are not the manifest columns, naming the entry and line', () => {
    const t = new CopyTranscoder(['id', 'name'], ['id']);
    t.entry('public.users: data/public.users.0001.ndjson');
    // the column the target does not take is still one the manifest must list
    expect(t.push(Buffer.from('{"id":1,"name":"a"}\n\n'))).toEqual([]);
    expect(() => t.push(Buffer.from('{"id":2,"name":"b","lost":"c"}\n'))).toThrow(
      /^public\.users: data\/public\.users\.0001\.ndjson line 3: unexpected column "lost"$/,
    );
    t.entry('public.users: data/public.users.0002.ndjson');
    expect(() => t.push(Buffer.from('{"id":3}\n'))).toThrow(/^public\.users: data\/public\.users\.0002\.ndjson line 1: missing column "name"$/);
  });

  it('keeps a last line that has no newline, and skips empty lines', () => {
    const t = new CopyTranscoder(['a'], ['a']);
    const out = [...t.push(Buffer.from('{"a":"x"}\n\n{"a":"y"}')), ...t.end()];
    expect(Buffer.concat(out).toString()).toBe('x\ny\n');
    expect(t.rows).toBe(2);
  });
});

describe('CopyTranscoder on rows JSON.stringify writes (another writer than PostgreSQL)', () => {
  const rows: Record<string, unknown>[] = [
    { id: '1', name: 'plain', flag: true, doc: '{"a": [1, 2]}', n: 3 },
    { id: '2', name: 'quote " and \\" and \\\\"', flag: false, doc: 'null', n: -7 },
    { id: '3', name: 'tab\tnew\nline\rcr back\\slash', flag: null, doc: null, n: null },
    { id: '4', name: 'ünï 😀 \u0001 \u001f \b \f', flag: true, doc: '"\\u0000 text"', n: 0 },
    { id: '5', name: '\\', flag: true, doc: '\\"', n: 2147483647 },
    { id: '6', name: '', flag: false, doc: '', n: 1 },
    { id: '7', name: 'a/b \\/ c', flag: true, doc: '}', n: 1 },
  ];
  const lines = rows.map((r) => JSON.stringify(r));
  it('means the same as the JSON.parse encoder, row by row', () => {
    expect(decodeCopy(transcode(cols, cols, lines, 13))).toEqual(decodeCopy(lines.map(rowEncoder(cols, cols)).join('')));
    expect(decodeCopy(transcode(cols, cols, lines, 13))[3]?.[1]).toBe('ünï 😀 \u0001 \u001f \b \f');
  });

  it('drops unwanted columns, and falls back for keys out of order, escapes beyond ASCII and extra spacing', () => {
    const picky = (line: string) => transcode(cols, ['id', 'doc'], [line], 3);
    expect(picky(JSON.stringify(rows[0]))).toBe('1\t{"a": [1, 2]}\n');
    expect(picky('{"doc":"x","id":"9","name":"","flag":true,"n":1}')).toBe('9\tx\n');
    expect(decodeCopy(picky('{"id":"\\u00e9","name":"","flag":true,"doc":"\\u0009","n":1}'))).toEqual([['é', '\t']]);
    expect(picky('{ "id":"1","name":"","flag":true,"doc":"d","n":1}')).toBe('1\td\n');
  });
});

describe('CopyTranscoder word at a time (plain runs of a string and the keys are read four bytes at once)', () => {
  it('copies or decodes every byte value wherever it falls in a run of plain text', () => {
    // a JSON string holds a byte below 0x20 only as \u00XX, `"` and `\` only escaped; the rest raw
    const json = (b: number) => (b === 34 ? [92, 34] : b === 92 ? [92, 92] : b < 0x20 ? [...Buffer.from(`\\u00${b.toString(16).padStart(2, '0')}`)] : [b]);
    const copy = (b: number) => (b === 34 ? [34] : b === 92 ? [92, 92] : b < 0x20 ? [...Buffer.from(`\\x${b.toString(16).padStart(2, '0')}`)] : [b]);
    const plain = [...Buffer.from('abcdefgh')];
    for (let at = 0; at < 8; at++) {
      const input: number[] = [...Buffer.from('{"v":"')];
      const want: number[] = [];
      for (let b = 0; b < 256; b++) {
        input.push(...plain.slice(0, at), ...json(b), ...plain.slice(at));
        want.push(...plain.slice(0, at), ...copy(b), ...plain.slice(at));
      }
      input.push(...Buffer.from('","w":1}\n'));
      want.push(...Buffer.from('\t1\n'));
      for (const step of [1, 5, input.length]) {
        const t = new CopyTranscoder(['v', 'w'], ['v', 'w']);
        const bytes = Buffer.from(input);
        const out: Buffer[] = [];
        for (let i = 0; i < bytes.length; i += step) out.push(...t.push(bytes.subarray(i, i + step)));
        out.push(...t.end());
        // bytes 0x80-0xff alone are not UTF-8: only the byte path hands them on unchanged
        expect(Buffer.concat(out).equals(Buffer.from(want)), `byte at offset ${at}, step ${step}`).toBe(true);
      }
    }
  });

  it('leaves a raw control character to the JSON parser, which refuses it, at every offset of a word', () => {
    for (let b = 0; b < 0x20; b++) {
      if (b === 10) continue; // a raw newline ends the line
      for (let at = 0; at < 8; at++) {
        const value = Buffer.concat([Buffer.from('abcdefgh'.slice(0, at)), Buffer.from([b]), Buffer.from('abcdefgh'.slice(at))]);
        const line = Buffer.concat([Buffer.from('{"v":"'), value, Buffer.from('"}\n')]);
        const t = new CopyTranscoder(['v'], ['v']);
        expect(() => t.push(line), `byte ${b} at offset ${at}`).toThrow(/not valid JSON/);
      }
    }
  });

  it('takes a key only when every byte of it matches, in the whole words and the last bytes', () => {
    const name = 'column_name_x';
    for (const keep of [true, false]) {
      // a line whose key differs from the manifest's in one byte goes to the JSON parser, which names the column
      for (let k = 0; k < name.length; k++) {
        const other = `${name.slice(0, k)}${name[k] === 'q' ? 'r' : 'q'}${name.slice(k + 1)}`;
        const t = new CopyTranscoder(['a', name], keep ? ['a', name] : ['a']);
        expect(() => t.push(Buffer.from(`{"a":1,"${other}":2}\n`)), `byte ${k}`).toThrow(`missing column "${name}"`);
      }
      const t = new CopyTranscoder(['a', name], keep ? ['a', name] : ['a']);
      expect(Buffer.concat([...t.push(Buffer.from(`{"a":1,"${name}":2}\n`)), ...t.end()]).toString()).toBe(keep ? '1\t2\n' : '1\n');
    }
  });
});

/**
 * The COPY text restore sends for a fixed, varied set of archive lines, pinned as the transcoder wrote it before
 * it read plain runs and keys a word at a time (December 2026): the same archive must load the same bytes.
 */
describe('pinned COPY text for fixed archive lines', () => {
  const columns = ['id', 'label', 'ok', 'doc', 'blob', 'n', 'a_rather_long_column_name'];

  /** 3,000 lines as JSON.stringify writes them: NULLs, empty strings, every escape, control characters, quotes, UTF-8, one 300 kB value */
  function fixedLines(): string[] {
    const r = random(23);
    const alphabet = ['a', 'b', 'Z', ' ', '0', '"', '\\', '/', '\b', '\f', '\n', '\r', '\t', '\v', '\u0001', '\u001f', '\u007f', 'é', '🎉', '{', ':', 'ÿ'];
    const text = (max: number) => Array.from({ length: Math.floor(r() * max) }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
    const nul = <T>(v: T) => (r() < 0.1 ? null : v);
    const lines: string[] = [];
    for (let id = 1; id <= 3000; id++) {
      const hex = Array.from({ length: Math.floor(r() * 24) }, () =>
        Math.floor(r() * 256)
          .toString(16)
          .padStart(2, '0'),
      ).join('');
      const row = {
        id: id * 7919 - 1e6,
        label: nul(id === 1500 ? 'x"\\'.repeat(100_000) : text(40)),
        ok: nul(r() < 0.5),
        doc: nul(JSON.stringify({ n: id, tag: text(8), ok: r() < 0.5 })),
        blob: nul(`\\x${hex}`),
        n: nul(Math.floor(r() * 4e9) - 2e9),
        a_rather_long_column_name: nul(text(6)),
      };
      lines.push(JSON.stringify(row));
    }
    return lines;
  }

  const PINNED = { rows: 3000, sha256: '6fd9515433c69175fdadad5e17a7904abea6ae1d4cc48e3388dd6079c9f764d5' };

  it('writes the same COPY text bytes whatever the pieces', () => {
    const input = Buffer.from(`${fixedLines().join('\n')}\n`);
    for (const step of [7, 4096, 256 * 1024, input.length]) {
      const t = new CopyTranscoder(columns, columns, 64 * 1024);
      const out: Buffer[] = [];
      for (let i = 0; i < input.length; i += step) out.push(...t.push(input.subarray(i, i + step)));
      out.push(...t.end());
      expect({ rows: t.rows, sha256: createHash('sha256').update(Buffer.concat(out)).digest('hex') }, `step ${step}`).toEqual(PINNED);
    }
  });
});
