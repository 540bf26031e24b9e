import { describe, expect, it } from 'vitest';
import { copyTextField, rowEncoder } from '../../src/restore/copy-text.js';

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
