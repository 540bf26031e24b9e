import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, type Readable, Writable } from 'node:stream';
import type { ArchiveStore } from '../storage/store.js';
import { PgsnapError } from '../errors.js';
import { encryptingSink } from './age.js';
import { removeStaleTempFiles } from './directory.js';
import { archiveFileName, tempFileName } from './naming.js';
import { DeflatedSpool, MemoryBudget } from './deflated-spool.js';
import { BlockDeflater, type DeflatedEntry, ZipWriter } from './zip.js';

/**
 * Writes one archive: a zip streamed (archive/zip.ts deflates each entry in parallel 1 MB blocks; only prepared
 * entries, below, are held, and only up to PREPARED_MEMORY) into `<final name>.<pid>.tmp` in the target directory,
 * mode 0600. `finish` fsyncs the file, renames it to its final name and fsyncs the directory, so a
 * finished-looking name only ever points at a complete archive. `abort` (called on any error and on SIGINT/SIGTERM)
 * removes the temporary file; a SIGKILLed run's file is removed by the next run (`removeStaleTempFiles`).
 *
 * With `recipients` the zip is age-encrypted as it streams (archive/age.ts) and the file is `<name>.zip.age`;
 * the temporary file only ever holds ciphertext.
 *
 * Entries are written one after another, in the order they are added. An entry can also be prepared (deflated)
 * while another holds the zip, and appended as it is once the zip is free (`prepareEntry`, `addPrepared`).
 */
export interface ArchiveWriter {
  readonly finalPath: string;
  readonly tempPath: string;
  /** append an entry; resolves once it is completely in the zip */
  addEntry(name: string, source: Readable | Buffer | string): Promise<void>;
  /** an entry whose bytes are written by the caller, with backpressure; `done` resolves once it is in the zip */
  openEntry(name: string): { stream: PassThrough; done: Promise<void> };
  /**
   * An entry deflated as its bytes are written (a --jobs worker's table while another holds the zip), kept in memory
   * up to a cap shared by the whole archive (PREPARED_MEMORY) and in a spool file beside the archive beyond it;
   * `done` gives it for `addPrepared`. Spools are removed by addPrepared, finish and abort, and by the next run
   * after a SIGKILL (they are `<temporary name>.s<n>.tmp`).
   */
  prepareEntry(name: string): { stream: Writable; done: Promise<PreparedEntry> };
  /** append a prepared entry's bytes as they are; resolves once it is completely in the zip */
  addPrepared(entry: PreparedEntry): Promise<void>;
  /** compressed bytes written so far */
  bytesWritten(): number;
  finish(): Promise<{ path: string; bytes: number }>;
  abort(): Promise<void>;
}

/** An entry deflated ahead of its turn in the zip (ArchiveWriter.prepareEntry). */
export interface PreparedEntry {
  readonly name: string;
  readonly deflated: DeflatedEntry;
  readonly spool: DeflatedSpool;
}

/**
 * Memory for prepared entries, per archive. With --jobs 2 one worker prepares while the other streams; 8 MiB holds
 * the compressed bytes of about 35 MB of archive lines, so small tables never touch the disk, and memory stays flat
 * however large the tables are (beyond it, the entry goes to a spool file). Measured on 5M rows in 50 tables:
 * peak RSS 185 MB with 32 MiB, 173 MB with 16, 162 MB with 8 (146 MB before entries were prepared), same CPU.
 */
const PREPARED_MEMORY = 8 << 20;

export interface WriterOptions {
  dir: string;
  database: string;
  startedAt: Date;
  /** deflate level 0–9 (see DEFAULT_LEVEL) */
  level?: number;
  /** write into object storage instead of `dir` (storage/place.ts) */
  store?: ArchiveStore;
  /** age recipients (age1…): encrypt the archive to all of them */
  recipients?: readonly string[];
  /** memory for prepared entries, bytes (default PREPARED_MEMORY); past it they go to spool files */
  preparedMemory?: number;
}

/**
 * Deflate level 1. Measured on the 2M-row benchmark table (docs/archive-format.md): level 1 keeps the archive
 * within ~15% of level 6's size at less than half its CPU time, and deflate runs beside the server's own work.
 */
const DEFAULT_LEVEL = 1;

/**
 * Where the bytes go until `finish`: a temporary file renamed into place (a directory), or a multipart upload
 * completed at the end (object storage, storage/s3.ts). Either way nothing finished-looking exists before.
 */
interface Target {
  readonly finalPath: string;
  readonly tempPath: string;
  /** spool files are `<spoolBase>.s<n>.tmp` */
  readonly spoolBase: string;
  readonly out: Writable;
  /** after `out` has ended: make the archive appear; where it is (the name may move on a clash) and its size */
  commit(): Promise<{ path: string; bytes: number }>;
  discard(): Promise<void>;
}

function openFileTarget(dir: string, finalName: string, publishAs: (at: Date) => string, startedAt: Date): Target {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new PgsnapError('io', `cannot create archive directory ${dir}: ${(e as Error).message}`, {
      hint: 'pass --dir with a directory you can write to',
    });
  }
  removeStaleTempFiles(dir);
  const finalPath = path.join(dir, finalName);
  let tempPath = '';
  let fd = -1;
  for (let run = 0; fd < 0; run++) {
    tempPath = path.join(dir, tempFileName(finalName, process.pid, undefined, run));
    try {
      fd = fs.openSync(tempPath, 'wx', 0o600);
    } catch (e) {
      // another writer of this process started in the same millisecond
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && run < 1000) continue;
      throw new PgsnapError('io', `cannot write to ${dir}: ${(e as Error).message}`, { hint: 'pass --dir with a directory you can write to' });
    }
  }
  const out = fs.createWriteStream(tempPath, { fd, autoClose: false, highWaterMark: 1 << 20 });
  return {
    finalPath,
    tempPath,
    spoolBase: tempPath.slice(0, -'.tmp'.length),
    out,
    async commit() {
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      const published = publish(tempPath, dir, publishAs, startedAt);
      syncDir(dir);
      return { path: published, bytes: fs.statSync(published).size };
    },
    async discard() {
      // A write may still be in flight on fd: closing fd under it lets that write land in whatever file is opened
      // next with the same number (seen as a test worker whose IPC channel died). 'close' comes after it.
      await new Promise<void>((resolve) => {
        if (out.closed) return resolve();
        out.once('close', () => resolve());
        out.destroy();
      });
      try {
        fs.closeSync(fd);
      } catch {
        // closed already
      }
      fs.rmSync(tempPath, { force: true });
    },
  };
}

/**
 * An object store has no link(): the name is chosen before the upload starts, the first millisecond from the
 * start whose name is free (as publish() does for a directory), and the store refuses to complete over an object
 * that took the name meanwhile (storage/s3.ts).
 */
async function openStoreTarget(store: ArchiveStore, nameAt: (at: Date) => string, startedAt: Date): Promise<Target> {
  let finalName = '';
  for (let ms = 0; finalName === ''; ms++) {
    if (ms === 1000) throw new PgsnapError('io', `no free archive name in ${store.description} for ${nameAt(startedAt)} within a second`);
    const candidate = nameAt(new Date(startedAt.getTime() + ms));
    if (!(await store.exists(candidate))) finalName = candidate;
  }
  const upload = await store.create(finalName);
  // --jobs spools need a disk: a private directory of our own, removed with the spools
  const spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-spool-'));
  return {
    finalPath: `${store.description}${finalName}`,
    tempPath: `${store.description}${finalName} (upload in progress)`,
    spoolBase: path.join(spoolDir, finalName),
    out: upload.stream,
    async commit() {
      const bytes = await upload.complete();
      fs.rmSync(spoolDir, { recursive: true, force: true });
      return { path: `${store.description}${finalName}`, bytes };
    },
    async discard() {
      await upload.abort();
      fs.rmSync(spoolDir, { recursive: true, force: true });
    },
  };
}

export async function createArchiveWriter(options: WriterOptions): Promise<ArchiveWriter> {
  const encrypted = (options.recipients?.length ?? 0) > 0;
  const finalName = archiveFileName(options.database, options.startedAt, encrypted);
  const target = options.store
    ? await openStoreTarget(options.store, (at) => archiveFileName(options.database, at, encrypted), options.startedAt)
    : openFileTarget(path.resolve(options.dir), finalName, (at) => archiveFileName(options.database, at, encrypted), options.startedAt);
  const { tempPath, out } = target;
  let finalPath = target.finalPath;
  const sink = encrypted ? await encryptingSink(options.recipients ?? [], out) : null;
  // what the zip writes into: the file itself, or the encryption in front of it
  const zipOut = sink ? sink.input : out;
  const zip = new ZipWriter(zipOut);
  const level = options.level ?? DEFAULT_LEVEL;
  let failure: Error | null = null;
  let state: 'open' | 'finished' | 'aborted' = 'open';
  const fail = (e: Error) => {
    failure ??= e;
  };
  out.on('error', (e) => fail(e));
  // Entries go into the zip one after another, in the order they were added; a caller may already be writing
  // into a later entry's stream, which buffers and then holds it back until the zip gets there.
  let queue: Promise<void> = Promise.resolve();
  const enqueue = (write: () => Promise<void>): Promise<void> => {
    const written = queue.then(async () => {
      if (failure) throw failure;
      try {
        await write();
      } catch (e) {
        fail(e as Error);
        throw e;
      }
    });
    queue = written.catch(() => {});
    return written;
  };
  const entryOptions = { date: options.startedAt, level, mode: 0o600 };
  const addStreamed = (name: string, source: AsyncIterable<Buffer> | Iterable<Buffer>) => enqueue(() => zip.addEntry(name, source, entryOptions));

  const ensureOpen = () => {
    if (failure) throw ioError(failure, tempPath);
    if (state !== 'open') throw new PgsnapError('internal', `archive ${finalPath} is already ${state}`);
  };

  const budget = new MemoryBudget(options.preparedMemory ?? PREPARED_MEMORY);
  // the spools not yet appended, with the stream still writing into each (if any)
  const spools = new Map<DeflatedSpool, Writable>();
  let spoolFiles = 0;
  // discard() removes each file at once, before it awaits anything: nothing is left if the process dies next
  const removeSpools = async () => {
    const all = [...spools];
    spools.clear();
    for (const [, stream] of all) if (!stream.writableFinished) stream.destroy(new PgsnapError('interrupted', 'the backup was aborted'));
    await Promise.all(all.map(([spool]) => spool.discard()));
  };
  const writer: ArchiveWriter = {
    get finalPath() {
      return finalPath;
    },
    tempPath,
    async addEntry(name, source) {
      ensureOpen();
      const bytes = typeof source === 'string' || Buffer.isBuffer(source) ? [Buffer.from(source)] : (source as AsyncIterable<Buffer>);
      try {
        await addStreamed(name, bytes);
      } catch (e) {
        throw ioError(e as Error, tempPath);
      }
    },
    openEntry(name) {
      ensureOpen();
      const stream = new PassThrough({ highWaterMark: 1 << 20 });
      const done = addStreamed(name, stream).catch((e: Error) => {
        stream.destroy();
        throw ioError(e, tempPath);
      });
      return { stream, done };
    },
    prepareEntry(name) {
      ensureOpen();
      const spool = new DeflatedSpool(budget, () => {
        // no spool file is created once the archive is finished or aborted: nothing would remove it
        ensureOpen();
        return `${target.spoolBase}.s${++spoolFiles}.tmp`;
      });
      const deflater = new BlockDeflater(level, (data) => spool.append(data));
      let prepared: PreparedEntry | null = null;
      const stream = new Writable({
        highWaterMark: 1 << 20,
        write(chunk: Buffer, _encoding, callback) {
          deflater.push(chunk).then(() => callback(), callback);
        },
        final(callback) {
          deflater.finish().then((deflated) => {
            prepared = { name, deflated, spool };
            callback();
          }, callback);
        },
      });
      spools.set(spool, stream);
      const done = new Promise<PreparedEntry>((resolve, reject) => {
        stream.once('error', reject);
        stream.once('close', () => (prepared ? resolve(prepared) : reject(new PgsnapError('interrupted', `entry ${name} was closed before its end`))));
      }).catch(async (e: Error) => {
        spools.delete(spool);
        await spool.discard();
        throw ioError(e, tempPath);
      });
      return { stream, done };
    },
    async addPrepared(entry) {
      try {
        ensureOpen();
        await enqueue(() => zip.addDeflated(entry.name, entry.deflated, entry.spool.read(), entryOptions));
      } catch (e) {
        throw ioError(e as Error, tempPath);
      } finally {
        spools.delete(entry.spool);
        await entry.spool.discard();
      }
    },
    bytesWritten: () => zip.bytes,
    async finish() {
      ensureOpen();
      await queue;
      if (failure) throw ioError(failure, tempPath);
      try {
        await zip.finish();
        if (sink) {
          zipOut.end();
          await sink.done;
        } else if (options.store) {
          // the upload's complete() ends its stream
        } else {
          await new Promise<void>((resolve, reject) => {
            out.once('error', reject);
            out.end(() => resolve());
          });
        }
      } catch (e) {
        throw ioError(e as Error, tempPath);
      }
      if (failure) throw ioError(failure, tempPath);
      let bytes: number;
      try {
        ({ path: finalPath, bytes } = await target.commit());
      } catch (e) {
        throw ioError(e as Error, tempPath);
      }
      state = 'finished';
      await removeSpools();
      return { path: finalPath, bytes };
    },
    async abort() {
      if (state !== 'open') return;
      state = 'aborted';
      fail(new PgsnapError('interrupted', 'the backup was aborted'));
      zipOut.destroy();
      await Promise.all([removeSpools(), target.discard()]);
    },
  };
  return writer;
}

/**
 * Give the finished temporary file its final name without ever replacing an archive: link() fails when the name
 * exists (rename() would silently overwrite it), so a second backup of the same database that started in the same
 * millisecond takes the next free millisecond instead. Where the file system has no hard links, fall back to a
 * checked rename (a narrow window remains there; docs/archive-format.md says so).
 */
function publish(tempPath: string, dir: string, nameAt: (at: Date) => string, startedAt: Date): string {
  for (let ms = 0; ms < 1000; ms++) {
    const candidate = path.join(dir, nameAt(new Date(startedAt.getTime() + ms)));
    try {
      fs.linkSync(tempPath, candidate);
      fs.unlinkSync(tempPath);
      return candidate;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
      if (fs.existsSync(candidate)) continue;
      fs.renameSync(tempPath, candidate);
      return candidate;
    }
  }
  throw new PgsnapError('io', `no free archive name in ${dir} for ${nameAt(startedAt)} within a second`);
}

function syncDir(dir: string): void {
  // Without this the rename may not survive a power cut. Some file systems refuse fsync on directories.
  try {
    const d = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(d);
    } finally {
      fs.closeSync(d);
    }
  } catch {
    // best effort
  }
}

/** A failed write as one clear line; ENOSPC says that the disk is full. */
function ioError(e: Error, file: string): PgsnapError {
  if (e instanceof PgsnapError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  const hint = code === 'ENOSPC' ? 'the disk is full: free space or pass --dir on another disk' : 'check the archive directory';
  return new PgsnapError('io', `writing ${file} failed: ${e.message}`, { hint, cause: e });
}
