import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { type ArchivedEntry, entryName } from '../archive/format.js';
import { Fingerprint } from '../archive/fingerprint.js';
import { readRowLines } from '../archive/row-lines.js';
import type { RowSource } from '../archive/row-sql.js';
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
 * size: bytes pass through in the chunks COPY delivers (pg-copy-streams does not assemble whole rows), the
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
  let part: Part | null = null;
  let totalBytes = 0;
  let lastLineOpen = false;
  const copy = readRowLines(s, table);
  try {
    for await (const chunk of copy as AsyncIterable<Buffer>) {
      let segmentStart = 0;
      let p = 0;
      part ??= openPart();
      for (;;) {
        const nl = chunk.indexOf(10, p);
        if (nl < 0) {
          fp.update(chunk, p, chunk.length);
          lastLineOpen = p < chunk.length || lastLineOpen;
          break;
        }
        fp.update(chunk, p, nl);
        fp.endLine();
        lastLineOpen = false;
        part ??= openPart();
        part.rows++;
        p = nl + 1;
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
      totalBytes += chunk.length;
      onProgress(fp.lines, totalBytes);
    }
  } catch (e) {
    part?.stream.destroy();
    throw e instanceof PgsnapError ? e : mapPgError(e, s.where);
  }
  if (lastLineOpen) {
    part?.stream.destroy();
    throw new PgsnapError('backup_failed', `COPY of ${table.schema}.${table.name} ended in the middle of a row`);
  }
  // An empty table still gets one (empty) entry, so every table has at least one.
  if (part === null && entries.length === 0) part = openPart();
  if (part !== null) entries.push(await part.close());
  return { rows: fp.lines, bytes: totalBytes, entries, fingerprint: fp.digest() };
}
