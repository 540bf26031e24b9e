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
/** zlib's output buffer per deflate call (see `deflate`) */
const OUT_CHUNK = 256 * 1024;
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

  /** Write one entry from a byte source; resolves when all of it is in the output. */
  async addEntry(name: string, source: AsyncIterable<Buffer> | Iterable<Buffer>, options: ZipEntryOptions): Promise<void> {
    const nameBytes = Buffer.from(name, 'utf8');
    const { time, day } = dosDateTime(options.date);
    const method = options.level > 0 ? 8 : 0;
    const offset = this.offset;
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4); // version needed: 2.0
    header.writeUInt16LE(0x0808, 6); // data descriptor follows; UTF-8 name
    header.writeUInt16LE(method, 8);
    header.writeUInt16LE(time, 10);
    header.writeUInt16LE(day, 12);
    // crc and sizes are 0 here: they follow in the data descriptor
    header.writeUInt16LE(nameBytes.length, 26);
    await this.write(Buffer.concat([header, nameBytes]));

    let crc = 0;
    let size = 0;
    let compressed = 0;
    const pending: Promise<Buffer>[] = [];
    const emit = async (data: Buffer) => {
      compressed += data.length;
      await this.write(data);
    };
    const deflate = (block: Buffer) =>
      new Promise<Buffer>((resolve, reject) =>
        // chunkSize: zlib's output buffer. At its default (16 KiB) a level-1 block of archive lines (about 250 KB
        // deflated) came back in ~16 pieces, each a trip from the pool to the main thread; OUT_CHUNK takes one or two.
        zlib.deflateRaw(
          block,
          {
            level: options.level,
            finishFlush: zlib.constants.Z_FULL_FLUSH,
            chunkSize: Math.max(zlib.constants.Z_MIN_CHUNK, Math.min(block.length, OUT_CHUNK)),
          },
          (e, r) => (e ? reject(e) : resolve(r)),
        ),
      );
    let carry: Buffer[] = [];
    let carried = 0;
    const submit = async (block: Buffer) => {
      crc = zlib.crc32(block, crc);
      size += block.length;
      if (method === 0) {
        await emit(block);
        return;
      }
      pending.push(deflate(block));
      // keep a few blocks compressing while the oldest is written, in order
      if (pending.length >= PARALLEL) await emit(await (pending.shift() as Promise<Buffer>));
    };
    try {
      for await (const chunk of source) {
        carry.push(chunk);
        carried += chunk.length;
        if (carried >= BLOCK) {
          await submit(Buffer.concat(carry, carried));
          carry = [];
          carried = 0;
        }
      }
      if (carried > 0) await submit(Buffer.concat(carry, carried));
      while (pending.length > 0) await emit(await (pending.shift() as Promise<Buffer>));
      if (method === 8) await emit(FINAL_BLOCK);
    } finally {
      // a failed write leaves blocks compressing; let them settle without unhandled rejections
      for (const p of pending) p.catch(() => {});
    }
    if (size > MAX32 || compressed > MAX32) throw internalError(`zip entry ${name} is larger than 4 GiB`);

    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(0x08074b50, 0);
    descriptor.writeUInt32LE(crc >>> 0, 4);
    descriptor.writeUInt32LE(compressed, 8);
    descriptor.writeUInt32LE(size, 12);
    await this.write(descriptor);
    this.records.push({ name: nameBytes, method, time, day, crc: crc >>> 0, compressed, size, offset, mode: options.mode });
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

/** MS-DOS date and time (local time, 2-second resolution), as zip stores them. */
function dosDateTime(d: Date): { time: number; day: number } {
  const year = Math.max(1980, d.getFullYear());
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    day: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}
