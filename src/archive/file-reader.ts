import fs from 'node:fs';
import { Readable } from 'node:stream';
import yauzl from 'yauzl';

/**
 * Bytes read at a time from a local archive. yauzl's own file reader reads 16 KiB at a time, one read in flight
 * per file: for the 17 MB of a 400,000-row table that is about 1,100 reads, each a trip through libuv's thread
 * pool and three stream callbacks, which cost the restore about as much CPU as hashing the inflated entry.
 */
const READ_BYTES = 1 << 20;

/**
 * yauzl's view of a local zip file, reading large pieces with positional reads (so the entries of one file can be
 * read at once, as restore --jobs does, without sharing a file position). The descriptor is closed when yauzl lets
 * go of the file (ZipFile.close, after its last stream ended).
 */
class FileReader extends yauzl.RandomAccessReader {
  /** reads in flight: the descriptor is closed only after they are done */
  private readonly reading = new Set<Promise<unknown>>();

  constructor(private readonly fd: number) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    let at = start;
    const stream = new Readable({
      highWaterMark: READ_BYTES,
      read: () => {
        const n = Math.min(READ_BYTES, end - at);
        if (n <= 0) {
          stream.push(null);
          return;
        }
        const buffer = Buffer.allocUnsafe(n);
        this.pread(buffer, 0, n, at).then(
          (got) => {
            if (stream.destroyed) return;
            if (got === 0) stream.destroy(new Error(`unexpected end of file at ${at}`));
            else {
              at += got;
              stream.push(got === n ? buffer : buffer.subarray(0, got));
            }
          },
          (e: Error) => stream.destroy(e),
        );
      },
    });
    return stream;
  }

  /** The central directory and local headers: small reads, one fs.read each instead of a stream each. */
  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null, bytesRead?: number) => void): void {
    this.pread(buffer, offset, length, position).then(
      (got) => callback(null, got),
      (e: Error) => callback(e),
    );
  }

  /**
   * yauzl lets go of the file when its last stream is done or destroyed; a destroyed stream's read can still be
   * in flight then, and a closed number is given to the next file opened: wait for the reads first.
   */
  override close(callback: (err: Error | null) => void): void {
    Promise.allSettled([...this.reading]).then(() => fs.close(this.fd, (err) => callback(err ?? null)));
  }

  private pread(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    const p = readAt(this.fd, buffer, offset, length, position);
    this.reading.add(p);
    const forget = () => this.reading.delete(p);
    p.then(forget, forget);
    return p;
  }
}

/**
 * Open `file` as a zip for yauzl with the large-read reader. Errors are yauzl's (not a zip) or the file system's
 * (ENOENT, EACCES, EISDIR as their `code`), for the caller to word.
 */
export async function openZipFile(file: string, options: yauzl.Options): Promise<yauzl.ZipFile> {
  // a plain descriptor, not a FileHandle: a FileHandle closes its number again when it is collected
  const fd = await new Promise<number>((resolve, reject) => fs.open(file, 'r', (err, n) => (err ? reject(err) : resolve(n))));
  try {
    const stat = await new Promise<fs.Stats>((resolve, reject) => fs.fstat(fd, (err, s) => (err ? reject(err) : resolve(s))));
    if (stat.isDirectory()) throw Object.assign(new Error(`${file} is a directory`), { code: 'EISDIR' });
    return await new Promise<yauzl.ZipFile>((resolve, reject) => {
      yauzl.fromRandomAccessReader(new FileReader(fd), stat.size, options, (err, z) => (err || !z ? reject(err) : resolve(z)));
    });
  } catch (e) {
    // yauzl had not taken the file (it refused it): the descriptor is still ours
    fs.closeSync(fd);
    throw e;
  }
}

/** fs.read at a position, as a promise of the bytes read (a plain descriptor: see openZipFile on FileHandle) */
export function readAt(fd: number, into: Buffer, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => fs.read(fd, into, offset, length, position, (e, n) => (e ? reject(e) : resolve(n))));
}
