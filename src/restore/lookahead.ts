import { Readable } from 'node:stream';
import type { ArchiveSource } from './archive-source.js';
import { BINARY_HEADER, BINARY_TRAILER, BinaryTranscoder, binaryEncoders } from './binary-copy.js';
import type { FieldEncoder } from './binary-values.js';
import type { CopyFormat } from './options.js';
import type { TablePlan } from './plan.js';
import { CopyTranscoder } from './transcode.js';

/** A table's archive entries as COPY data, possibly decoded ahead of the COPY that takes them. */
export interface DecodedTable {
  readonly table: string;
  /** the stream is COPY's binary format (else text) */
  readonly binary: boolean;
  readonly stream: Readable;
  /** for --debug: why the table goes as text, when it does */
  readonly why?: string;
  /** rows decoded so far: all of them once the stream has ended */
  rows(): number;
}

/**
 * With copy format `auto`, tables of fewer archived bytes than this stay on text COPY: binary saves the server
 * well under a microsecond a row, and costs a savepoint (two round trips) a table.
 */
const BINARY_MIN_BYTES = 256 * 1024;

/** The archived bytes of a table's entries: what its progress line counts, and what --commit-each-table orders by. */
export function archivedBytes(t: TablePlan): number {
  return t.archived.entries.reduce((n, e) => n + e.bytes, 0);
}

/** How table `t` is sent: binary COPY with these encoders, or text COPY and why (for --debug). */
function chooseFormat(t: TablePlan, format: CopyFormat): FieldEncoder[] | string {
  if (format === 'text') return 'text COPY asked for (PGSNAP_COPY_BINARY=0)';
  const bytes = archivedBytes(t);
  if (format === 'auto' && bytes < BINARY_MIN_BYTES) return `${bytes} archived bytes, under ${BINARY_MIN_BYTES}`;
  return binaryEncoders(t);
}

/** decodeTable in the format chooseFormat picks for `t`, the reason recorded when that is text. */
export function decodeFor(archive: ArchiveSource, t: TablePlan, format: CopyFormat = 'auto', aheadBytes = 0): DecodedTable {
  const how = chooseFormat(t, format);
  return typeof how === 'string' ? { ...decodeTable(archive, t, aheadBytes), why: how } : decodeTable(archive, t, aheadBytes, how);
}

/**
 * Decode (inflate, verify, transcode) a table's entries into a stream of COPY data: binary when `encoders`
 * (chooseFormat) are given, else text. With `aheadBytes` the stream fills that much on its own, before anyone
 * reads it: backpressure then pauses the decoding.
 */
export function decodeTable(archive: ArchiveSource, t: TablePlan, aheadBytes = 0, encoders?: readonly FieldEncoder[]): DecodedTable {
  const archiveColumns = t.archived.columns.map((c) => c.name);
  const transcoder = encoders ? new BinaryTranscoder(t.table, archiveColumns, t.columns, encoders) : new CopyTranscoder(archiveColumns, t.columns);
  async function* chunks(): AsyncGenerator<Buffer> {
    if (encoders) yield BINARY_HEADER;
    for (const entry of t.archived.entries) {
      // the reader checks each entry's sha256 and row count as it streams, failing at its end on a mismatch
      const stream = await archive.openEntry(entry.name);
      transcoder.entry(`${t.table}: ${entry.name}`);
      for await (const chunk of stream as AsyncIterable<Buffer>) yield* transcoder.push(chunk);
      yield* transcoder.end();
    }
    if (encoders) yield BINARY_TRAILER;
  }
  const stream = Readable.from(chunks(), { objectMode: false, ...(aheadBytes > 0 ? { highWaterMark: aheadBytes } : {}) });
  if (aheadBytes > 0) {
    // Nobody listens yet: keep an error (a corrupt entry) on the stream, where the COPY that takes it finds it.
    stream.on('error', () => {});
    stream.read(0);
  }
  return { table: t.table, binary: encoders !== undefined, stream, rows: () => transcoder.rows };
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
    private readonly format: CopyFormat = 'auto',
  ) {}

  /** The decoded stream of table `t` (started ahead, or now); starts the tables after it. */
  take(t: TablePlan): DecodedTable {
    const index = this.tables.indexOf(t);
    const decoded = (index >= 0 ? this.started.get(index) : undefined) ?? this.decode(t, 0);
    this.started.delete(index);
    for (let i = index + 1; index >= 0 && i <= index + this.depth && i < this.tables.length; i++) {
      const next = this.tables[i] as TablePlan;
      if (!this.started.has(i) && next.columns.length > 0) this.started.set(i, this.decode(next, AHEAD_BYTES));
    }
    return decoded;
  }

  private decode(t: TablePlan, aheadBytes: number): DecodedTable {
    return decodeFor(this.archive, t, this.format, aheadBytes);
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
