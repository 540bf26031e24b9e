import { Readable } from 'node:stream';
import type { ArchiveSource } from './archive-source.js';
import type { TablePlan } from './plan.js';
import { CopyTranscoder } from './transcode.js';

/** A table's archive entries as COPY text, possibly decoded ahead of the COPY that takes them. */
export interface DecodedTable {
  readonly table: string;
  readonly stream: Readable;
  /** rows decoded so far: all of them once the stream has ended */
  rows(): number;
}

/**
 * Decode (inflate, verify, transcode) a table's entries into a stream of COPY text. With `aheadBytes` the
 * stream fills that much on its own, before anyone reads it: backpressure then pauses the decoding.
 */
export function decodeTable(archive: ArchiveSource, t: TablePlan, aheadBytes = 0): DecodedTable {
  const transcoder = new CopyTranscoder(
    t.archived.columns.map((c) => c.name),
    t.columns,
  );
  async function* chunks(): AsyncGenerator<Buffer> {
    for (const entry of t.archived.entries) {
      // the reader checks each entry's sha256 and row count as it streams, failing at its end on a mismatch
      const stream = await archive.openEntry(entry.name);
      transcoder.entry(`${t.table}: ${entry.name}`);
      for await (const chunk of stream as AsyncIterable<Buffer>) yield* transcoder.push(chunk);
      yield* transcoder.end();
    }
  }
  const stream = Readable.from(chunks(), { objectMode: false, ...(aheadBytes > 0 ? { highWaterMark: aheadBytes } : {}) });
  if (aheadBytes > 0) {
    // Nobody listens yet: keep an error (a corrupt entry) on the stream, where the COPY that takes it finds it.
    stream.on('error', () => {});
    stream.read(0);
  }
  return { table: t.table, stream, rows: () => transcoder.rows };
}

/** COPY text buffered per table decoded ahead (at most jobs - 1 of them at once). */
const AHEAD_BYTES = 16 * 2 ** 20;

/**
 * restore --jobs N: while the one restoring connection loads a table, the next N - 1 tables of the plan are
 * already being inflated, checked and transcoded (zlib works on libuv's threads, the transcoding in the gaps the
 * COPY leaves on this one), so each COPY starts on a full buffer. The writes stay on one connection in one
 * transaction — that is what keeps a restore all or nothing, in foreign-key order.
 */
export class Lookahead {
  private readonly started = new Map<number, DecodedTable>();

  constructor(
    private readonly archive: ArchiveSource,
    private readonly tables: readonly TablePlan[],
    private readonly depth: number,
  ) {}

  /** The decoded stream of table `t` (started ahead, or now); starts the tables after it. */
  take(t: TablePlan): DecodedTable {
    const index = this.tables.indexOf(t);
    if (index < 0) return decodeTable(this.archive, t);
    const decoded = this.started.get(index) ?? decodeTable(this.archive, t);
    this.started.delete(index);
    for (let i = index + 1; i <= index + this.depth && i < this.tables.length; i++) {
      const next = this.tables[i] as TablePlan;
      if (!this.started.has(i) && next.columns.length > 0) this.started.set(i, decodeTable(this.archive, next, AHEAD_BYTES));
    }
    return decoded;
  }

  /** Table `index` is restored: drop its decoding if it was started and never taken (it was already there). */
  done(index: number): void {
    for (const [i, d] of this.started) {
      if (i > index) continue;
      d.stream.destroy();
      this.started.delete(i);
    }
  }

  /** Stop everything decoded ahead and not taken (the restore failed or ended). */
  discard(): void {
    for (const d of this.started.values()) d.stream.destroy();
    this.started.clear();
  }
}
