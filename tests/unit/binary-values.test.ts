import { describe, expect, it } from 'vitest';
import {
  encodeBool,
  encodeBytea,
  encodeDate,
  encodeFloat8,
  encodeInt2,
  encodeInt4,
  encodeInt8,
  encodeNumeric,
  encodeTimestamp,
  encodeTimestamptz,
  encodeUuid,
  BINARY_ENCODERS,
} from '../../src/restore/binary-values.js';
import { random } from '../helpers/random.js';

type Encoder = (src: Uint8Array, start: number, end: number, out: Buffer, o: number) => number;

/** the field bytes (length included) as hex, or -1; the text sits inside other bytes so that bounds are tested */
function encode(encoder: Encoder, text: string): string | -1 {
  const src = Buffer.from(`9.9${text}1e5`, 'latin1');
  const out = Buffer.alloc(text.length + 32 + 2, 0xa5);
  const end = encoder(src, 3, 3 + text.length, out, 2);
  return end < 0 ? -1 : out.subarray(2, end).toString('hex');
}

const ENCODERS = { encodeTimestamptz, encodeTimestamp, encodeDate, encodeNumeric, encodeFloat8, encodeInt2, encodeInt4, encodeInt8, encodeBool, encodeBytea, encodeUuid };

describe('binary COPY encoders: exact bytes', () => {
  it('timestamp: µs since 2000-01-01 as int64, ±infinity the limits, exact beyond 2^53 µs', () => {
    expect(encode(encodeTimestamp, '2000-01-01 00:00:00')).toBe('00000008' + '0000000000000000');
    expect(encode(encodeTimestamp, '2000-01-01 00:00:00.000001')).toBe('00000008' + '0000000000000001');
    expect(encode(encodeTimestamp, '1999-12-31 23:59:59.999999')).toBe('00000008' + 'ffffffffffffffff');
    expect(encode(encodeTimestamptz, 'infinity')).toBe('00000008' + '7fffffffffffffff');
    expect(encode(encodeTimestamptz, '-infinity')).toBe('00000008' + '8000000000000000');
    // against BigInt, over the whole range (the split at 2^32 is where an off-by-one would hide)
    const r = random(5);
    for (let k = 0; k < 2000; k++) {
      const days = Math.floor(r() * 109_203_527) - 2_451_545;
      const micros = Math.floor(r() * 86_400_000_000);
      const us = BigInt(days) * 86_400_000_000n + BigInt(micros);
      const d = new Date(Date.UTC(2000, 0, 1) + days * 86_400_000);
      if (!(d.getUTCFullYear() >= 1)) continue;
      const y = String(d.getUTCFullYear()).padStart(4, '0');
      const pad = (n: number) => String(n).padStart(2, '0');
      const s = Math.floor(micros / 1e6);
      const text = `${y}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}.${String(micros % 1e6).padStart(6, '0')}`;
      expect(encode(encodeTimestamp, text)).toBe('00000008' + BigInt.asUintN(64, us).toString(16).padStart(16, '0'));
    }
  });

  it('date: int32 days, BC as astronomical years, ±infinity the int32 limits', () => {
    expect(encode(encodeDate, '2000-01-02')).toBe('00000004' + '00000001');
    expect(encode(encodeDate, '1999-12-31')).toBe('00000004' + 'ffffffff');
    expect(encode(encodeDate, '4714-11-24 BC')).toBe('00000004' + (-2_451_545 >>> 0).toString(16));
    expect(encode(encodeDate, 'infinity')).toBe('00000004' + '7fffffff');
    expect(encode(encodeDate, '-infinity')).toBe('00000004' + '80000000');
  });

  it('numeric: weight, sign and dscale as numeric_send writes them', () => {
    // ndigits, weight, sign, dscale, digits
    expect(encode(encodeNumeric, '0')).toBe('00000008' + '0000' + '0000' + '0000' + '0000');
    expect(encode(encodeNumeric, '0.0000')).toBe('00000008' + '0000' + '0000' + '0000' + '0004');
    expect(encode(encodeNumeric, '-0.00')).toBe('00000008' + '0000' + '0000' + '0000' + '0002');
    expect(encode(encodeNumeric, '10000')).toBe('0000000a' + '0001' + '0001' + '0000' + '0000' + '0001');
    expect(encode(encodeNumeric, '0.00001234')).toBe('0000000a' + '0001' + 'fffe' + '0000' + '0008' + '04d2');
    expect(encode(encodeNumeric, '-12.3400')).toBe('0000000c' + '0002' + '0000' + '4000' + '0004' + '000c' + '0d48');
    expect(encode(encodeNumeric, 'NaN')).toBe('00000008' + '0000' + '0000' + 'c000' + '0000');
  });

  it('float8: IEEE big-endian, NaN as the server writes it, -0 kept', () => {
    expect(encode(encodeFloat8, '0.1')).toBe('00000008' + '3fb999999999999a');
    expect(encode(encodeFloat8, '-0')).toBe('00000008' + '8000000000000000');
    expect(encode(encodeFloat8, 'NaN')).toBe('00000008' + '7ff8000000000000');
    expect(encode(encodeFloat8, '-Infinity')).toBe('00000008' + 'fff0000000000000');
    expect(encode(encodeFloat8, '5e-324')).toBe('00000008' + '0000000000000001');
    expect(encode(encodeFloat8, '1.7976931348623157e+308')).toBe('00000008' + '7fefffffffffffff');
    // a text float8in would refuse (out of range) is not turned into infinity or zero
    expect(encode(encodeFloat8, '1e400')).toBe(-1);
    expect(encode(encodeFloat8, '1e-400')).toBe(-1);
    expect(encode(encodeFloat8, '0e-400')).toBe('00000008' + '0000000000000000');
  });
});

describe('binary COPY encoders: -1, never garbage, for what the server would not print', () => {
  const common = ['', ' ', 'abc', '-', '+', '.', 'null', '"1"', '1 ', ' 1', '\u0000'];
  const cases: Record<keyof typeof ENCODERS, string[]> = {
    encodeTimestamptz: [
      ...common,
      '2026-12-02 19:41:42+01',
      '2026-12-02 19:41:42-00',
      '2026-12-02 19:41:42+00:30',
      '2026-12-02 19:41:42',
      '2026-12-02 19:41:42.+00',
      '2026-12-02 19:41:42.1234567+00',
      '2026-12-02 24:00:00+00',
      '2026-12-02 19:60:00+00',
      '2026-12-02 19:41:60+00',
      '2026-13-02 19:41:42+00',
      '2026-02-29 19:41:42+00',
      '1900-02-29 00:00:00+00',
      '0001-02-29 00:00:00+00 BC'.replace('0001', '0002'),
      '0000-01-01 00:00:00+00',
      '4714-11-23 23:59:59+00 BC',
      '4715-01-01 00:00:00+00 BC',
      '294277-01-01 00:00:00+00',
      '02026-12-02 19:41:42+00',
      '2026-12-02T19:41:42+00',
      '2026-12-02 19:41:42+00 AD',
      '2026-12-02 19:41:42+00 BC ',
      'Infinity',
      '+infinity',
    ],
    encodeTimestamp: [...common, '2026-12-02 19:41:42+00', '2026-12-02', '2026-12-02 19:41', 'infinity ', '2026-12-02 19:41:42 bc'],
    encodeDate: [...common, '2026-12-02 00:00:00', '2026-12-32', '2026-00-10', '2026-1-10', '5874898-01-01', '4714-11-23 BC', '2026-12-02 AD', 'today'],
    encodeNumeric: [...common, 'Infinity', '-Infinity', 'nan', '-NaN', '1e5', '.5', '5.', '1.2.3', '--1', '+1', '1,5', '0x10', '1_000'],
    encodeFloat8: [...common, 'nan', 'inf', '-NaN', '+1', '.5', '5.', '01', '1e', '1e+', '0x10', 'Infinityx', '1.5.2', '1_0', 'e5'],
    // what int2in / int4in / int8in accept but never print: signs, spaces, zeros in front, underscores, hex; and the limits + 1
    encodeInt2: [...common, '32768', '-32769', '+1', '01', '1.0', '1e3', '0x10', '1_0', '99999999999999999999'],
    encodeInt4: [...common, '2147483648', '-2147483649', '+1', '007', '1.0', '1e3', '0x10'],
    encodeInt8: [...common, '9223372036854775808', '-9223372036854775809', '99999999999999999999', '+1', '0123456789012345678', '1.0', '1e18', '-'],
    encodeBool: [...common, 'yes', 'no', 'on', '1', '0', 'T', 'TRUE', 'tr', 'falsey'],
    encodeBytea: [...common, '\\x0', '\\xzz', '\\x0g', '\\X00', '\\x00 11', '\\000', 'x00'],
    encodeUuid: [...common, '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', 'a0eebc999c0b4ef8bb6d6bb9bd380a11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1g', 'a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1'],
  };
  for (const [name, inputs] of Object.entries(cases)) {
    it(name, () => {
      const encoder = ENCODERS[name as keyof typeof ENCODERS];
      for (const text of inputs) expect([text, encode(encoder, text)]).toEqual([text, -1]);
    });
  }

  it('arrays: more than one dimension, other lower bounds, spellings array_out never writes, a declined element', () => {
    const int4s = BINARY_ENCODERS.get('pg_catalog.int4[]') as Encoder;
    const texts = BINARY_ENCODERS.get('pg_catalog.text[]') as Encoder;
    for (const text of ['', '{', '}', '{{1,2},{3,4}}', '[0:1]={7,8}', '{1,}', '{,1}', '{1,,2}', '{ 1}', '{1 }', '{1}x', 'x{1}', '{"1"x}', '{1,2', '{2147483648}', '{null}', '{"\\x'])
      expect([text, encode(int4s, text)]).toEqual([text, -1]);
    for (const text of ['{a b}', '{a\\b}', '{"a}', '{a"b}', '{{a}}', '{a,{b}}'])
      expect([text, encode(texts, text)]).toEqual([text, -1]);
    // and the forms it takes: empty, NULL, a quoted "NULL" (the string), escapes
    const roomy = (e: Encoder, text: string) => {
      const out = Buffer.alloc(256);
      const end = e(Buffer.from(text), 0, Buffer.byteLength(text), out, 0);
      return end < 0 ? -1 : out.subarray(0, end).toString('hex');
    };
    expect(roomy(int4s, '{}')).toBe('0000000c' + '00000000' + '00000000' + '00000017');
    expect(roomy(texts, '{NULL,"NULL","a\\"b"}')).toBe(
      '00000027' + '00000001' + '00000001' + '00000019' + '00000003' + '00000001' + 'ffffffff' + '00000004' + Buffer.from('NULL').toString('hex') + '00000003' + Buffer.from('a"b').toString('hex'),
    );
  });

  it('an array that would not fit in the room left gives -1, never a short write', () => {
    const int8s = BINARY_ENCODERS.get('pg_catalog.int8[]') as Encoder;
    const text = Buffer.from(`{${Array.from({ length: 1000 }, (_, i) => i % 10).join(',')}}`);
    // 1,000 elements of 12 bytes: 12,024 bytes from 2,001 of text (it asks for an element's (end - start) + 32 free)
    const out = Buffer.alloc(12_100, 0xa5);
    expect(int8s(text, 0, text.length, out, 0)).toBe(12_024);
    expect(out.readInt32BE(12_012)).toBe(8);
    expect(int8s(text, 0, text.length, Buffer.alloc(12_000), 0)).toBe(-1);
  });

  it('the length each writes stays within (end - start) + 32, numeric included', () => {
    const out = Buffer.alloc(1 << 17);
    for (const text of ['0', '1', '-1', 'NaN', `${'9'.repeat(131_072)}`, `0.${'1'.repeat(16_383)}`, '1.0001', '-0.0001']) {
      const end = encodeNumeric(Buffer.from(text), 0, text.length, out, 0);
      expect(end).toBeGreaterThan(0);
      expect(end).toBeLessThanOrEqual(text.length + 32);
    }
    expect(encodeNumeric(Buffer.from(`1${'0'.repeat(131_072)}`), 0, 131_073, out, 0)).toBe(-1);
  });
});
