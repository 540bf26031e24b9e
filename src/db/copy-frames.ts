import { PgsnapError } from '../errors.js';

/**
 * The CopyData payloads of a COPY … TO STDOUT, cut out of the socket's bytes in place.
 *
 * Why our own: pg-copy-streams takes a slice of every CopyData message (one per row: an object and, at a read
 * boundary, a copy) and concatenates them again per socket read — about a million small Buffers and a copy of
 * every byte for a million rows (docs/performance.md, "backup --jobs"). Here the payloads of one socket read are
 * moved together inside that read's own buffer (the socket hands each read a buffer of its own, and nothing else
 * keeps it), and handed on as one subarray of it: no allocation per row, no second buffer.
 *
 * Protocol (https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-COPY): after CopyOutResponse come
 * CopyData messages, possibly with NoticeResponse, ParameterStatus or NotificationResponse among them (skipped, as
 * pg-copy-streams does), then CopyDone. An ErrorResponse, CopyDone or any other message ends copy mode: the bytes
 * from there on belong to pg's own parser again (`rest`). An ErrorResponse is handed back before it is read, so
 * that pg parses it and fails the query.
 */

const COPY_DATA = 0x64; // d
const ERROR_RESPONSE = 0x45; // E
const COPY_OUT_RESPONSE = 0x48; // H
const NOTICE_RESPONSE = 0x4e; // N
const PARAMETER_STATUS = 0x53; // S
const NOTIFICATION_RESPONSE = 0x41; // A

/** What one socket read gave: payload bytes (a subarray of the read, possibly empty), and where copy mode ended. */
export interface Framed {
  readonly data: Buffer;
  /** copy mode ended in this read: the bytes after it (possibly empty), for pg's parser; null while it goes on */
  readonly rest: Buffer | null;
  /** copy mode ended with an ErrorResponse (its bytes start `rest`) */
  readonly failed: boolean;
}

export class CopyDataFramer {
  /** the current message's type byte, once read */
  private code = -1;
  /** bytes of the current message's length word read so far, and its value so far */
  private lengthBytes = 0;
  private length = 0;
  /** bytes of the current message's body still to come */
  private remaining = 0;
  private ended = false;

  /** Take one read from the socket. Its buffer is changed (payloads moved to its front): pass it only once. */
  feed(chunk: Buffer): Framed {
    if (this.ended) return { data: chunk.subarray(0, 0), rest: chunk, failed: false };
    const len = chunk.length;
    let w = 0;
    let i = 0;
    while (i < len) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, len - i);
        if (this.code === COPY_DATA) {
          if (w !== i) chunk.copyWithin(w, i, i + n);
          w += n;
        }
        i += n;
        this.remaining -= n;
        if (this.remaining > 0) break;
        if (this.messageEnds()) return this.end(chunk, w, i, false);
        continue;
      }
      if (this.code < 0) {
        const code = chunk[i] as number;
        if (code === ERROR_RESPONSE) return this.end(chunk, w, i, true);
        this.code = code;
        this.lengthBytes = 0;
        this.length = 0;
        i++;
        continue;
      }
      // the length word (it counts itself), possibly split across reads
      this.length = this.length * 256 + (chunk[i] as number);
      this.lengthBytes++;
      i++;
      if (this.lengthBytes === 4) {
        this.remaining = this.length - 4;
        if (this.remaining < 0)
          throw new PgsnapError(
            'connection',
            `COPY: the server sent a message of length ${this.length}, which cannot be (a broken connection or not a PostgreSQL server)`,
          );
        if (this.remaining === 0 && this.messageEnds()) return this.end(chunk, w, i, false);
      }
    }
    return { data: chunk.subarray(0, w), rest: null, failed: false };
  }

  /** the current message is complete: true when it ends copy mode */
  private messageEnds(): boolean {
    const code = this.code;
    this.code = -1;
    this.lengthBytes = 0;
    this.remaining = 0;
    return !(code === COPY_DATA || code === COPY_OUT_RESPONSE || code === NOTICE_RESPONSE || code === PARAMETER_STATUS || code === NOTIFICATION_RESPONSE);
  }

  private end(chunk: Buffer, w: number, i: number, failed: boolean): Framed {
    this.ended = true;
    // the rest is copied out: the front of this buffer now holds payload bytes handed on as `data`
    return { data: chunk.subarray(0, w), rest: Buffer.from(chunk.subarray(i)), failed };
  }
}
