import { PgsnapError, isPgsnapError } from '../errors.js';
import { plainWord } from '../archive/row-lines.js';
import { rowEncoder } from './copy-text.js';

/**
 * Archive bytes in, COPY text bytes out, without building a JavaScript string per row.
 *
 * Restore spends its client time here: 2M rows through JSON.parse or string slicing cost 6 s on our machine,
 * longer than the server takes to load them. Working on the bytes is enough because of how the archive is
 * written (archive/format.ts): every value is null, true/false, an integer, or a JSON string of PostgreSQL's own
 * text output, and the content of such a string is already a COPY text field once two JSON spellings change:
 * `\"` becomes `"`, and `\u00XX` (how row_to_json writes control characters) becomes COPY's `\xXX`. JSON's other
 * escapes (`\\ \b \f \n \r \t`) mean the same in COPY text. Anything else — keys out of the archive's column
 * order, whitespace, `\u` beyond ASCII, nested values — is handed to the JSON.parse encoder for that one line,
 * so the output is always what `rowEncoder` would produce.
 *
 * The fast path matches every manifest column's key, in order, and the closing brace right after the last
 * value, so a line it takes holds exactly the manifest's columns. Every other line goes through `rowEncoder`,
 * which checks the key set: a line with a key the manifest lost, or without one it lists, stops the restore
 * (naming the table, entry and line) instead of loading a column as NULL. The check costs nothing per line on
 * the fast path.
 */
export class CopyTranscoder {
  /** rows transcoded so far */
  rows = 0;
  /** the entry being read ("table: entry name") and its lines so far (blank ones too, as verify counts them) */
  protected entryName = 'archive entry';
  protected lineNo = 0;
  protected readonly keys: Buffer[];
  /** each key's whole 32-bit words (little-endian), compared before its last 0–3 bytes */
  private readonly keyWords: Int32Array[];
  protected readonly keep: boolean[];
  private readonly fast: boolean;
  private readonly slow: (line: string) => string;
  protected out: Buffer;
  protected outView: DataView;
  protected length = 0;
  private carry: Buffer[] = [];
  /** the most one line's output can exceed its own length by, per column (the fast path) */
  protected readonly slackPerColumn: number = 2;
  /** and the factor by which it can exceed it (binary arrays, BinaryTranscoder) */
  protected growth = 1;

  constructor(archiveColumns: readonly string[], wanted: readonly string[], private readonly chunkSize = 1 << 20) {
    if (!primed) prime();
    this.slow = rowEncoder(archiveColumns, wanted);
    this.keys = archiveColumns.map((c, i) => Buffer.from(`${i === 0 ? '{' : ','}${JSON.stringify(c)}:`));
    this.keyWords = this.keys.map((k) => Int32Array.from({ length: k.length >> 2 }, (_, w) => k.readInt32LE(4 * w)));
    this.keep = archiveColumns.map((c) => wanted.includes(c));
    const kept = archiveColumns.filter((_, i) => this.keep[i]);
    this.fast = wanted.length > 0 && wanted.length === kept.length && wanted.every((c, i) => c === kept[i]);
    this.out = Buffer.allocUnsafe(chunkSize);
    this.outView = view(this.out);
  }

  /** The next archive entry starts, named in errors as `name` (line numbers count from its first line). */
  entry(name: string): void {
    this.entryName = name;
    this.lineNo = 0;
  }

  /** Feed archive bytes; returns the COPY chunks that are complete. */
  push(chunk: Buffer): Buffer[] {
    const done: Buffer[] = [];
    let start = 0;
    let nl = chunk.indexOf(10);
    if (nl >= 0 && this.carry.length > 0) {
      this.carry.push(chunk.subarray(0, nl));
      const line = Buffer.concat(this.carry);
      this.carry = [];
      this.line(line, view(line), 0, line.length, done);
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    const sv = view(chunk);
    for (; nl >= 0; nl = chunk.indexOf(10, start)) {
      this.line(chunk, sv, start, nl, done);
      start = nl + 1;
    }
    if (start < chunk.length) this.carry.push(Buffer.from(chunk.subarray(start)));
    if (this.length >= this.chunkSize / 2) done.push(this.take());
    return done;
  }

  /** End of the archive entry: a last line without a newline, and whatever is buffered. */
  end(): Buffer[] {
    const done: Buffer[] = [];
    if (this.carry.length > 0) {
      const line = Buffer.concat(this.carry);
      this.carry = [];
      this.line(line, view(line), 0, line.length, done);
    }
    if (this.length > 0) done.push(this.take());
    return done;
  }

  /** Room for `bytes` more at this.length, handing what is buffered to `done` first when it would not fit. */
  protected reserve(bytes: number, done: Buffer[]): void {
    if (this.length + bytes <= this.out.length) return;
    if (this.length > 0) done.push(this.take());
    if (bytes > this.out.length) {
      this.out = Buffer.allocUnsafe(bytes);
      this.outView = view(this.out);
    }
  }

  private take(): Buffer {
    const result = Buffer.from(this.out.subarray(0, this.length));
    this.length = 0;
    return result;
  }

  private line(src: Buffer, sv: DataView, start: number, end: number, done: Buffer[]): void {
    this.lineNo++;
    if (end === start) return;
    // the fast path never writes more than the line plus a little per column (text: keys shrink to tabs, quotes
    // vanish, escapes keep or lose length; binary: see BinaryTranscoder)
    this.reserve((end - start) * this.growth + this.slackPerColumn * this.keys.length + 8, done);
    // partial output of the fast path is simply overwritten: this.length only moves on success
    if (!this.fast || !this.transcode(src, sv, start, end)) this.slowLine(src.toString('utf8', start, end), done);
    this.rows++;
  }

  /** The line through JSON.parse, appended to the output (reserving room itself). */
  protected slowLine(line: string, done: Buffer[]): void {
    const text = this.named(() => this.slow(line));
    const bytes = Buffer.byteLength(text);
    this.reserve(bytes, done);
    this.length += this.out.write(text, this.length, 'utf8');
  }

  /** Runs `f`, naming the entry and line in an archive_corrupt error it throws. */
  protected named<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (!isPgsnapError(e) || e.code !== 'archive_corrupt') throw e;
      throw new PgsnapError('archive_corrupt', `${this.entryName} line ${this.lineNo}: ${e.message}`, { ...(e.hint === undefined ? {} : { hint: e.hint }), cause: e });
    }
  }

  /** The offset after the manifest's `i`-th key (with its `{` or `,`, quotes and colon) at src[p…], or -1. */
  protected afterKey(i: number, src: Buffer, sv: DataView, p: number, end: number): number {
    const key = this.keys[i] as Buffer;
    // a word and byte loop: Buffer.compare is a native call per column, which costs more than the comparison
    const keyLength = key.length;
    if (p + keyLength > end) return -1;
    const words = this.keyWords[i] as Int32Array;
    for (let w = 0; w < words.length; w++) if (sv.getInt32(p + 4 * w, true) !== words[w]) return -1;
    for (let k = words.length * 4; k < keyLength; k++) if (src[p + k] !== key[k]) return -1;
    return p + keyLength;
  }

  /** The fast path for one line; false (with partial output to discard) when the line needs the JSON parser. */
  protected transcode(src: Buffer, sv: DataView, start: number, end: number): boolean {
    const out = this.out;
    const ov = this.outView;
    let o = this.length;
    let p = start;
    let first = true;
    for (let i = 0; i < this.keys.length; i++) {
      p = this.afterKey(i, src, sv, p, end);
      if (p < 0) return false;
      const keep = this.keep[i] as boolean;
      if (keep) {
        if (!first) out[o++] = 9; // tab
        first = false;
      }
      const c = src[p];
      if (c === 34 /* " */) {
        p++;
        for (;;) {
          // the common case, a run of bytes that stay as they are (COPY text escapes only backslash and control
          // characters, which a JSON string cannot hold raw): four at a time while plainWord
          while (p + 4 <= end) {
            const w = sv.getInt32(p, true);
            if (!plainWord(w)) break;
            if (keep) {
              ov.setInt32(o, w, true);
              o += 4;
            }
            p += 4;
          }
          if (p >= end) return false;
          const b = src[p] as number;
          if (b === 34) {
            p++;
            break;
          }
          if (b < 0x20) return false; // raw control characters are not JSON
          if (b !== 92 /* \ */) {
            if (keep) out[o++] = b;
            p++;
            continue;
          }
          const e = src[p + 1];
          if (e === 34 /* " */ || e === 47 /* / */) {
            if (keep) out[o++] = e;
            p += 2;
          } else if (e === 92 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116) {
            // \\ \b \f \n \r \t: the same two bytes in COPY text
            if (keep) {
              out[o++] = 92;
              out[o++] = e;
            }
            p += 2;
          } else if (e === 117 /* u */ && p + 6 <= end && src[p + 2] === 48 && src[p + 3] === 48 && isHex(src[p + 4]) && isHex(src[p + 5])) {
            // \u00XX: one ASCII byte; COPY text spells it \xXX (NUL cannot be in a value, so the server rejects it)
            const high = src[p + 4] as number;
            if (high > 55 /* '7' */) return false; // \u0080..\u00ff are characters beyond ASCII: let JSON.parse decode
            if (keep) {
              out[o++] = 92;
              out[o++] = 120; // x
              out[o++] = high;
              out[o++] = src[p + 5] as number;
            }
            p += 6;
          } else {
            return false;
          }
        }
      } else if (c === 110 /* n */) {
        if (src[p + 1] !== 117 || src[p + 2] !== 108 || src[p + 3] !== 108) return false;
        if (keep) {
          out[o++] = 92;
          out[o++] = 78; // \N
        }
        p += 4;
      } else if (c === 116 /* t */) {
        if (src[p + 1] !== 114 || src[p + 2] !== 117 || src[p + 3] !== 101) return false;
        if (keep) out[o++] = 116;
        p += 4;
      } else if (c === 102 /* f */) {
        if (src[p + 1] !== 97 || src[p + 2] !== 108 || src[p + 3] !== 115 || src[p + 4] !== 101) return false;
        if (keep) out[o++] = 102;
        p += 5;
      } else if (c === 45 /* - */ || (c !== undefined && c >= 48 && c <= 57)) {
        const from = p;
        if (c === 45) p++;
        const digits = p;
        while (p < end && (src[p] as number) >= 48 && (src[p] as number) <= 57) p++;
        if (p === digits) return false;
        // a byte loop: Buffer.copy is a native call, which costs more than copying a number's few bytes
        if (keep) for (let k = from; k < p; k++) out[o++] = src[k] as number;
      } else {
        return false;
      }
    }
    if (p !== end - 1 || src[p] !== 125 /* } */) return false;
    out[o++] = 10;
    this.length = o;
    return true;
  }
}

let primed = false;

/** archive lines that take every branch of the fast path: strings, escapes, \u00XX, null, booleans, integers, a column left out */
const PRIMER_COLUMNS = ['id', 'flag', 'name', 'data', 'extra'];
const PRIMER = Buffer.from(
  [
    '{"id":-12345,"flag":true,"name":"plain words that run on for a while","data":"\\\\x00ff","extra":"x"}',
    '{"id":"7","flag":false,"name":"a \\"quoted\\" word\\u0001 and \\t\\n\\/ \\\\","data":null,"extra":null}',
    '{"id":null,"flag":null,"name":null,"data":"","extra":"\u00e9"}',
    '',
  ].join('\n'),
);

/**
 * Runs the fast path once over lines that take every branch, before the first real table. Why: V8 optimises
 * `transcode` while the first tables load, and optimised code that meets a branch it never saw (the first
 * boolean, the first NULL) is thrown away and compiled again — three compilations in a restore of Northwind.
 * With every branch seen first, one does. The throwaway transcoder's output goes nowhere.
 */
function prime(): void {
  primed = true;
  for (const step of [PRIMER.length, 7]) {
    const t = new CopyTranscoder(PRIMER_COLUMNS, PRIMER_COLUMNS.slice(0, 4), 4096);
    for (let i = 0; i < PRIMER.length; i += step) t.push(PRIMER.subarray(i, i + step));
    t.end();
  }
}

function view(b: Buffer): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

export function isHex(b: number | undefined): boolean {
  return b !== undefined && ((b >= 48 && b <= 57) || (b >= 97 && b <= 102) || (b >= 65 && b <= 70));
}
