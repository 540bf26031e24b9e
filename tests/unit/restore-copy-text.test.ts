import { describe, expect, it } from 'vitest';
import { copyTextField, rowEncoder, rowTranscoder } from '../../src/restore/copy-text.js';

describe('COPY text encoding of archive rows', () => {
  it('writes SQL NULL as \\N and a JSON null document as the text null', () => {
    const encode = rowEncoder(['a', 'b']);
    expect(encode('{"a":null,"b":"null"}')).toBe('\\N\tnull\n');
  });

  it('escapes backslash, tab, newline and carriage return, and nothing else', () => {
    expect(copyTextField('a\\b\tc\nd\re', 'x')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyTextField('\\x00ff', 'x')).toBe('\\\\x00ff');
    expect(copyTextField('ünïcode "quotes" , ; |', 'x')).toBe('ünïcode "quotes" , ; |');
    expect(copyTextField('\\N', 'x')).toBe('\\\\N');
  });

  it('writes booleans as t/f and small integers as digits', () => {
    expect(rowEncoder(['b', 'n', 'm'])('{"b":true,"n":-32768,"m":false}')).toBe('t\t-32768\tf\n');
  });

  it('keeps the column order asked for and drops columns not asked for', () => {
    expect(rowEncoder(['z', 'a'])('{"a":"1","extra":"x","z":"2"}')).toBe('2\t1\n');
  });

  it('keeps int8 and numeric digits exactly (they arrive as strings)', () => {
    expect(rowEncoder(['n'])('{"n":"123456789012345678901234567890.000000000001"}')).toBe('123456789012345678901234567890.000000000001\n');
  });

  it('refuses a row that lacks a column, is not an object, or is not JSON', () => {
    expect(() => rowEncoder(['a', 'b'])('{"a":1}')).toThrow(/no value for column b/);
    expect(() => rowEncoder(['a'])('[1]')).toThrow(/not a JSON object/);
    expect(() => rowEncoder(['a'])('{"a":')).toThrow(/not valid JSON/);
    expect(() => rowEncoder(['a'])('{"a":{"nested":1}}')).toThrow(/a object for column a/);
  });
});

describe('the fast transcoder agrees with JSON.parse on every line', () => {
  const cols = ['id', 'name', 'flag', 'doc', 'n'];
  const rows: Record<string, unknown>[] = [
    { id: '1', name: 'plain', flag: true, doc: '{"a": [1, 2]}', n: 3 },
    { id: '2', name: 'quote " and \\" and \\\\"', flag: false, doc: 'null', n: -7 },
    { id: '3', name: 'tab\tnew\nline\rcr back\\slash', flag: null, doc: null, n: null },
    { id: '4', name: 'ünï 😀 \u0001 \u001f \b \f', flag: true, doc: '"\\u0000 text"', n: 0 },
    { id: '5', name: '\\', flag: true, doc: '\\"', n: 2147483647 },
    { id: '6', name: '', flag: false, doc: '', n: 1 },
    { id: '7', name: 'a/b \\/ c', flag: true, doc: '}', n: 1 },
  ];
  const fast = rowTranscoder(cols, ['id', 'name', 'flag', 'doc', 'n']);
  const slow = rowEncoder(['id', 'name', 'flag', 'doc', 'n']);
  for (const row of rows) {
    it(`row ${row.id as string}`, () => {
      const line = JSON.stringify(row);
      expect(fast(line)).toBe(slow(line));
    });
  }

  it('drops unwanted columns, and falls back for keys out of order, \\u escapes and extra spacing', () => {
    const picky = rowTranscoder(cols, ['id', 'doc']);
    expect(picky(JSON.stringify(rows[0]))).toBe('1\t{"a": [1, 2]}\n');
    expect(picky('{"doc":"x","id":"9","name":"","flag":true,"n":1}')).toBe('9\tx\n');
    expect(picky('{"id":"\\u00e9","name":"","flag":true,"doc":"\\u0009","n":1}')).toBe('é\t\\t\n');
    expect(picky('{ "id":"1","name":"","flag":true,"doc":"d","n":1}')).toBe('1\td\n');
  });

  it('still refuses a line that is not a row', () => {
    expect(() => fast('{"id":"1"}')).toThrow(/no value for column name/);
    expect(() => fast('{"id":"1","name":"x","flag":true,"doc":"d","n":{}}')).toThrow(/a object for column n/);
  });
});
