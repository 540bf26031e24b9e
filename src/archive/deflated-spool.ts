import { internalError, PgsnapError } from '../errors.js';
import { readAt } from './file-reader.js';
import fs from 'node:fs';

/**
 * Where a --jobs worker keeps an entry it has already deflated while another worker holds the zip: in memory while
 * the archive's shared budget lasts, then in a spool file beside the archive (mode 0600). The zip later appends the
 * bytes as they are (archive/zip.ts addDeflated), so a spooled table is neither written out uncompressed nor read
 * back and deflated a second time: the disk sees its compressed bytes once each way, or not at all.
 *
 * Memory stays bounded whatever the table sizes: a buffer is only held if the budget has room for all of its
 * memory (the whole ArrayBuffer it is a view of counts); once one spilled,
 * the rest of that entry follows it into the file, so the bytes stay in order (memory first, then the file).
 */
export class MemoryBudget {
  private used = 0;
  constructor(private readonly limit: number) {}

  take(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used -= bytes;
  }
}

/** 1 MiB reads of a spool file: each a fresh buffer, since the zip's output stream keeps it until written. */
const READ_CHUNK = 1 << 20;

export class DeflatedSpool {
  private readonly held: Buffer[] = [];
  private heldCost = 0;
  private file: string | null = null;
  private fd = -1;
  private fileBytes = 0;
  /** the read or write in flight: the fd must not be closed under it (a write would land in the next file to get it) */
  private io: Promise<unknown> = Promise.resolve();
  private discarded = false;

  /** `newPath` names the spool file, created only if the entry does not fit in memory */
  constructor(
    private readonly budget: MemoryBudget,
    private readonly newPath: () => string,
  ) {}

  /** bytes held, in memory and on disk */
  get bytes(): number {
    let n = this.fileBytes;
    for (const b of this.held) n += b.length;
    return n;
  }

  /** keep `data` (not changed afterwards by the caller) */
  async append(data: Buffer): Promise<void> {
    if (this.discarded) throw internalError('spool already discarded');
    if (data.length === 0) return;
    if (this.fd < 0) {
      // zlib hands a block out as a view of its output buffer, often twice the block's size: keep a compact copy
      const kept = data.buffer.byteLength > 2 * data.length ? compactCopy(data) : data;
      const cost = kept.buffer.byteLength;
      if (this.budget.take(cost)) {
        this.held.push(kept);
        this.heldCost += cost;
        return;
      }
    }
    if (this.fd < 0) {
      // opened synchronously: an abort that runs between a check and an asynchronous open would miss the file
      const file = this.newPath();
      this.fd = fs.openSync(file, 'wx+', 0o600);
      this.file = file;
    }
    await this.serial(() => writeAll(this.fd, data));
    this.fileBytes += data.length;
  }

  /** the bytes, in the order they were appended */
  async *read(): AsyncGenerator<Buffer> {
    yield* this.held;
    for (let at = 0; at < this.fileBytes; ) {
      const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK, this.fileBytes - at));
      const n = await this.serial(() => readAt(this.fd, chunk, 0, chunk.length, at));
      if (n <= 0) throw new PgsnapError('io', `spool file ${this.file} ended at ${at} of ${this.fileBytes} bytes (changed or truncated by something else)`);
      at += n;
      yield n === chunk.length ? chunk : chunk.subarray(0, n);
    }
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const next = this.io.then(() => {
      if (this.discarded || this.fd < 0) throw internalError('spool already discarded');
      return op();
    });
    this.io = next.catch(() => {});
    return next;
  }

  /**
   * Give back the memory and remove the file. The file's name goes at once (nothing is left behind if the process
   * dies next); its descriptor is closed once a write in flight has settled.
   */
  async discard(): Promise<void> {
    if (this.discarded) return;
    this.discarded = true;
    this.budget.give(this.heldCost);
    this.held.length = 0;
    this.heldCost = 0;
    if (this.file !== null) fs.rmSync(this.file, { force: true });
    if (this.fd >= 0) {
      await this.io.catch(() => {});
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }
}

function compactCopy(data: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(data.length);
  data.copy(copy);
  return copy;
}

async function writeAll(fd: number, data: Buffer): Promise<void> {
  for (let at = 0; at < data.length; ) {
    at += await new Promise<number>((resolve, reject) => fs.write(fd, data, at, data.length - at, null, (e, n) => (e ? reject(e) : resolve(n))));
  }
}
