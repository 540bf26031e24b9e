import fs from 'node:fs';
import zlib from 'node:zlib';
import { readZip } from './archives.js';

/**
 * Zips that no honest writer makes, built byte by byte: an entry that inflates to gigabytes from a few MB (a zip
 * bomb), and central directory sizes that lie. archiver (and pgsnap's writer) compress what they are given, so
 * neither can make these cheaply.
 */
export interface RawEntry {
  readonly name: string;
  /** a raw deflate stream */
  readonly deflated: Buffer;
  /** the inflated size and CRC-32 of what it holds */
  readonly size: number;
  readonly crc: number;
  /** the size the zip's headers claim (default: the true one) */
  readonly declaredSize?: number;
}

function deflatedEntry(name: string, data: Buffer | string): RawEntry {
  const bytes = Buffer.from(data);
  return { name, deflated: zlib.deflateRawSync(bytes, { level: 1 }), size: bytes.length, crc: zlib.crc32(bytes) };
}

/**
 * An entry that inflates to `mib` MiB of one repeated byte: one 1 MiB block deflated with a full flush, repeated
 * (such blocks concatenate into one deflate stream), then a final empty block. About 1 KB of deflate per MiB.
 */
export function bombEntry(name: string, mib: number, byte = 0x20, declaredSize?: number): RawEntry {
  const block = Buffer.alloc(2 ** 20, byte);
  const piece = zlib.deflateRawSync(block, { level: 9, finishFlush: zlib.constants.Z_FULL_FLUSH });
  let crc = 0;
  for (let i = 0; i < mib; i++) crc = zlib.crc32(block, crc);
  const deflated = Buffer.concat([...Array.from({ length: mib }, () => piece), Buffer.from([0x03, 0x00])]);
  return { name, deflated, size: mib * 2 ** 20, crc, ...(declaredSize === undefined ? {} : { declaredSize }) };
}

/** Write a zip of these entries (sizes in the local headers, no data descriptors). Sizes must fit in 32 bits. */
function writeRawZip(file: string, entries: readonly RawEntry[]): void {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const size = e.declaredSize ?? e.size;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(e.crc >>> 0, 14);
    local.writeUInt32LE(e.deflated.length, 18);
    local.writeUInt32LE(size >>> 0, 22);
    local.writeUInt16LE(name.length, 26);
    parts.push(local, name, e.deflated);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE((3 << 8) | 20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(0x0800, 8);
    c.writeUInt16LE(8, 10);
    c.writeUInt32LE(e.crc >>> 0, 16);
    c.writeUInt32LE(e.deflated.length, 20);
    c.writeUInt32LE(size >>> 0, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt32LE(((0o100600 << 16) >>> 0), 38);
    c.writeUInt32LE(offset, 42);
    central.push(c, name);
    offset += 30 + name.length + e.deflated.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  fs.writeFileSync(file, Buffer.concat([...parts, cd, end]), { mode: 0o600 });
}

/** A copy of the archive `src` with some entries replaced by raw ones (the others deflated as they are). */
export async function withRawEntries(src: string, dst: string, replace: readonly RawEntry[]): Promise<void> {
  const byName = new Map(replace.map((e) => [e.name, e]));
  const out: RawEntry[] = [];
  for (const [name, data] of await readZip(src)) out.push(byName.get(name) ?? deflatedEntry(name, data));
  writeRawZip(dst, out);
}

/** Peak resident memory of a running process, sampled until it exits (VmHWM is a high-water mark). */
export function samplePeakRss(pid: number, exited: Promise<unknown>): Promise<number> {
  let peak = 0;
  const read = () => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
    } catch {
      // gone
    }
  };
  const timer = setInterval(read, 10);
  return exited.then(() => {
    clearInterval(timer);
    return peak;
  });
}
