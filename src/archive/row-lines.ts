import type { Session } from '../db/client.js';
import { copyRowsSql, isNativeJsonType, type RowSource } from './row-sql.js';
import { internalError } from '../errors.js';

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

/** Where `CopyToJsonLines` can send lines instead of returning them (archive/fingerprint.ts Fingerprint is one). */
export interface LineSink {
  update(bytes: Uint8Array, start: number, end: number): void;
  endLine(): void;
}

export class CopyToJsonLines {
  /** rows completed so far */
  rows = 0;
  private readonly keys: Buffer[];
  private readonly native: boolean[];
  private readonly boolean: boolean[];
  private out: Buffer;
  private o = 0;
  private col = 0;
  private inRow = false;
  private field = Field.Start;
  /** a backslash ended the previous chunk */
  private escape = false;

  /** room kept free in the output buffer before each input byte: a key plus the longest escape and punctuation */
  private readonly slack: number;

  /**
   * With `sink`, the lines are not handed out at all but fed to it as they are made (its `update` gets the bytes of
   * the current line, without the newline, in one or more pieces; `endLine` ends it), and `push` returns nothing:
   * a fingerprint of a table then never copies a line.
   */
  constructor(
    columns: readonly LineColumn[],
    private readonly chunkSize = 1 << 20,
    private readonly sink?: LineSink,
  ) {
    // keys as PostgreSQL writes them: escape_json of the name, which JSON.stringify matches for valid text
    this.keys = columns.map((c, i) => Buffer.from(`${i === 0 ? '' : ','}${JSON.stringify(c.name)}:`));
    this.native = columns.map((c) => isNativeJsonType(c.type));
    this.boolean = columns.map((c) => c.type === 'boolean');
    this.slack = Math.max(0, ...this.keys.map((k) => k.length)) + 16;
    this.out = Buffer.allocUnsafe(Math.max(chunkSize, this.slack * 4));
  }

  /** Feed COPY text bytes; returns complete output chunks. */
  push(chunk: Buffer): Buffer[] {
    const done: Buffer[] = [];
    const n = this.keys.length;
    const len = chunk.length;
    let i = 0;
    while (i < len) {
      if (this.o + this.slack >= this.out.length) this.flush(done);
      const out = this.out;
      if (this.field === Field.Text && this.inRow && !this.escape) {
        // the common case, a run of bytes that stay as they are; stop where escaping may be needed
        let o = this.o;
        const limit = Math.min(len, i + (out.length - this.slack - o));
        while (i < limit) {
          const b = chunk[i] as number;
          if (b < 0x20 || b === 34 || b === 92) break;
          out[o++] = b;
          i++;
        }
        this.o = o;
        if (i === limit) continue;
      }
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
          if (this.sink) {
            // the line is complete: hand it over and start the next at the front of the (cache-warm) buffer
            this.sink.update(out, 0, this.o);
            this.sink.endLine();
            this.o = 0;
          } else out[this.o++] = 10;
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

  /** End of the COPY stream: it must end between rows. */
  end(): Buffer[] {
    if (this.inRow || this.escape) throw internalError('COPY data ended in the middle of a row');
    const done: Buffer[] = [];
    this.flush(done);
    return done;
  }

  private flush(done: Buffer[]): void {
    if (this.o === 0) return;
    if (this.sink) this.sink.update(this.out, 0, this.o);
    else done.push(Buffer.from(this.out.subarray(0, this.o)));
    this.o = 0;
  }

  private writeKey(i: number): void {
    const key = this.keys[i] as Buffer;
    this.o += key.copy(this.out, this.o);
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
