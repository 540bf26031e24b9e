import type { Session } from '../db/client.js';
import { copyRowsSql, isNativeJsonType, type RowSource } from './row-sql.js';
import { internalError } from '../errors.js';
import { Fingerprint } from './fingerprint.js';

/**
 * COPY text rows in, archive lines out (format.ts, "Row encoding"), as a streaming byte machine.
 *
 * Why not let the server print JSON: on our 2-core machine `COPY (SELECT row_to_json(r) …)` of a 2M-row table
 * kept the server busy for 8 s, plain `COPY … TO STDOUT` for 2.6 s, and the client sat idle. Doing the JSON in
 * the client splits the work across both cores. The two spellings map almost byte for byte: COPY text writes a
 * value as its type's output text with `\\ \b \f \n \r \t \v` escaped and other control characters raw; a JSON
 * string (as PostgreSQL's escape_json writes it, which this reproduces exactly) escapes `" \\ \b \f \n \r \t`
 * and writes other control characters as `\u00XX`. So only `"`, `\v` and raw control characters change.
 *
 * It never holds a row: a 50 MB bytea value passes through in COPY's chunks, so memory stays bounded.
 */
export interface LineColumn {
  readonly name: string;
  readonly type: string;
}

enum Field {
  /** nothing of the field seen yet */
  Start,
  /** inside a string value */
  Text,
  /** inside a native value (boolean, integer) */
  Native,
  /** after \N: only a delimiter or the end of the row may follow */
  Null,
}

const HEX = '0123456789abcdef';
const HEX_BYTES = Buffer.from(HEX, 'latin1');

/** Where `CopyToJsonLines` can send lines instead of returning them (archive/fingerprint.ts Fingerprint is one). */
export interface LineSink {
  update(bytes: Uint8Array, start: number, end: number): void;
  endLine(): void;
}

/** Archive lines handed out by `CopyToJsonLines`: a line may go on into the next piece; `lines` end in this one. */
export interface LinePiece {
  readonly bytes: Buffer;
  readonly lines: number;
}

/**
 * Four bytes (little-endian `w`) with no byte below 0x20, no `"` and no `\\`: a run that a COPY text field and a
 * JSON string spell alike, so the converters here and in restore (transcode.ts, binary-copy.ts) copy it as it is.
 * The test is exact: a byte in the range makes its lane's high bit show.
 */
export function plainWord(w: number): boolean {
  const q = w ^ 0x22222222;
  const s = w ^ 0x5c5c5c5c;
  return ((((w - 0x20202020) & ~w) | ((q - 0x01010101) & ~q) | ((s - 0x01010101) & ~s)) & 0x80808080) === 0;
}

export class CopyToJsonLines {
  /** rows completed so far */
  rows = 0;
  /** rows whose newline is in a piece handed out */
  private rowsOut = 0;
  private readonly keys: Uint8Array[];
  private readonly native: boolean[];
  private readonly boolean: boolean[];
  private readonly out: Buffer;
  private readonly outView: DataView;
  private o = 0;
  /** where the current line starts in `out` (what the sink has not been given of it starts there) */
  private lineStart = 0;
  private col = 0;
  private inRow = false;
  private field = Field.Start;
  /** a backslash ended the previous chunk */
  private escape = false;

  /**
   * room kept free in the output buffer before each input byte: the most one byte can write is a row's start and
   * its empty first field (`{` key `""` key), two keys plus punctuation. (It was one key: an empty first field at
   * the end of the buffer, with long column names, lost the bytes that did not fit, and nothing noticed.)
   */
  private readonly slack: number;

  /**
   * With `sink`, every line is also fed to it as it is made (its `update` gets the bytes of the current line,
   * without the newline, in one or more pieces; `endLine` ends it), straight from the output buffer: backup's
   * fingerprint never scans the lines again. `emit` says whether the lines are handed out too (by default only
   * without a sink): without, `push` returns nothing and a line leaves the buffer as soon as the sink has it.
   */
  constructor(
    columns: readonly LineColumn[],
    private readonly chunkSize = 1 << 20,
    private readonly sink?: LineSink,
    private readonly emit = sink === undefined,
  ) {
    if (!primed) prime();
    // keys as PostgreSQL writes them: escape_json of the name, which JSON.stringify matches for valid text
    this.keys = columns.map((c, i) => new Uint8Array(Buffer.from(`${i === 0 ? '' : ','}${JSON.stringify(c.name)}:`)));
    this.native = columns.map((c) => isNativeJsonType(c.type));
    this.boolean = columns.map((c) => c.type === 'boolean');
    this.slack = 2 * Math.max(0, ...this.keys.map((k) => k.length)) + 16;
    this.out = Buffer.allocUnsafe(Math.max(chunkSize, this.slack * 4));
    this.outView = new DataView(this.out.buffer, this.out.byteOffset, this.out.byteLength);
  }

  /** Feed COPY text bytes; returns complete output chunks (copies: the caller may keep them). */
  push(chunk: Buffer): Buffer[] {
    return this.pushPieces(chunk).map((p) => p.bytes);
  }

  /** `push`, saying how many lines end in each piece (backup splits entries at line boundaries) */
  pushPieces(chunk: Buffer): LinePiece[] {
    const done: LinePiece[] = [];
    const n = this.keys.length;
    const len = chunk.length;
    let i = 0;
    while (i < len) {
      if (this.o + this.slack >= this.out.length) this.flush(done);
      i = this.common(chunk, i, len);
      if (i >= len) break;
      if (this.o + this.slack >= this.out.length) continue;
      // the general path, one byte at a time: what `common` leaves (rare escapes, errors, a table without columns)
      const out = this.out;
      const b = chunk[i++] as number;
      if (!this.inRow) {
        this.inRow = true;
        out[this.o++] = 123; // {
        if (n > 0) this.writeKey(0);
        this.col = 0;
        this.field = Field.Start;
      }
      if (this.escape) {
        this.escape = false;
        this.escaped(b);
        continue;
      }
      if (b === 9 || b === 10) {
        // end of a field: tab before the next one, newline at the end of the row
        if (n > 0) this.closeField();
        if (b === 9) {
          if (++this.col >= n) throw internalError(`COPY row has more than ${n} fields`);
          this.writeKey(this.col);
          this.field = Field.Start;
        } else {
          if (n > 0 && this.col !== n - 1) throw internalError(`COPY row has ${this.col + 1} fields, expected ${n}`);
          out[this.o++] = 125; // }
          this.endLine();
          this.inRow = false;
          this.field = Field.Start;
          this.rows++;
        }
        continue;
      }
      if (b === 92 /* \ */) {
        this.escape = true;
        continue;
      }
      switch (this.field) {
        case Field.Start:
          if (this.native[this.col]) {
            this.field = Field.Native;
            this.nativeByte(b);
          } else {
            out[this.o++] = 34; // "
            this.field = Field.Text;
            this.textByte(b);
          }
          break;
        case Field.Text:
          this.textByte(b);
          break;
        case Field.Native:
          this.nativeByte(b);
          break;
        case Field.Null:
          throw internalError('COPY field continues after \\N');
      }
    }
    if (this.o >= this.chunkSize / 2) this.flush(done);
    return done;
  }

  /**
   * The bytes of ordinary rows, with the machine's state in locals: plain bytes, quotes, the usual escapes, raw
   * control characters, NULLs, field and row ends. Writes exactly what the general path in `push` writes for
   * them (the pinned tests in tests/unit/row-lines.test.ts hold both to the same bytes) and stops, without
   * consuming it, at a byte it leaves to that path: `\v`, a backslash at the end of the chunk, anything that is
   * an error. Also stops at the end of the chunk or when the output buffer is full. Returns where it stopped.
   */
  private common(chunk: Buffer, start: number, len: number): number {
    const keys = this.keys;
    const n = keys.length;
    if (n === 0 || this.escape) return start;
    const out = this.out;
    const limit = out.length - this.slack;
    const cv = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const ov = this.outView;
    const native = this.native;
    const boolean = this.boolean;
    let i = start;
    let o = this.o;
    let col = this.col;
    let field = this.field;
    let inRow = this.inRow;
    while (i < len && o < limit) {
      if (!inRow) {
        out[o++] = 123; // {
        const key = keys[0] as Uint8Array;
        for (let k = 0; k < key.length; k++) out[o++] = key[k] as number;
        col = 0;
        field = Field.Start;
        inRow = true;
        continue;
      }
      if (field === Field.Text) {
        // the common case, a run of bytes that stay as they are: four at a time while plainWord
        while (i + 4 <= len && o < limit) {
          const w = cv.getInt32(i, true);
          if (!plainWord(w)) break;
          ov.setInt32(o, w, true);
          o += 4;
          i += 4;
        }
        if (i === len || o >= limit) break;
      }
      let b = chunk[i] as number;
      if (field === Field.Text) {
        while (b >= 0x20 && b !== 34 && b !== 92) {
          out[o++] = b;
          if (++i === len || o >= limit) break;
          b = chunk[i] as number;
        }
        if (i === len || o >= limit) break;
      }
      if (b === 9) {
        if (col + 1 >= n) break;
        if (field === Field.Text) out[o++] = 34;
        else if (field === Field.Start) {
          // an empty field: the empty string (a native type never prints as nothing)
          out[o++] = 34;
          out[o++] = 34;
        }
        const key = keys[++col] as Uint8Array;
        for (let k = 0; k < key.length; k++) out[o++] = key[k] as number;
        field = Field.Start;
        i++;
        continue;
      }
      if (b === 10) {
        if (col !== n - 1) break;
        if (field === Field.Text) out[o++] = 34;
        else if (field === Field.Start) {
          out[o++] = 34;
          out[o++] = 34;
        }
        out[o++] = 125; // }
        this.o = o;
        this.endLine();
        o = this.o;
        this.rows++;
        inRow = false;
        field = Field.Start;
        i++;
        continue;
      }
      if (field === Field.Null) break;
      if (b === 92 /* \ */) {
        if (i + 1 === len || field === Field.Native) break;
        const c = chunk[i + 1] as number;
        if (field === Field.Start && c === 78 /* N */) {
          out[o++] = 110; // null
          out[o++] = 117;
          out[o++] = 108;
          out[o++] = 108;
          field = Field.Null;
          i += 2;
          continue;
        }
        // \\ \b \f \n \r \t stay as they are; \v and anything else go to the general path
        if (c !== 92 && c !== 98 && c !== 102 && c !== 110 && c !== 114 && c !== 116) break;
        if (field === Field.Start) {
          out[o++] = 34;
          field = Field.Text;
        }
        out[o++] = 92;
        out[o++] = c;
        i += 2;
        continue;
      }
      if (field === Field.Start && native[col]) {
        if (boolean[col]) {
          if (b === 116) {
            out[o++] = 116; // true
            out[o++] = 114;
            out[o++] = 117;
            out[o++] = 101;
          } else if (b === 102) {
            out[o++] = 102; // false
            out[o++] = 97;
            out[o++] = 108;
            out[o++] = 115;
            out[o++] = 101;
          } else break;
        } else if ((b >= 48 && b <= 57) || b === 45) out[o++] = b;
        else break;
        field = Field.Native;
        i++;
        continue;
      }
      if (field === Field.Native) {
        if (boolean[col] || !((b >= 48 && b <= 57) || b === 45)) break;
        out[o++] = b;
        i++;
        continue;
      }
      // a text field: its opening quote, then a quote or a control character
      if (field === Field.Start) {
        out[o++] = 34;
        field = Field.Text;
      }
      if (b === 34) {
        out[o++] = 92;
        out[o++] = 34;
      } else if (b < 0x20) {
        out[o++] = 92; // \u00XX, lowercase hex, as escape_json writes it
        out[o++] = 117;
        out[o++] = 48;
        out[o++] = 48;
        out[o++] = HEX_BYTES[b >> 4] as number;
        out[o++] = HEX_BYTES[b & 15] as number;
      } else out[o++] = b;
      i++;
    }
    this.o = o;
    this.col = col;
    this.field = field;
    this.inRow = inRow;
    return i;
  }

  /** a row's closing brace is written: the line goes to the sink, and the newline is written or the buffer reused */
  private endLine(): void {
    if (this.sink) {
      this.sink.update(this.out, this.lineStart, this.o);
      this.sink.endLine();
    }
    if (this.emit) this.out[this.o++] = 10;
    // not handing lines out: the next starts at the front of the (cache-warm) buffer
    else this.o = 0;
    this.lineStart = this.o;
  }

  /** End of the COPY stream: it must end between rows. */
  end(): Buffer[] {
    return this.endPieces().map((p) => p.bytes);
  }

  endPieces(): LinePiece[] {
    if (this.inRow || this.escape) throw internalError('COPY data ended in the middle of a row');
    const done: LinePiece[] = [];
    this.flush(done);
    return done;
  }

  private flush(done: LinePiece[]): void {
    if (this.o === 0) return;
    // the part of the current line made so far
    if (this.sink && this.o > this.lineStart) this.sink.update(this.out, this.lineStart, this.o);
    if (this.emit) {
      // a copy: measured, cheaper than handing out this buffer and going on in a fresh one (its pages are new)
      done.push({ bytes: Buffer.from(this.out.subarray(0, this.o)), lines: this.rows - this.rowsOut });
      this.rowsOut = this.rows;
    }
    this.o = 0;
    this.lineStart = 0;
  }

  private writeKey(i: number): void {
    const key = this.keys[i] as Uint8Array;
    this.out.set(key, this.o);
    this.o += key.length;
  }

  private closeField(): void {
    const out = this.out;
    if (this.field === Field.Text) out[this.o++] = 34;
    else if (this.field === Field.Start) {
      // an empty field: the empty string (a native type never prints as nothing)
      out[this.o++] = 34;
      out[this.o++] = 34;
    }
  }

  /** the byte after a backslash */
  private escaped(b: number): void {
    const out = this.out;
    if (this.field === Field.Start && b === 78 /* N */) {
      out[this.o++] = 110; // null
      out[this.o++] = 117;
      out[this.o++] = 108;
      out[this.o++] = 108;
      this.field = Field.Null;
      return;
    }
    if (this.field === Field.Native || this.field === Field.Null) throw internalError(`unexpected escape \\${String.fromCharCode(b)} in a COPY field`);
    if (this.field === Field.Start) {
      out[this.o++] = 34;
      this.field = Field.Text;
    }
    switch (b) {
      case 92: // \\
      case 98: // \b
      case 102: // \f
      case 110: // \n
      case 114: // \r
      case 116: // \t
        out[this.o++] = 92;
        out[this.o++] = b;
        return;
      case 118: // \v (0x0b): JSON has no short form
        this.unicode(0x0b);
        return;
      default:
        throw internalError(`unexpected escape \\${String.fromCharCode(b)} in COPY text`);
    }
  }

  private textByte(b: number): void {
    if (b < 0x20) this.unicode(b);
    else if (b === 34) {
      this.out[this.o++] = 92;
      this.out[this.o++] = 34;
    } else this.out[this.o++] = b;
  }

  private nativeByte(b: number): void {
    if (this.boolean[this.col]) {
      if (b === 116) this.o += this.out.write('true', this.o, 'latin1');
      else if (b === 102) this.o += this.out.write('false', this.o, 'latin1');
      else throw internalError(`unexpected boolean text in COPY: ${String.fromCharCode(b)}`);
    } else if ((b >= 48 && b <= 57) || b === 45) {
      this.out[this.o++] = b;
    } else {
      throw internalError(`unexpected integer text in COPY: ${String.fromCharCode(b)}`);
    }
  }

  /** `\u00XX`, lowercase hex, as escape_json writes it */
  private unicode(code: number): void {
    const out = this.out;
    out[this.o++] = 92;
    out[this.o++] = 117;
    out[this.o++] = 48;
    out[this.o++] = 48;
    out[this.o++] = HEX.charCodeAt(code >> 4);
    out[this.o++] = HEX.charCodeAt(code & 15);
  }
}

let primed = false;

/** a few rows that take every branch of the converter's loops (see `prime`) */
const PRIMER_COLUMNS: readonly LineColumn[] = [
  { name: 'id', type: 'integer' },
  { name: 'flag', type: 'boolean' },
  { name: 'name', type: 'text' },
  { name: 'data', type: 'bytea' },
];
const PRIMER = Buffer.from(
  '-12345\tt\tplain words that run on for a while\t\\\\x00ff\n' +
    '7\tf\ta "quoted" word\u0001 and \\t\\n\\r\\b\\f\\\\ \\v\t\n' +
    '\\N\t\\N\t\\N\t\\N\n',
  'latin1',
);

/**
 * Runs the converter once over rows that take every branch, before the first real table. Why: V8 optimises the
 * converter's loop while the first tables are still being read, and optimised code that meets a branch it never
 * saw (the first boolean column, the first NULL in a number column) is thrown away and compiled again: three
 * compilations of `common` in a backup of Northwind (20-35 ms each as --trace-opt times them, on a compiler thread
 * beside the server). With every branch seen first, one compilation does. The throwaway converter's lines go nowhere.
 */
function prime(): void {
  primed = true;
  const sink: LineSink = new Fingerprint();
  for (const step of [PRIMER.length, 5, 3]) {
    const machine = new CopyToJsonLines(PRIMER_COLUMNS, 4096, sink, true);
    for (let i = 0; i < PRIMER.length; i += step) machine.pushPieces(PRIMER.subarray(i, i + step));
    machine.endPieces();
  }
}

/**
 * Prime the converter and run it long enough (about 25 KB of the primer's rows, 1–2 ms unoptimised) for V8 to
 * compile its loop now, on a compiler thread, instead of during the first tables. Backup calls it while it waits
 * for its connection and catalog, so a small database's tables are converted by compiled code from the first
 * row (Northwind's 14 COPYs: 65 → 43 ms).
 */
export function warmLineConverter(): void {
  const machine = new CopyToJsonLines(PRIMER_COLUMNS, 4096, new Fingerprint(), true);
  for (let r = 0; r < WARM_ROUNDS; r++) machine.pushPieces(PRIMER);
  machine.endPieces();
}

/** rounds of the primer after which V8 (Node 20) has marked the loop for optimisation (found with --trace-opt) */
const WARM_ROUNDS = 200;

/** The archive lines of a COPY text stream. */
async function* copyTextToLines(source: AsyncIterable<Buffer>, columns: readonly LineColumn[]): AsyncGenerator<Buffer> {
  const machine = new CopyToJsonLines(columns);
  for await (const chunk of source) yield* machine.push(chunk);
  yield* machine.end();
}

/**
 * A table's rows, read from `s` with plain COPY, turned into archive lines and fed straight to `sink` (the table's
 * fingerprint, without a line ever being copied out). Returns the number of rows.
 */
export async function feedRowLines(s: Session, t: RowSource, sink: LineSink): Promise<number> {
  // a small buffer: in this mode it holds one line at a time (more only for a line longer than it)
  const machine = new CopyToJsonLines(t.columns, 64 * 1024, sink);
  for await (const chunk of s.copyOut(copyRowsSql(t)) as AsyncIterable<Buffer>) machine.push(chunk);
  machine.end();
  return machine.rows;
}

/** A table's rows as archive lines, read from `s` with plain COPY and converted here. */
export function readRowLines(s: Session, t: RowSource): AsyncGenerator<Buffer> {
  return copyTextToLines(s.copyOut(copyRowsSql(t)) as AsyncIterable<Buffer>, t.columns);
}
