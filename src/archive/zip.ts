import type { Writable } from 'node:stream';
import zlib from 'node:zlib';
import { internalError } from '../errors.js';

/**
 * A streaming zip writer that deflates each entry in parallel blocks, the way `pigz --independent` does.
 *
 * Why our own: one zlib stream per entry (archiver) keeps a single core deflating while the other waits, and
 * deflate is what limits a backup on a small machine (docs/performance.md). An entry is cut into 1 MB blocks,
 * each compressed on its own on zlib's thread pool and ended with a full flush, so the blocks simply concatenate
 * into one valid deflate stream (a final empty block closes it). The CRC-32 is zlib's native one.
 *
 * Format notes: sizes and CRC follow each entry in a data descriptor (general purpose bit 3), names are UTF-8
 * (bit 11). pgsnap splits entries well below 4 GiB, so entry sizes are 32-bit; offsets into an archive larger than
 * 4 GiB use the ZIP64 extra field and end records, as every current unzip and yauzl read.
 */
export interface ZipEntryOptions {
  readonly date: Date;
  /** deflate level 0–9; 0 stores the bytes */
  readonly level: number;
  /** file mode recorded for unzip (e.g. 0o600) */
  readonly mode: number;
}

interface CentralRecord {
  name: Buffer;
  method: number;
  time: number;
  day: number;
  crc: number;
  compressed: number;
  size: number;
  offset: number;
  mode: number;
}

const BLOCK = 1 << 20;
const PARALLEL = 4;
/** zlib's output buffer for one block: a block of text deflates to well under this */
const OUT_CHUNK = 256 * 1024;
/**
 * An entry whose whole text is at most this when it ends is deflated in one synchronous call (BlockDeflater.finish):
 * at level 1 about 1 ms of the main thread, which the caller would spend waiting for the thread pool anyway.
 */
export const SMALL_ENTRY = 256 * 1024;
/** a final, empty, fixed-Huffman deflate block: ends a stream of full-flushed blocks */
const FINAL_BLOCK = Buffer.from([0x03, 0x00]);
const MAX32 = 0xffffffff;

export class ZipWriter {
  private offset = 0;
  private readonly records: CentralRecord[] = [];
  private failed: Error | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly out: Writable) {
    out.on('error', (e: Error) => {
      this.failed = e;
      this.wake?.();
    });
  }

  /** bytes written so far */
  get bytes(): number {
    return this.offset;
  }

  /** Write one entry from a byte source, deflating it on the way; resolves when all of it is in the output. */
  async addEntry(name: string, source: AsyncIterable<Buffer> | Iterable<Buffer>, options: ZipEntryOptions): Promise<void> {
    const offset = this.offset;
    const local = localHeader(name, options);
    await this.write(local.bytes);
    const deflater = new BlockDeflater(options.level, (data) => this.write(data));
    for await (const chunk of source) await deflater.push(chunk);
    await this.close(local, offset, await deflater.finish(), options.mode);
  }

  /**
   * Write one entry whose bytes were deflated beforehand (by a `BlockDeflater` at the same level: a --jobs worker
   * deflates the table it reads while another holds the zip). The bytes written are the same as `addEntry` writes
   * for the same data: the local header carries no CRC or sizes either way, the data descriptor after the data does.
   */
  async addDeflated(name: string, deflated: DeflatedEntry, data: AsyncIterable<Buffer> | Iterable<Buffer>, options: ZipEntryOptions): Promise<void> {
    const offset = this.offset;
    const local = localHeader(name, options);
    if (local.method !== deflated.method) throw internalError(`zip entry ${name} was prepared with method ${deflated.method}, not ${local.method}`);
    await this.write(local.bytes);
    let written = 0;
    for await (const chunk of data) {
      written += chunk.length;
      await this.write(chunk);
    }
    if (written !== deflated.compressed) throw internalError(`zip entry ${name}: ${written} prepared bytes where ${deflated.compressed} were made`);
    await this.close(local, offset, deflated, options.mode);
  }

  /** the data descriptor, and the entry's record for the central directory */
  private async close(local: LocalHeader, offset: number, d: DeflatedEntry, mode: number): Promise<void> {
    if (d.size > MAX32 || d.compressed > MAX32) throw internalError(`zip entry ${local.name.toString()} is larger than 4 GiB`);
    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(0x08074b50, 0);
    descriptor.writeUInt32LE(d.crc, 4);
    descriptor.writeUInt32LE(d.compressed, 8);
    descriptor.writeUInt32LE(d.size, 12);
    await this.write(descriptor);
    this.records.push({
      name: local.name,
      method: local.method,
      time: local.time,
      day: local.day,
      crc: d.crc,
      compressed: d.compressed,
      size: d.size,
      offset,
      mode,
    });
  }

  /** The central directory and end records. */
  async finish(): Promise<void> {
    const cdStart = this.offset;
    for (const r of this.records) {
      const zip64 = r.offset >= MAX32;
      const extra = zip64 ? Buffer.alloc(12) : Buffer.alloc(0);
      if (zip64) {
        extra.writeUInt16LE(0x0001, 0);
        extra.writeUInt16LE(8, 2);
        extra.writeBigUInt64LE(BigInt(r.offset), 4);
      }
      const h = Buffer.alloc(46);
      h.writeUInt32LE(0x02014b50, 0);
      h.writeUInt16LE((3 << 8) | (zip64 ? 45 : 20), 4); // made by: Unix; spec version
      h.writeUInt16LE(zip64 ? 45 : 20, 6);
      h.writeUInt16LE(0x0808, 8);
      h.writeUInt16LE(r.method, 10);
      h.writeUInt16LE(r.time, 12);
      h.writeUInt16LE(r.day, 14);
      h.writeUInt32LE(r.crc, 16);
      h.writeUInt32LE(r.compressed, 20);
      h.writeUInt32LE(r.size, 24);
      h.writeUInt16LE(r.name.length, 28);
      h.writeUInt16LE(extra.length, 30);
      h.writeUInt32LE(((0o100000 | r.mode) << 16) >>> 0, 38); // regular file with its mode, for unzip
      h.writeUInt32LE(zip64 ? MAX32 : r.offset, 42);
      await this.write(Buffer.concat([h, r.name, extra]));
    }
    const cdSize = this.offset - cdStart;
    const count = this.records.length;
    const needs64 = cdStart >= MAX32 || this.offset >= MAX32 || count >= 0xffff;
    if (needs64) {
      const eocd64At = this.offset;
      const e = Buffer.alloc(56);
      e.writeUInt32LE(0x06064b50, 0);
      e.writeBigUInt64LE(44n, 4);
      e.writeUInt16LE((3 << 8) | 45, 12);
      e.writeUInt16LE(45, 14);
      e.writeBigUInt64LE(BigInt(count), 24);
      e.writeBigUInt64LE(BigInt(count), 32);
      e.writeBigUInt64LE(BigInt(cdSize), 40);
      e.writeBigUInt64LE(BigInt(cdStart), 48);
      const locator = Buffer.alloc(20);
      locator.writeUInt32LE(0x07064b50, 0);
      locator.writeBigUInt64LE(BigInt(eocd64At), 8);
      locator.writeUInt32LE(1, 16);
      await this.write(Buffer.concat([e, locator]));
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(Math.min(count, 0xffff), 8);
    end.writeUInt16LE(Math.min(count, 0xffff), 10);
    end.writeUInt32LE(Math.min(cdSize, MAX32), 12);
    end.writeUInt32LE(needs64 ? MAX32 : cdStart, 16);
    await this.write(end);
  }

  private async write(data: Buffer): Promise<void> {
    if (this.failed) throw this.failed;
    this.offset += data.length;
    if (!this.out.write(data)) {
      // a destination that fails (the disk is full) never drains: its 'error' wakes the wait instead
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.out.once('drain', resolve);
      });
      this.wake = null;
    }
    if (this.failed) throw this.failed;
  }
}

interface LocalHeader {
  readonly bytes: Buffer;
  readonly name: Buffer;
  readonly method: number;
  readonly time: number;
  readonly day: number;
}

function localHeader(name: string, options: ZipEntryOptions): LocalHeader {
  const nameBytes = Buffer.from(name, 'utf8');
  const { time, day } = dosDateTime(options.date);
  const method = options.level > 0 ? 8 : 0;
  const header = Buffer.alloc(30 + nameBytes.length);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4); // version needed: 2.0
  header.writeUInt16LE(0x0808, 6); // data descriptor follows; UTF-8 name
  header.writeUInt16LE(method, 8);
  header.writeUInt16LE(time, 10);
  header.writeUInt16LE(day, 12);
  // crc and sizes are 0 here: they follow in the data descriptor
  header.writeUInt16LE(nameBytes.length, 26);
  nameBytes.copy(header, 30);
  return { bytes: header, name: nameBytes, method, time, day };
}

/** What the data descriptor of an entry says: its CRC-32 and sizes, and how it was compressed. */
export interface DeflatedEntry {
  /** 8 deflate, 0 stored */
  readonly method: number;
  readonly crc: number;
  readonly size: number;
  readonly compressed: number;
}

/**
 * One entry's bytes in, its compressed bytes out (to `emit`, in order): blocks of about 1 MB deflated on zlib's
 * thread pool, up to four at once, each ended with a full flush so that they concatenate into one deflate stream;
 * a final empty block closes it. `push` waits while four blocks are compressing, which is the backpressure.
 * A pushed chunk is kept, not copied, until its block is deflated: the caller must not change it afterwards (COPY's
 * converter, row-lines.ts, hands out a fresh buffer each time).
 * The zip writer uses one for the entry it is writing, and a --jobs worker for an entry it prepares ahead.
 */
export class BlockDeflater {
  private crc = 0;
  private size = 0;
  private compressed = 0;
  private readonly method: number;
  private readonly pending: Promise<Buffer>[] = [];
  private carry: Buffer[] = [];
  private carried = 0;

  constructor(
    private readonly level: number,
    private readonly emit: (data: Buffer) => Promise<void>,
  ) {
    this.method = level > 0 ? 8 : 0;
  }

  async push(chunk: Buffer): Promise<void> {
    if (chunk.length === 0) return;
    // a chunk that is a block's worth already is deflated as it is: no copy into a block of exactly 1 MB
    if (this.carried === 0 && chunk.length >= BLOCK / 2) return this.submit(chunk);
    this.carry.push(chunk);
    this.carried += chunk.length;
    if (this.carried >= BLOCK) await this.flushCarry();
  }

  /** the rest, the final block; what the data descriptor says */
  async finish(): Promise<DeflatedEntry> {
    // A whole entry that is still in hand and small (every table of a small database, schema.json, the manifest) is
    // deflated here in one synchronous call: no zlib stream, no hop to the thread pool and back, while the caller
    // waits for it anyway. Same deflate stream structure (one full-flushed block, then the final block).
    if (this.method === 8 && this.size === 0 && this.carried > 0 && this.carried <= SMALL_ENTRY) await this.submit(this.takeCarry(), true);
    else await this.flushCarry();
    while (this.pending.length > 0) await this.emitOne(await (this.pending.shift() as Promise<Buffer>));
    if (this.method === 8) await this.emitOne(FINAL_BLOCK);
    return { method: this.method, crc: this.crc >>> 0, size: this.size, compressed: this.compressed };
  }

  private async flushCarry(): Promise<void> {
    if (this.carried === 0) return;
    await this.submit(this.takeCarry());
  }

  private takeCarry(): Buffer {
    const block = this.carry.length === 1 ? (this.carry[0] as Buffer) : Buffer.concat(this.carry, this.carried);
    this.carry = [];
    this.carried = 0;
    return block;
  }

  /**
   * One output buffer that holds a compressed block whole: the default 16 KiB one costs a round trip between the
   * thread pool and the main thread for every 16 KiB of output. memLevel 9 (a hash table of 64 Ki entries instead
   * of 32 Ki, 128 KiB more per block in flight): the same ratio on archive lines, about 10 % less CPU. A small
   * block (the tables of a small database) gets a buffer of its own size, not 256 KiB.
   */
  private blockOptions(block: Buffer): zlib.ZlibOptions {
    return {
      level: this.level,
      memLevel: 9,
      finishFlush: zlib.constants.Z_FULL_FLUSH,
      chunkSize: Math.max(zlib.constants.Z_MIN_CHUNK, Math.min(block.length, OUT_CHUNK)),
    };
  }

  /** `whole`: the entry's only block, deflated here in one synchronous call (finish) */
  private async submit(block: Buffer, whole = false): Promise<void> {
    this.crc = zlib.crc32(block, this.crc);
    this.size += block.length;
    if (this.method === 0) return this.emitOne(block);
    if (whole) {
      // A window and hash table no larger than the entry needs: memLevel 9 and a 32 KiB window are zeroed and
      // allocated for every stream, 20-40 µs for a table of a few KiB. The stream is still a plain deflate stream
      // (no match reaches farther back than the entry is long), which any reader inflates with its usual window.
      const windowBits = Math.max(9, Math.min(15, Math.ceil(Math.log2(block.length + 262))));
      return this.emitOne(zlib.deflateRawSync(block, { ...this.blockOptions(block), memLevel: 8, windowBits }));
    }
    const deflated = new Promise<Buffer>((resolve, reject) =>
      zlib.deflateRaw(block, this.blockOptions(block), (e, r) => (e ? reject(e) : resolve(r))),
    );
    // a failed entry leaves blocks compressing: they settle without unhandled rejections (awaiting still throws)
    deflated.catch(() => {});
    this.pending.push(deflated);
    // keep a few blocks compressing while the oldest is emitted, in order
    if (this.pending.length >= PARALLEL) await this.emitOne(await (this.pending.shift() as Promise<Buffer>));
  }

  private async emitOne(data: Buffer): Promise<void> {
    this.compressed += data.length;
    await this.emit(data);
  }
}

/** MS-DOS date and time (local time, 2-second resolution), as zip stores them. */
function dosDateTime(d: Date): { time: number; day: number } {
  const year = Math.max(1980, d.getFullYear());
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    day: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}
