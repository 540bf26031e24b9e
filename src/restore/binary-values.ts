/**
 * Binary COPY field encoders for restore: an archived value's text (the content of its JSON string: PostgreSQL's
 * own output under the archive's OUTPUT_SETTINGS, TimeZone UTC, DateStyle 'ISO, YMD', extra_float_digits 3) in,
 * the field as `COPY … FROM STDIN (FORMAT binary)` reads it out: int32 big-endian length, then the type's
 * send-format bytes. Each is byte for byte what the server's own `COPY … TO STDOUT (FORMAT binary)` writes for the
 * same value (tests/integration/binary-values.test.ts compares them on PostgreSQL 14 and 17).
 *
 * The contract, shared by every encoder: `(src, start, end, out, o)` reads src[start, end), writes at out[o…] and
 * returns the offset after the field, or -1 when it cannot say for certain what the server would store: any
 * syntax PostgreSQL does not print under those settings, a time zone offset other than +00, numeric ±Infinity,
 * a value out of the type's range. The caller then loads the whole table with text COPY, whose input functions
 * decide (and fail loudly where they must). After -1, out[o…] may hold partial bytes: the caller discards them.
 * The caller guarantees (end - start) + 32 free bytes at out[o]; no encoder needs more (each says how many).
 *
 * Byte stores rather than Buffer.write*BE (measured twice as slow), and no allocation per value on the fast path.
 */

const ZERO = 0x30;
const MINUS = 0x2d;

// what the last parseDate, settleDate and parseTime read (module state instead of an object per value)
let parsedYear = 0;
let parsedMonth = 0;
let parsedDay = 0;
let parsedJulian = 0;
let parsedMicros = 0;

/** two digits at src[i], or -1 (the caller checked that i + 1 < end) */
function twoDigits(src: Uint8Array, i: number): number {
  const a = src[i]! - ZERO;
  const b = src[i + 1]! - ZERO;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** PostgreSQL's date2j (proleptic Gregorian, astronomical year: 1 BC is 0), for years from 4713 BC on */
function julianDay(year: number, month: number, day: number): number {
  let y = year;
  let m = month;
  if (m > 2) {
    m += 1;
    y += 4800;
  } else {
    m += 13;
    y += 4799;
  }
  const century = (y / 100) | 0;
  return y * 365 - 32167 + ((y / 4) | 0) - century + ((century / 4) | 0) + ((7834 * m) >> 8) + day;
}

/** Julian day of 2000-01-01, PostgreSQL's epoch for date, timestamp and timestamptz */
const POSTGRES_EPOCH_JDATE = 2451545;
/** the first day no timestamp reaches (294277-01-01), and the first no date reaches (5874898-01-01) */
const TIMESTAMP_END_JULIAN = julianDay(294277, 1, 1);
const DATE_END_JULIAN = julianDay(5874898, 1, 1);

/**
 * `YYYY-MM-DD` at src[start…] (four or more year digits, no leading zero beyond four), into parsedYear, parsedMonth
 * and parsedDay; returns the offset after it, or -1. Range and era are checked by the caller, which knows where ` BC` goes.
 */
function parseDate(src: Uint8Array, start: number, end: number, maxYearDigits: number): number {
  let i = start;
  let year = 0;
  while (i < end) {
    const d = src[i]! - ZERO;
    if (d < 0 || d > 9) break;
    year = year * 10 + d;
    i++;
  }
  const digits = i - start;
  if (digits < 4 || digits > maxYearDigits || (digits > 4 && src[start] === ZERO) || year === 0) return -1;
  if (i + 6 > end || src[i] !== MINUS || src[i + 3] !== MINUS) return -1;
  const month = twoDigits(src, i + 1);
  const day = twoDigits(src, i + 4);
  if (month < 1 || month > 12 || day < 1) return -1;
  // the era is not known yet: keep the year as printed, and check 29 February once it is (parseEra)
  if (day > DAYS_IN_MONTH[month]! && !(month === 2 && day === 29)) return -1;
  parsedYear = year;
  parsedMonth = month;
  parsedDay = day;
  return i + 6;
}

function isLeap(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

/** the year parseDate read, in the era given (` BC` seen or not), into parsedJulian; false when no such day */
function settleDate(bc: boolean, endJulian: number): boolean {
  const year = bc ? 1 - parsedYear : parsedYear;
  if (parsedMonth === 2 && parsedDay === 29 && !isLeap(year)) return false;
  // below 4713 BC date2j's divisions would round the other way; nothing of PostgreSQL's reaches there anyway
  if (year < -4713) return false;
  const julian = julianDay(year, parsedMonth, parsedDay);
  if (julian < 0 || julian >= endJulian) return false;
  parsedJulian = julian;
  return true;
}

/** ` HH:MM:SS[.f…]` (one to six fraction digits) at src[start…], into parsedMicros; the offset after it, or -1 */
function parseTime(src: Uint8Array, start: number, end: number): number {
  if (start + 9 > end || src[start] !== 0x20 || src[start + 3] !== 0x3a || src[start + 6] !== 0x3a) return -1;
  const h = twoDigits(src, start + 1);
  const m = twoDigits(src, start + 4);
  const s = twoDigits(src, start + 7);
  if (h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 59) return -1;
  let i = start + 9;
  let fraction = 0;
  if (i < end && src[i] === 0x2e) {
    i++;
    const from = i;
    while (i < end && i - from < 7) {
      const d = src[i]! - ZERO;
      if (d < 0 || d > 9) break;
      fraction = fraction * 10 + d;
      i++;
    }
    const n = i - from;
    if (n === 0 || n > 6) return -1;
    fraction *= SCALE_TO_MICROS[n]!;
  }
  parsedMicros = ((h * 60 + m) * 60 + s) * 1_000_000 + fraction;
  return i;
}

const SCALE_TO_MICROS = [1_000_000, 100_000, 10_000, 1000, 100, 10, 1];

/** true when src[i, end) is exactly ` BC` */
function isBC(src: Uint8Array, i: number, end: number): boolean {
  return end - i === 3 && src[i] === 0x20 && src[i + 1] === 0x42 && src[i + 2] === 0x43;
}

const INFINITY = [0x69, 0x6e, 0x66, 0x69, 0x6e, 0x69, 0x74, 0x79]; // "infinity"

/** 1 for `infinity`, -1 for `-infinity`, 0 for anything else */
function infinity(src: Uint8Array, start: number, end: number): number {
  const sign = end - start === 9 && src[start] === MINUS ? -1 : 1;
  const from = sign < 0 ? start + 1 : start;
  if (end - from !== 8) return 0;
  for (let k = 0; k < 8; k++) if (src[from + k] !== INFINITY[k]) return 0;
  return sign;
}

function putInt32(out: Buffer, o: number, v: number): void {
  out[o] = v >>> 24;
  out[o + 1] = (v >>> 16) & 0xff;
  out[o + 2] = (v >>> 8) & 0xff;
  out[o + 3] = v & 0xff;
}

/**
 * days × 86,400,000,000 + micros as an int64 field (length 8, then big-endian), exactly: the product passes 2^53
 * before about 1715 and after 2285, so it is split at 2^32 without BigInt. 86,400,000,000 = 10,546,875 × 2^13, and
 * days × 10,546,875 stays below 2^51 for every timestamp's day; its low 19 bits shifted by 13, plus the micros of
 * the day (< 2^37), is still exact, and carries into the high word.
 */
function putTimestamp(out: Buffer, o: number, days: number, micros: number): number {
  const d = days * 10_546_875;
  const dHigh = Math.floor(d / 524_288);
  const low = (d - dHigh * 524_288) * 8192 + micros;
  const carry = Math.floor(low / 4_294_967_296);
  putInt32(out, o, 8);
  putInt32(out, o + 4, dHigh + carry);
  putInt32(out, o + 8, low - carry * 4_294_967_296);
  return o + 12;
}

/** ±infinity: int64 limits (DT_NOEND 0x7fff…ff, DT_NOBEGIN 0x8000…00) */
function putInfiniteInt64(out: Buffer, o: number, sign: number): number {
  putInt32(out, o, 8);
  out[o + 4] = sign > 0 ? 0x7f : 0x80;
  const fill = sign > 0 ? 0xff : 0;
  for (let k = 5; k < 12; k++) out[o + k] = fill;
  return o + 12;
}

function encodeDateTime(src: Uint8Array, start: number, end: number, out: Buffer, o: number, zone: boolean): number {
  if (end - start < 19) {
    const sign = infinity(src, start, end);
    return sign === 0 ? -1 : putInfiniteInt64(out, o, sign);
  }
  let i = parseDate(src, start, end, 6);
  if (i < 0) return -1;
  i = parseTime(src, i, end);
  if (i < 0) return -1;
  if (zone) {
    // under TimeZone UTC the offset is always +00; any other would need applying, and text COPY does that
    if (i + 3 > end || src[i] !== 0x2b || src[i + 1] !== ZERO || src[i + 2] !== ZERO) return -1;
    i += 3;
  }
  const bc = i < end;
  if (bc && !isBC(src, i, end)) return -1;
  if (!settleDate(bc, TIMESTAMP_END_JULIAN)) return -1;
  return putTimestamp(out, o, parsedJulian - POSTGRES_EPOCH_JDATE, parsedMicros);
}

/**
 * timestamptz as printed under TimeZone UTC (`2026-12-02 19:41:42.5+00`, `0044-03-15 12:00:00+00 BC`,
 * `infinity`): int64 µs since 2000-01-01 00:00 UTC. Writes 12 bytes.
 */
export function encodeTimestamptz(src: Uint8Array, start: number, end: number, out: Buffer, o: number): number {
  return encodeDateTime(src, start, end, out, o, true);
}

/** timestamp without time zone (`2026-12-02 19:41:42.5`, `… BC`, `infinity`): int64 µs since 2000-01-01. 12 bytes. */
export function encodeTimestamp(src: Uint8Array, start: number, end: number, out: Buffer, o: number): number {
  return encodeDateTime(src, start, end, out, o, false);
}

/** date (`2026-12-02`, `0001-01-01 BC`, `infinity`): int32 days since 2000-01-01, ±infinity the int32 limits. 8 bytes. */
export function encodeDate(src: Uint8Array, start: number, end: number, out: Buffer, o: number): number {
  let value: number;
  if (end - start < 10) {
    const sign = infinity(src, start, end);
    if (sign === 0) return -1;
    value = sign > 0 ? 0x7fffffff : -0x80000000;
  } else {
    const i = parseDate(src, start, end, 7);
    if (i < 0) return -1;
    const bc = i < end;
    if (bc && !isBC(src, i, end)) return -1;
    if (!settleDate(bc, DATE_END_JULIAN)) return -1;
    value = parsedJulian - POSTGRES_EPOCH_JDATE;
  }
  putInt32(out, o, 4);
  putInt32(out, o + 4, value);
  return o + 8;
}

/** numeric's limits: 131,072 digits before the point (weight ≤ 32767 in base 10000), 16,383 after */
const NUMERIC_MAX_INTEGER_DIGITS = 131_072;
const NUMERIC_MAX_DSCALE = 16_383;
const NUMERIC_NEG = 0x4000;
const NUMERIC_NAN = 0xc000;
const POW10 = [1, 10, 100, 1000, 10_000];

/**
 * numeric as printed (`-123.4500`, `0.00001234`, `NaN`; never an exponent): numeric_send's form, ndigits, weight,
 * sign, dscale (int16 each) and the base-10000 digits, grouped at the decimal point, with leading and trailing zero
 * groups stripped as make_result stores them (0 and -0.00 are no digits, weight 0, positive; the printed scale
 * stays in dscale, so 12.3400 keeps 4). ±Infinity gives -1: the server writes dscale 32 for them, and before
 * PostgreSQL 14 numeric has no infinities at all.
 * Writes 12 + 2 × (digit groups) bytes, at most 15 + (end - start) / 2: within the caller's (end - start) + 32.
 */
export function encodeNumeric(src: Uint8Array, start: number, end: number, out: Buffer, o: number): number {
  let i = start;
  const negative = i < end && src[i] === MINUS;
  if (negative) i++;
  if (end - start === 3 && src[start] === 0x4e && src[start + 1] === 0x61 && src[start + 2] === 0x4e) {
    putInt32(out, o, 8);
    putInt32(out, o + 4, 0);
    out[o + 8] = NUMERIC_NAN >>> 8;
    out[o + 9] = 0;
    out[o + 10] = 0;
    out[o + 11] = 0;
    return o + 12;
  }
  let intStart = i;
  while (i < end) {
    const d = src[i]! - ZERO;
    if (d < 0 || d > 9) break;
    i++;
  }
  const intEnd = i;
  if (intEnd === intStart) return -1;
  let fracStart = i;
  if (i < end) {
    if (src[i] !== 0x2e) return -1;
    fracStart = ++i;
    while (i < end) {
      const d = src[i]! - ZERO;
      if (d < 0 || d > 9) return -1;
      i++;
    }
    if (i === fracStart) return -1;
  }
  while (intStart < intEnd && src[intStart] === ZERO) intStart++;
  const integerDigits = intEnd - intStart;
  const dscale = end - fracStart;
  if (integerDigits > NUMERIC_MAX_INTEGER_DIGITS || dscale > NUMERIC_MAX_DSCALE) return -1;

  const integerGroups = (integerDigits + 3) >> 2;
  // weight of the group being read; the field's weight is that of its first non-zero group
  let w = integerGroups - 1;
  let weight = 0;
  let p = o + 12;
  let written = 0;
  let kept = 0;
  let k = intStart;
  let take = integerDigits - (integerGroups - 1) * 4;
  for (let g = 0; g < integerGroups; g++, w--) {
    let v = 0;
    for (const stop = k + take; k < stop; k++) v = v * 10 + src[k]! - ZERO;
    take = 4;
    if (written === 0) {
      if (v === 0) continue;
      weight = w;
    }
    out[p++] = v >>> 8;
    out[p++] = v & 0xff;
    written++;
    if (v !== 0) kept = written;
  }
  for (k = fracStart; k < end; w--) {
    let v = 0;
    const stop = Math.min(k + 4, end);
    const n = stop - k;
    for (; k < stop; k++) v = v * 10 + src[k]! - ZERO;
    v *= POW10[4 - n]!;
    if (written === 0) {
      if (v === 0) continue;
      weight = w;
    }
    out[p++] = v >>> 8;
    out[p++] = v & 0xff;
    written++;
    if (v !== 0) kept = written;
  }
  putInt32(out, o, 8 + 2 * kept);
  out[o + 4] = kept >>> 8;
  out[o + 5] = kept & 0xff;
  out[o + 6] = (weight >> 8) & 0xff;
  out[o + 7] = weight & 0xff;
  out[o + 8] = negative && kept > 0 ? NUMERIC_NEG >>> 8 : 0;
  out[o + 9] = 0;
  out[o + 10] = dscale >>> 8;
  out[o + 11] = dscale & 0xff;
  return o + 12 + 2 * kept;
}

const float = new Float64Array(1);
const floatBytes = new Uint8Array(float.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** 10^0 … 10^22, every one an exact double */
const EXACT_POW10 = Array.from({ length: 23 }, (_, n) => Number(`1e${n}`));

/**
 * float8 as printed with extra_float_digits 3 (the shortest text that reads back exactly: `0.1`, `1e+300`,
 * `-0`, `NaN`, `Infinity`), or the same number as a bare JSON number: IEEE 754 big-endian bytes. 12 bytes.
 * Number() reads the text correctly rounded, as the server's strtod does, so a shortest text gives back the very
 * double; up to 15 significant digits and a power of ten within 10^±22 that is one exact division or product
 * (no string made). A text that overflows to infinity or underflows to zero gives -1: float8in refuses it.
 */
export function encodeFloat8(src: Uint8Array, start: number, end: number, out: Buffer, o: number): number {
  let i = start;
  const negative = i < end && src[i] === MINUS;
  if (negative) i++;
  let value: number;
  const c = src[i];
  if (c === 0x4e || c === 0x49) {
    if (matches(src, i, end, NAN_TEXT) && !negative) value = Number.NaN;
    else if (matches(src, i, end, INFINITY_TEXT)) value = negative ? -Infinity : Infinity;
    else return -1;
  } else {
    // JSON's number grammar, which PostgreSQL's output also follows: int [frac] [exp]
    let mantissa = 0;
    let significant = 0;
    let nonZero = false;
    let scale = 0;
    const intStart = i;
    while (i < end) {
      const d = src[i]! - ZERO;
      if (d < 0 || d > 9) break;
      if (d !== 0 || significant > 0) {
        significant++;
        if (significant <= 15) mantissa = mantissa * 10 + d;
        else scale++;
        nonZero ||= d !== 0;
      }
      i++;
    }
    if (i === intStart || (i - intStart > 1 && src[intStart] === ZERO)) return -1;
    if (i < end && src[i] === 0x2e) {
      const fracStart = ++i;
      while (i < end) {
        const d = src[i]! - ZERO;
        if (d < 0 || d > 9) break;
        if (d !== 0 || significant > 0) {
          significant++;
          if (significant <= 15) {
            mantissa = mantissa * 10 + d;
            scale--;
          }
          nonZero ||= d !== 0;
        } else scale--;
        i++;
      }
      if (i === fracStart) return -1;
    }
    let exponent = 0;
    if (i < end && (src[i] === 0x65 || src[i] === 0x45)) {
      i++;
      const expNegative = src[i] === MINUS;
      if (expNegative || src[i] === 0x2b) i++;
      const expStart = i;
      while (i < end) {
        const d = src[i]! - ZERO;
        if (d < 0 || d > 9) break;
        if (exponent < 100_000) exponent = exponent * 10 + d;
        i++;
      }
      if (i === expStart) return -1;
      if (expNegative) exponent = -exponent;
    }
    if (i !== end) return -1;
    const power = exponent + scale;
    if (!nonZero) value = 0;
    else if (significant <= 15 && power >= -22 && power <= 22) value = power < 0 ? mantissa / EXACT_POW10[-power]! : mantissa * EXACT_POW10[power]!;
    else {
      value = Math.abs(Number(latin1(src, intStart, end)));
      if (value === 0 || value === Infinity) return -1;
    }
    if (negative) value = -value;
  }
  putInt32(out, o, 8);
  if (Number.isNaN(value)) {
    // the server's NaN (0x7ff8000000000000); a JavaScript NaN's bits are not promised
    out[o + 4] = 0x7f;
    out[o + 5] = 0xf8;
    for (let k = 6; k < 12; k++) out[o + k] = 0;
    return o + 12;
  }
  float[0] = value;
  if (littleEndian) for (let k = 0; k < 8; k++) out[o + 4 + k] = floatBytes[7 - k]!;
  else for (let k = 0; k < 8; k++) out[o + 4 + k] = floatBytes[k]!;
  return o + 12;
}

const NAN_TEXT = [0x4e, 0x61, 0x4e];
const INFINITY_TEXT = [0x49, 0x6e, 0x66, 0x69, 0x6e, 0x69, 0x74, 0x79];

function matches(src: Uint8Array, i: number, end: number, text: readonly number[]): boolean {
  if (end - i !== text.length) return false;
  for (let k = 0; k < text.length; k++) if (src[i + k] !== text[k]) return false;
  return true;
}

/** the (ASCII) text of src[start, end), for Number(): the slow path of encodeFloat8 only */
function latin1(src: Uint8Array, start: number, end: number): string {
  if (Buffer.isBuffer(src)) return src.toString('latin1', start, end);
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(src[i]!);
  return s;
}

/** the signed decimal integer src[start, end) (`-?[0-9]+`, no leading zeros beyond a lone 0), or NaN */
function decimalInteger(src: Uint8Array, start: number, end: number): number {
  let i = start;
  const negative = i < end && src[i] === MINUS;
  if (negative) i++;
  const digits = i;
  if (i >= end || end - digits > 15 || (src[i] === ZERO && end - digits > 1)) return Number.NaN;
  let value = 0;
  for (; i < end; i++) {
    const d = src[i]! - ZERO;
    if (d < 0 || d > 9) return Number.NaN;
    value = value * 10 + d;
  }
  return negative ? -value : value;
}

/** smallint (`-32768` … `32767`, as printed or as a JSON number): int16. Writes 6 bytes. */
export function encodeInt2(src: Uint8Array, start: number, end: number, out: Buffer, o: number): number {
  const v = decimalInteger(src, start, end);
  if (!(v >= -0x8000 && v <= 0x7fff)) return -1;
  putInt32(out, o, 2);
  out[o + 4] = (v >> 8) & 0xff;
  out[o + 5] = v & 0xff;
  return o + 6;
}

/** integer (`-2147483648` … `2147483647`): int32. Writes 8 bytes. */
export function encodeInt4(src: Uint8Array, start: number, end: number, out: Buffer, o: number): number {
  const v = decimalInteger(src, start, end);
  if (!(v >= -0x80000000 && v <= 0x7fffffff)) return -1;
  putInt32(out, o, 4);
  putInt32(out, o + 4, v);
  return o + 8;
}

const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;

/**
 * bigint (`-9223372036854775808` … `9223372036854775807`): int64, two's complement. Up to 15 digits by plain
 * arithmetic; longer ones through BigInt (rare outside generated keys). Writes 12 bytes.
 */
export function encodeInt8(src: Uint8Array, start: number, end: number, out: Buffer, o: number): number {
  let v = decimalInteger(src, start, end);
  let high: number;
  let low: number;
  if (!Number.isNaN(v)) {
    // |v| < 10^15 < 2^50: split without losing a bit
    const negative = v < 0;
    if (negative) v = -v;
    high = Math.floor(v / 0x1_0000_0000);
    low = v - high * 0x1_0000_0000;
    if (negative) {
      // two's complement of the 64-bit (high, low)
      low = (~low + 1) >>> 0;
      high = (~high + (low === 0 ? 1 : 0)) >>> 0;
    }
  } else {
    let i = start;
    const negative = i < end && src[i] === MINUS;
    if (negative) i++;
    if (i >= end || end - i > 19 || (src[i] === ZERO && end - i > 1)) return -1;
    for (let k = i; k < end; k++) if (src[k]! < ZERO || src[k]! > ZERO + 9) return -1;
    let big = BigInt(latin1(src, i, end));
    if (negative) big = -big;
    if (big < INT8_MIN || big > INT8_MAX) return -1;
    const bits = BigInt.asUintN(64, big);
    high = Number(bits >> 32n);
    low = Number(bits & 0xffff_ffffn);
  }
  putInt32(out, o, 8);
  putInt32(out, o + 4, high);
  putInt32(out, o + 8, low);
  return o + 12;
}

/** boolean (`t` / `f` as printed, `true` / `false` as JSON writes them): one byte. Writes 5 bytes. */
export function encodeBool(src: Uint8Array, start: number, end: number, out: Buffer, o: number): number {
  const n = end - start;
  const c = src[start];
  let value: number;
  if (c === 0x74 && (n === 1 || (n === 4 && src[start + 1] === 0x72 && src[start + 2] === 0x75 && src[start + 3] === 0x65))) value = 1;
  else if (c === 0x66 && (n === 1 || (n === 5 && src[start + 1] === 0x61 && src[start + 2] === 0x6c && src[start + 3] === 0x73 && src[start + 4] === 0x65))) value = 0;
  else return -1;
  putInt32(out, o, 1);
  out[o + 4] = value;
  return o + 5;
}

/**
 * text, varchar(n), char(n), json: the characters themselves, in the client encoding (UTF-8), which is what
 * their receive functions read; varchar and char apply the column's length exactly as their input functions do,
 * and the server checks the bytes are valid UTF-8 (and, for json, valid JSON). Writes 4 + (end - start) bytes.
 */
export function encodeText(src: Uint8Array, start: number, end: number, out: Buffer, o: number): number {
  const n = end - start;
  putInt32(out, o, n);
  if (n > 64) out.set(src.subarray(start, end), o + 4);
  else for (let k = 0; k < n; k++) out[o + 4 + k] = src[start + k]!;
  return o + 4 + n;
}

/** jsonb: version byte 1, then the document text (jsonb_recv parses it as jsonb_in does). Writes 5 + (end - start) bytes. */
export function encodeJsonb(src: Uint8Array, start: number, end: number, out: Buffer, o: number): number {
  const n = end - start;
  putInt32(out, o, n + 1);
  out[o + 4] = 1;
  if (n > 64) out.set(src.subarray(start, end), o + 5);
  else for (let k = 0; k < n; k++) out[o + 5 + k] = src[start + k]!;
  return o + 5 + n;
}

/** a hex digit's value, or -1 */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

/**
 * bytea in hex output (`\x0aff…`; bytea_output = hex, as the archive is written): the bytes. The escape format
 * and hex with spaces give -1. Writes 4 + (end - start - 2) / 2 bytes.
 */
export function encodeBytea(src: Uint8Array, start: number, end: number, out: Buffer, o: number): number {
  const n = end - start - 2;
  if (n < 0 || (n & 1) !== 0 || src[start] !== 0x5c || src[start + 1] !== 0x78) return -1;
  const bytes = n >> 1;
  putInt32(out, o, bytes);
  let p = start + 2;
  let q = o + 4;
  for (let k = 0; k < bytes; k++, p += 2) {
    const h = hexValue(src[p]!);
    const l = hexValue(src[p + 1]!);
    if ((h | l) < 0) return -1;
    out[q++] = (h << 4) | l;
  }
  return q;
}

/** uuid as printed (`8-4-4-4-12` hex digits, either case): 16 bytes. Writes 20 bytes. */
export function encodeUuid(src: Uint8Array, start: number, end: number, out: Buffer, o: number): number {
  if (end - start !== 36) return -1;
  if (src[start + 8] !== MINUS || src[start + 13] !== MINUS || src[start + 18] !== MINUS || src[start + 23] !== MINUS) return -1;
  putInt32(out, o, 16);
  let q = o + 4;
  for (let p = start; p < end; ) {
    if (src[p] === MINUS) {
      p++;
      continue;
    }
    const h = hexValue(src[p]!);
    const l = hexValue(src[p + 1]!);
    if ((h | l) < 0) return -1;
    out[q++] = (h << 4) | l;
    p += 2;
  }
  return q;
}

/** `(src, start, end, out, o) => offset after the field | -1`: see the contract at the top of this file */
export type FieldEncoder = (src: Uint8Array, start: number, end: number, out: Buffer, o: number) => number;

/** a quoted array element's content, unescaped (grown as needed; one array at a time) */
let elementScratch = Buffer.allocUnsafe(1024);

/**
 * A one-dimensional array of `element` values as array_out prints it (`{1,NULL,3}`, `{"a b","\\"q\\"",x}`, `{}`),
 * written as array_send does: ndim, has-null flag, element type OID, size and lower bound 1, then each element as
 * its own field. More dimensions, other lower bounds (`[0:1]={…}`), or an element its encoder declines give -1.
 * An array field can be several times its text (`{1,2}` as int8[] is 44 bytes for 5): it checks the room left in
 * `out` before each element instead of relying on the caller's (end - start) + 32, and gives -1 when short.
 */
function arrayEncoder(elementOid: number, element: FieldEncoder): FieldEncoder {
  const encode: FieldEncoder = (src, start, end, out, o) => {
    if (end - start < 2 || src[start] !== 0x7b || src[end - 1] !== 0x7d || out.length - o < 24) return -1;
    if (end - start === 2) {
      putInt32(out, o, 12);
      putInt32(out, o + 4, 0);
      putInt32(out, o + 8, 0);
      putInt32(out, o + 12, elementOid);
      return o + 16;
    }
    let q = o + 24;
    let count = 0;
    let hasNull = 0;
    let p = start + 1;
    for (;;) {
      let from: number;
      let to: number;
      let text: Uint8Array = src;
      const c = src[p];
      if (c === 0x22) {
        // quoted: backslash takes the next byte as it is
        let n = 0;
        if (elementScratch.length < end - p) elementScratch = Buffer.allocUnsafe(2 * (end - p));
        p++;
        for (;;) {
          if (p >= end) return -1;
          let b = src[p]!;
          if (b === 0x22) break;
          if (b === 0x5c) {
            p++;
            if (p >= end) return -1;
            b = src[p]!;
          }
          elementScratch[n++] = b;
          p++;
        }
        p++;
        text = elementScratch;
        from = 0;
        to = n;
        if (out.length - q < n + 32) return -1;
        q = element(text, from, to, out, q);
      } else {
        from = p;
        while (p < end) {
          const b = src[p]!;
          if (b === 0x2c || b === 0x7d) break;
          // array_out quotes an element holding these; unquoted they would mean something else
          if (b === 0x22 || b === 0x5c || b === 0x7b || b === 0x20 || (b >= 0x09 && b <= 0x0d)) return -1;
          p++;
        }
        to = p;
        if (to === from) return -1;
        if (to - from === 4 && src[from] === 0x4e && src[from + 1] === 0x55 && src[from + 2] === 0x4c && src[from + 3] === 0x4c) {
          if (out.length - q < 4) return -1;
          putInt32(out, q, -1);
          q += 4;
          hasNull = 1;
        } else {
          if (out.length - q < to - from + 32) return -1;
          q = element(text, from, to, out, q);
        }
      }
      if (q < 0) return -1;
      count++;
      if (src[p] === 0x2c && p < end - 1) p++;
      else if (p === end - 1) break;
      else return -1;
    }
    putInt32(out, o, q - o - 4);
    putInt32(out, o + 4, 1);
    putInt32(out, o + 8, hasNull);
    putInt32(out, o + 12, elementOid);
    putInt32(out, o + 16, count);
    putInt32(out, o + 20, 1);
    return q;
  };
  arrayEncoders.add(encode);
  return encode;
}

const arrayEncoders = new WeakSet<FieldEncoder>();

/** the most an array field can exceed its text, per byte (`{1,2}` as int8[]: 2 bytes of text per 12-byte element) */
export const ARRAY_GROWTH = 8;

/** An array's encoder (its output may be ARRAY_GROWTH times its text, not (end - start) + 32). */
export function isArrayEncoder(e: FieldEncoder): boolean {
  return arrayEncoders.has(e);
}

/** Each base type with a binary encoder: its pg_type name, OID (fixed for built-in types) and encoder. */
const ELEMENTS: readonly (readonly [string, number, FieldEncoder])[] = [
  ['pg_catalog.int2', 21, encodeInt2],
  ['pg_catalog.int4', 23, encodeInt4],
  ['pg_catalog.int8', 20, encodeInt8],
  ['pg_catalog.bool', 16, encodeBool],
  ['pg_catalog.text', 25, encodeText],
  ['pg_catalog.varchar', 1043, encodeText],
  ['pg_catalog.bpchar', 1042, encodeText],
  ['pg_catalog.json', 114, encodeText],
  ['pg_catalog.jsonb', 3802, encodeJsonb],
  ['pg_catalog.bytea', 17, encodeBytea],
  ['pg_catalog.uuid', 2950, encodeUuid],
  ['pg_catalog.numeric', 1700, encodeNumeric],
  ['pg_catalog.float8', 701, encodeFloat8],
  ['pg_catalog.date', 1082, encodeDate],
  ['pg_catalog.timestamp', 1114, encodeTimestamp],
  ['pg_catalog.timestamptz', 1184, encodeTimestamptz],
];

/**
 * The binary encoder of each type restore can send as binary COPY, by pg_type name (ColumnDef.typeName, `[]` added
 * for a one-dimensional array of it). A column of any other type (enums, domains, ranges, float4, money,
 * intervals…) keeps its table on text COPY.
 */
export const BINARY_ENCODERS: ReadonlyMap<string, FieldEncoder> = new Map<string, FieldEncoder>(
  ELEMENTS.flatMap(([name, oid, encoder]) => [
    [name, encoder],
    [`${name}[]`, arrayEncoder(oid, encoder)],
  ]),
);
