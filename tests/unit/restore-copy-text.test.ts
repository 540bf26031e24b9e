import { describe, expect, it } from 'vitest';
import { copyTextField, rowEncoder } from '../../src/restore/copy-text.js';

describe('COPY text encoding of archive rows', () => {
  it('writes SQL NULL as \\N and a JSON null document as the text null', () => {
    const encode = rowEncoder(['a', 'b'], ['a', 'b']);
    expect(encode('{"a":null,"b":"null"}')).toBe('\\N\tnull\n');
  });

  it('escapes backslash, tab, newline and carriage return, and nothing else', () => {
    expect(copyTextField('a\\b\tc\nd\re', 'x')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyTextField('\\x00ff', 'x')).toBe('\\\\x00ff');
    expect(copyTextField('ünïcode "quotes" , ; |', 'x')).toBe('ünïcode "quotes" , ; |');
    expect(copyTextField('\\N', 'x')).toBe('\\\\N');
  });

  it('writes booleans as t/f and small integers as digits', () => {
    expect(rowEncoder(['b', 'n', 'm'], ['b', 'n', 'm'])('{"b":true,"n":-32768,"m":false}')).toBe('t\t-32768\tf\n');
  });

  it('keeps the column order asked for and drops columns not asked for', () => {
    expect(rowEncoder(['a', 'extra', 'z'], ['z', 'a'])('{"a":"1","extra":"x","z":"2"}')).toBe('2\t1\n');
  });

  it('refuses a row whose keys are not the manifest columns, even ones the target does not take', () => {
    expect(() => rowEncoder(['a', 'z'], ['z', 'a'])('{"a":"1","extra":"x","z":"2"}')).toThrow(/unexpected column "extra"/);
    expect(() => rowEncoder(['a', 'extra', 'z'], ['z', 'a'])('{"a":"1","z":"2"}')).toThrow(/missing column "extra"/);
  });

  it('keeps int8 and numeric digits exactly (they arrive as strings)', () => {
    expect(rowEncoder(['n'], ['n'])('{"n":"123456789012345678901234567890.000000000001"}')).toBe('123456789012345678901234567890.000000000001\n');
  });

  it('refuses a row that lacks a column, is not an object, or is not JSON', () => {
    expect(() => rowEncoder(['a', 'b'], ['a', 'b'])('{"a":1}')).toThrow(/missing column "b"/);
    expect(() => rowEncoder(['a'], ['a'])('[1]')).toThrow(/not a JSON object/);
    expect(() => rowEncoder(['a'], ['a'])('{"a":')).toThrow(/not valid JSON/);
    expect(() => rowEncoder(['a'], ['a'])('{"a":{"nested":1}}')).toThrow(/a object for column a/);
  });
});
