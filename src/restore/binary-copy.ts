import { PgsnapError } from '../errors.js';
import { ARRAY_GROWTH, BINARY_ENCODERS, type FieldEncoder, encodeJsonb, encodeText, isArrayEncoder } from './binary-values.js';
import { fieldText, parseRow } from './copy-text.js';
import type { TablePlan } from './plan.js';
import { plainWord } from '../archive/row-lines.js';
import { CopyTranscoder, isHex } from './transcode.js';

/**
 * Restore's binary COPY: archive lines in, `COPY … FROM STDIN (FORMAT binary)` tuples out. The server then runs
 * each type's receive function instead of its input function, which for the types here is most of what a text
 * COPY costs it (timestamptz, numeric and bytea parse most slowly). The client pays little more than for text:
 * the same byte-level walk over each line (transcode.ts), with each value handed to its type's encoder
 * (binary-values.ts), which writes exactly the bytes the server's own send function would.
 *
 * Never a different value than text COPY would store: a table goes binary only when every restored column's type
 * is exactly the archived one and has an encoder (binaryEncoders), and the first value an encoder cannot vouch
 * for stops the binary attempt for the whole table (BinaryGaveUp): execute.ts then rolls back to a savepoint
 * and loads the table with text COPY, whose input functions decide.
 */

/** PGCOPY signature, flags (no OIDs), no header extension */
export const BINARY_HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
/** the field count -1 that ends the data */
export const BINARY_TRAILER = Buffer.from([0xff, 0xff]);

const giveUps = new WeakSet<object>();

/** The binary attempt stopped at a value an encoder could not vouch for: load the table with text COPY instead. */
function gaveUp(table: string, column: string, line: number): PgsnapError {
  const e = new PgsnapError('internal', `${table}: binary COPY gave way to text at line ${line}, column ${column}`);
  giveUps.add(e);
  return e;
}

export function isBinaryGiveUp(e: unknown): boolean {
  return typeof e === 'object' && e !== null && giveUps.has(e);
}

/** Each restored column's encoder, when the table can be sent as binary; else why not (for --debug). */
export function binaryEncoders(t: TablePlan): FieldEncoder[] | string {
  const types = t.sameTypes;
  if (!types || types.length !== t.columns.length) return 'the plan has no column types';
  const encoders: FieldEncoder[] = [];
  for (let i = 0; i < t.columns.length; i++) {
    const type = types[i];
    const column = t.columns[i] as string;
    if (type === null || type === undefined) return `column ${column} changed type since the backup`;
    const encoder = BINARY_ENCODERS.get(type);
    if (!encoder) return `column ${column} is ${t.archived.columns.find((c) => c.name === column)?.type ?? type}, which has no binary encoder`;
    encoders.push(encoder);
  }
  return encoders.length > 0 ? encoders : 'no columns';
}

/** JSON's true and false as the text COPY path spells them: what a column's encoder reads for them */
const TRUE_TEXT = Buffer.from('t');
const FALSE_TEXT = Buffer.from('f');

/**
 * The archive → binary COPY transcoder. Same walk as CopyTranscoder's fast path: the manifest's keys in order,
 * each value a JSON string, integer, boolean or null; a JSON string's content with no escape is passed to the
 * encoder where it lies, one with escapes is decoded into a scratch buffer first. Any other line goes through
 * JSON.parse (with the same key checks as text), and its values through the same encoders.
 * Output per line: 2 bytes of field count, per field at most 4 + 32 + the value's archived length.
 */
export class BinaryTranscoder extends CopyTranscoder {
  protected override readonly slackPerColumn = 40;
  private scratch = Buffer.allocUnsafe(4096);
  /** per restored column: TEXT or JSONB when its encoder is encodeText or encodeJsonb (the fast path copies those itself), else 0 */
  private readonly kinds: number[];

  constructor(
    private readonly table: string,
    private readonly archiveColumns: readonly string[],
    private readonly wanted: readonly string[],
    private readonly encoders: readonly FieldEncoder[],
    chunkSize = 1 << 20,
  ) {
    super(archiveColumns, wanted, chunkSize);
    if (encoders.some(isArrayEncoder)) this.growth = ARRAY_GROWTH;
    this.kinds = encoders.map((e) => (e === encodeText ? TEXT : e === encodeJsonb ? JSONB : 0));
  }

  protected override slowLine(line: string, done: Buffer[]): void {
    const values = this.named(() => parseRow(line, this.archiveColumns));
    const texts = this.wanted.map((name) => this.named(() => fieldText(values[name], name)));
    const bytes = texts.map((t) => (t === null ? null : Buffer.from(t, 'utf8')));
    this.reserve(2 + bytes.reduce((n, b) => n + 36 + this.growth * (b?.length ?? 0), 0), done);
    const out = this.out;
    let o = this.length;
    out[o++] = (this.wanted.length >> 8) & 0xff;
    out[o++] = this.wanted.length & 0xff;
    for (let j = 0; j < bytes.length; j++) {
      const b = bytes[j];
      if (b === null || b === undefined) {
        o = putNull(out, o);
        continue;
      }
      o = (this.encoders[j] as FieldEncoder)(b, 0, b.length, out, o);
      if (o < 0) throw gaveUp(this.table, this.wanted[j] as string, this.lineNo);
    }
    this.length = o;
  }

  protected override transcode(src: Buffer, sv: DataView, start: number, end: number): boolean {
    const out = this.out;
    const ov = this.outView;
    let o = this.length;
    const fields = this.encoders.length;
    out[o++] = (fields >> 8) & 0xff;
    out[o++] = fields & 0xff;
    let p = start;
    let j = 0;
    for (let i = 0; i < this.keys.length; i++) {
      p = this.afterKey(i, src, sv, p, end);
      if (p < 0) return false;
      const encoder = this.keep[i] ? (this.encoders[j++] as FieldEncoder) : undefined;
      const c = src[p];
      let r = 0;
      if (c === 34 /* " */) {
        const from = ++p;
        let escaped = false;
        // text and jsonb: the characters are the field; copied while scanning, the length written after
        const kind = encoder ? (this.kinds[j - 1] as number) : 0;
        const content = o + kind;
        let w = content;
        for (;;) {
          // runs of bytes that are not a control character, `"` or `\\` (plainWord)
          while (p + 4 <= end) {
            const word = sv.getInt32(p, true);
            if (!plainWord(word)) break;
            if (kind !== 0 && !escaped) {
              ov.setInt32(w, word, true);
              w += 4;
            }
            p += 4;
          }
          if (p >= end) return false;
          const b = src[p] as number;
          if (b === 34) break;
          if (b < 0x20) return false; // raw control characters are not JSON
          if (b === 92) {
            escaped = true;
            p += src[p + 1] === 117 /* u */ ? 6 : 2;
          } else {
            if (kind !== 0 && !escaped) out[w++] = b;
            p++;
          }
        }
        const to = p++;
        if (!encoder) continue;
        if (kind !== 0) {
          const n = escaped ? this.unescape(src, from, to, out, content) : w - content;
          if (n < 0) return false;
          if (kind === JSONB) {
            putLength(out, o, n + 1);
            out[o + 4] = 1;
          } else putLength(out, o, n);
          r = content + n;
        } else if (!escaped) r = encoder(src, from, to, out, o);
        else {
          if (this.scratch.length < to - from) this.scratch = Buffer.allocUnsafe(2 * (to - from));
          const n = this.unescape(src, from, to, this.scratch, 0);
          if (n < 0) return false;
          r = encoder(this.scratch, 0, n, out, o);
        }
      } else if (c === 110 /* n */) {
        if (src[p + 1] !== 117 || src[p + 2] !== 108 || src[p + 3] !== 108) return false;
        p += 4;
        if (encoder) r = putNull(out, o);
      } else if (c === 116 /* t */) {
        if (src[p + 1] !== 114 || src[p + 2] !== 117 || src[p + 3] !== 101) return false;
        p += 4;
        if (encoder) r = encoder(TRUE_TEXT, 0, 1, out, o);
      } else if (c === 102 /* f */) {
        if (src[p + 1] !== 97 || src[p + 2] !== 108 || src[p + 3] !== 115 || src[p + 4] !== 101) return false;
        p += 5;
        if (encoder) r = encoder(FALSE_TEXT, 0, 1, out, o);
      } else if (c === 45 /* - */ || (c !== undefined && c >= 48 && c <= 57)) {
        const from = p;
        if (c === 45) p++;
        const digits = p;
        while (p < end && (src[p] as number) >= 48 && (src[p] as number) <= 57) p++;
        if (p === digits) return false;
        // a fraction or an exponent: JSON.parse, then String(), as the text path does
        if (p < end && (src[p] === 46 || src[p] === 101 || src[p] === 69)) return false;
        if (encoder) r = encoder(src, from, p, out, o);
      } else {
        return false;
      }
      if (!encoder) continue;
      if (r < 0) throw gaveUp(this.table, this.wanted[j - 1] as string, this.lineNo);
      o = r;
    }
    if (p !== end - 1 || src[p] !== 125 /* } */) return false;
    this.length = o;
    return true;
  }

  /**
   * The content of the JSON string src[from, to) decoded as UTF-8 into d[at…] (room for to - from bytes); its
   * length, or -1 for what JSON.parse should judge (a malformed escape, a lone surrogate).
   */
  private unescape(src: Buffer, from: number, to: number, d: Buffer, at: number): number {
    let n = at;
    for (let p = from; p < to; ) {
      const b = src[p] as number;
      if (b !== 92) {
        d[n++] = b;
        p++;
        continue;
      }
      const e = src[p + 1];
      p += 2;
      if (e === 34 || e === 92 || e === 47) d[n++] = e;
      else if (e === 110) d[n++] = 10;
      else if (e === 116) d[n++] = 9;
      else if (e === 114) d[n++] = 13;
      else if (e === 98) d[n++] = 8;
      else if (e === 102) d[n++] = 12;
      else if (e === 117) {
        let u = hex4(src, p, to);
        p += 4;
        if (u < 0) return -1;
        if (u >= 0xd800 && u <= 0xdfff) {
          // a high surrogate followed by \\u and a low one: one code point beyond the BMP
          const low = u <= 0xdbff && src[p] === 92 && src[p + 1] === 117 ? hex4(src, p + 2, to) : -1;
          if (low < 0xdc00 || low > 0xdfff) return -1;
          u = 0x10000 + ((u - 0xd800) << 10) + (low - 0xdc00);
          p += 6;
        }
        // UTF-8: a \\uXXXX escape is 6 bytes and writes at most 3; a pair is 12 and writes 4
        if (u < 0x80) d[n++] = u;
        else if (u < 0x800) {
          d[n++] = 0xc0 | (u >> 6);
          d[n++] = 0x80 | (u & 0x3f);
        } else if (u < 0x10000) {
          d[n++] = 0xe0 | (u >> 12);
          d[n++] = 0x80 | ((u >> 6) & 0x3f);
          d[n++] = 0x80 | (u & 0x3f);
        } else {
          d[n++] = 0xf0 | (u >> 18);
          d[n++] = 0x80 | ((u >> 12) & 0x3f);
          d[n++] = 0x80 | ((u >> 6) & 0x3f);
          d[n++] = 0x80 | (u & 0x3f);
        }
      } else return -1;
    }
    return n - at;
  }
}

/** the kinds of BinaryTranscoder.kinds: the offset of the characters in the field (after the length, and jsonb's version byte) */
const TEXT = 4;
const JSONB = 5;

function putLength(out: Buffer, o: number, n: number): void {
  out[o] = n >>> 24;
  out[o + 1] = (n >>> 16) & 0xff;
  out[o + 2] = (n >>> 8) & 0xff;
  out[o + 3] = n & 0xff;
}

function putNull(out: Buffer, o: number): number {
  out[o] = 0xff;
  out[o + 1] = 0xff;
  out[o + 2] = 0xff;
  out[o + 3] = 0xff;
  return o + 4;
}

/** four hex digits at src[p…] (before `to`) as a number, or -1 */
function hex4(src: Buffer, p: number, to: number): number {
  if (p + 4 > to) return -1;
  let v = 0;
  for (let k = 0; k < 4; k++) {
    const c = src[p + k];
    if (!isHex(c)) return -1;
    const x = c as number;
    v = (v << 4) | (x <= 57 ? x - 48 : (x | 0x20) - 87);
  }
  return v;
}
