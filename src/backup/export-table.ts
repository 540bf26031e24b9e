import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { type ArchivedEntry, entryName } from '../archive/format.js';
import { Fingerprint } from '../archive/fingerprint.js';
import { CopyToJsonLines, type LinePiece } from '../archive/row-lines.js';
import { copyRowsSql, type RowSource } from '../archive/row-sql.js';
import type { Session } from '../db/client.js';
import { mapPgError } from '../db/errors.js';
import { PgsnapError } from '../errors.js';

/** Where an entry's bytes go: straight into the zip, or into a spool file while another table holds the zip. */
export interface EntrySink {
  open(name: string): { stream: Writable; done: Promise<void> };
}

export interface SplitLimits {
  /** start a new entry after this many rows (at a line boundary) */
  readonly rowsPerEntry: number;
  /** …or once an entry holds this many uncompressed bytes */
  readonly bytesPerEntry: number;
}

export const DEFAULT_LIMITS: SplitLimits = { rowsPerEntry: 1_000_000, bytesPerEntry: 1 << 30 };

export interface ExportedTable {
  readonly rows: number;
  readonly bytes: number;
  readonly entries: readonly ArchivedEntry[];
  readonly fingerprint: string;
}

/** rows and bytes so far, for progress reporting */
export type OnProgress = (rows: number, bytes: number) => void;

class Part {
  readonly hash: Hash = createHash('sha256');
  bytes = 0;
  rows = 0;
  constructor(
    readonly name: string,
    readonly stream: Writable,
    readonly done: Promise<void>,
  ) {}

  /** write with backpressure: wait for drain when the zip (or spool file) is behind */
  async write(chunk: Buffer): Promise<void> {
    if (chunk.length === 0) return;
    this.hash.update(chunk);
    this.bytes += chunk.length;
    if (!this.stream.write(chunk)) {
      // A sink that fails (the disk is full) never drains: it is destroyed or errored, and `done` rejects with
      // the reason, already worded for the user.
      await Promise.race([once(this.stream, 'drain').catch(() => undefined), this.done]);
      if (this.stream.errored) await this.done;
    }
  }

  async close(): Promise<ArchivedEntry> {
    this.stream.end();
    await this.done;
    return { name: this.name, rows: this.rows, bytes: this.bytes, sha256: this.hash.digest('hex') };
  }
}

/**
 * Stream one table out of PostgreSQL into one or more NDJSON entries. Memory stays bounded whatever the row
 * size: bytes pass through in the chunks COPY delivers (db/copy-out.ts does not assemble whole rows), the
 * fingerprint is computed incrementally, and `for await` stops reading from the server while the sink is full.
 */
export async function exportTable(
  s: Session,
  table: RowSource,
  sink: EntrySink,
  limits: SplitLimits = DEFAULT_LIMITS,
  onProgress: OnProgress = () => {},
): Promise<ExportedTable> {
  const entries: ArchivedEntry[] = [];
  const fp = new Fingerprint();
  let partNo = 1;
  const openPart = () => {
    const name = entryName(table.schema, table.name, partNo++);
    const { stream, done } = sink.open(name);
    // Avoid an unhandled rejection while we are between awaits; close() awaits it properly.
    done.catch(() => {});
    return new Part(name, stream, done);
  };
  // Opened lazily, so that a table ending exactly at a split point has no empty trailing entry.
  let part = null as Part | null;
  let totalBytes = 0;
  // Each line is fingerprinted by the converter as it is made, in its output buffer (no second scan of the lines).
  const machine = new CopyToJsonLines(table.columns, 1 << 20, fp, true);
  const write = async (piece: LinePiece) => {
    const chunk = piece.bytes;
    part ??= openPart();
    if (part.rows + piece.lines < limits.rowsPerEntry && part.bytes + chunk.length < limits.bytesPerEntry) {
      // no line of this piece reaches a limit: all of it goes into the current entry
      part.rows += piece.lines;
      await part.write(chunk);
    } else {
      // an entry ends in this piece, at the first line end that reaches a limit
      let segmentStart = 0;
      for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, nl + 1)) {
        part ??= openPart();
        part.rows++;
        const p = nl + 1;
        if (part.rows >= limits.rowsPerEntry || part.bytes + (p - segmentStart) >= limits.bytesPerEntry) {
          await part.write(chunk.subarray(segmentStart, p));
          segmentStart = p;
          entries.push(await part.close());
          part = null;
        }
      }
      if (segmentStart < chunk.length) {
        part ??= openPart();
        await part.write(chunk.subarray(segmentStart));
      }
    }
    totalBytes += chunk.length;
    onProgress(fp.lines, totalBytes);
  };
  try {
    for await (const chunk of s.copyOut(copyRowsSql(table)) as AsyncIterable<Buffer>) {
      for (const piece of machine.pushPieces(chunk)) await write(piece);
    }
    for (const piece of machine.endPieces()) await write(piece);
  } catch (e) {
    part?.stream.destroy();
    throw e instanceof PgsnapError ? e : mapPgError(e, s.where);
  }
  // An empty table still gets one (empty) entry, so every table has at least one.
  if (part === null && entries.length === 0) part = openPart();
  if (part !== null) entries.push(await part.close());
  return { rows: fp.lines, bytes: totalBytes, entries, fingerprint: fp.digest() };
}
