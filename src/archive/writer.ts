import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { createRequire } from 'node:module';
import type { Archiver, ArchiverError, EntryData, ZipOptions } from 'archiver';
import { PgsnapError } from '../errors.js';
import { removeStaleTempFiles } from './directory.js';
import { archiveFileName, tempFileName } from './naming.js';

/**
 * Writes one archive: a zip streamed (archiver's zip mode deflates entry by entry and never holds an entry in
 * memory) into `<final name>.<pid>.tmp` in the target directory, mode 0600. `finish` fsyncs the file, renames
 * it to its final name and fsyncs the directory, so a finished-looking name only ever points at a complete
 * archive. `abort` (called on any error and on SIGINT/SIGTERM) removes the temporary file; a SIGKILLed run's
 * file is removed by the next run (`removeStaleTempFiles`).
 *
 * Entries are written one after another, in the order they are added.
 */
export interface ArchiveWriter {
  readonly finalPath: string;
  readonly tempPath: string;
  /** append an entry; resolves once it is completely in the zip */
  addEntry(name: string, source: Readable | Buffer | string): Promise<void>;
  /** an entry whose bytes are written by the caller, with backpressure; `done` resolves once it is in the zip */
  openEntry(name: string): { stream: PassThrough; done: Promise<void> };
  /**
   * a fresh path for a spool file beside the archive (a table read by a --jobs worker while another holds the
   * zip); removed by finish/abort, and by the next run after a SIGKILL
   */
  spoolPath(): string;
  /** compressed bytes written so far */
  bytesWritten(): number;
  finish(): Promise<{ path: string; bytes: number }>;
  abort(): Promise<void>;
}

export interface WriterOptions {
  dir: string;
  database: string;
  startedAt: Date;
  /** deflate level 0–9 (see DEFAULT_LEVEL) */
  level?: number;
}

/**
 * Deflate level 1. Measured on the 2M-row benchmark table (docs/archive-format.md): level 1 keeps the archive
 * within ~15% of level 6's size at less than half its CPU time, and deflate runs beside the server's own work.
 */
export const DEFAULT_LEVEL = 1;

// archiver 7 exports a factory function; the installed @types describe archiver 8's classes, so load it by hand.
const archiver = createRequire(import.meta.url)('archiver') as (format: 'zip', options: ZipOptions) => Archiver;

export async function createArchiveWriter(options: WriterOptions): Promise<ArchiveWriter> {
  const dir = path.resolve(options.dir);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new PgsnapError('io', `cannot create archive directory ${dir}: ${(e as Error).message}`, {
      hint: 'pass --dir with a directory you can write to',
    });
  }
  removeStaleTempFiles(dir);
  const finalName = archiveFileName(options.database, options.startedAt);
  const finalPath = path.join(dir, finalName);
  const tempPath = path.join(dir, tempFileName(finalName, process.pid));
  if (fs.existsSync(finalPath)) {
    throw new PgsnapError('io', `${finalPath} already exists`, { hint: 'two backups started in the same millisecond; run again' });
  }
  let fd: number;
  try {
    fd = fs.openSync(tempPath, 'wx', 0o600);
  } catch (e) {
    throw new PgsnapError('io', `cannot write to ${dir}: ${(e as Error).message}`, { hint: 'pass --dir with a directory you can write to' });
  }
  const out = fs.createWriteStream(tempPath, { fd, autoClose: false });
  const zip = archiver('zip', { zlib: { level: options.level ?? DEFAULT_LEVEL, chunkSize: 1 << 20 }, forceZip64: false });
  let failure: Error | null = null;
  let state: 'open' | 'finished' | 'aborted' = 'open';
  const waiting = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
  const fail = (e: Error) => {
    if (failure) return;
    failure = e;
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
  };
  zip.on('entry', (entry: EntryData) => {
    const w = waiting.get(entry.name);
    waiting.delete(entry.name);
    w?.resolve();
  });
  zip.on('warning', (e: ArchiverError) => fail(e));
  zip.on('error', (e: ArchiverError) => fail(e));
  out.on('error', (e) => fail(e));
  zip.pipe(out);
  const closed = new Promise<void>((resolve) => out.once('finish', () => resolve()));

  const wait = (name: string) =>
    new Promise<void>((resolve, reject) => {
      if (failure) reject(failure);
      else waiting.set(name, { resolve, reject });
    });

  const ensureOpen = () => {
    if (failure) throw ioError(failure, tempPath);
    if (state !== 'open') throw new PgsnapError('internal', `archive ${finalPath} is already ${state}`);
  };

  const spools = new Set<string>();
  const removeSpools = () => {
    for (const f of spools) fs.rmSync(f, { force: true });
    spools.clear();
  };
  const date = options.startedAt;
  const writer: ArchiveWriter = {
    finalPath,
    tempPath,
    async addEntry(name, source) {
      ensureOpen();
      const done = wait(name);
      zip.append(source, { name, date, mode: 0o600 });
      try {
        await done;
      } catch (e) {
        throw ioError(e as Error, tempPath);
      }
    },
    openEntry(name) {
      ensureOpen();
      const stream = new PassThrough({ highWaterMark: 1 << 20 });
      const done = wait(name).catch((e: Error) => {
        stream.destroy();
        throw ioError(e, tempPath);
      });
      zip.append(stream, { name, date, mode: 0o600 });
      return { stream, done };
    },
    spoolPath() {
      const p = `${tempPath.slice(0, -'.tmp'.length)}.s${spools.size + 1}.tmp`;
      spools.add(p);
      return p;
    },
    bytesWritten: () => zip.pointer(),
    async finish() {
      ensureOpen();
      await zip.finalize();
      await closed;
      if (failure) throw ioError(failure, tempPath);
      try {
        fs.fsyncSync(fd);
        fs.closeSync(fd);
        fs.renameSync(tempPath, finalPath);
        syncDir(dir);
      } catch (e) {
        throw ioError(e as Error, tempPath);
      }
      state = 'finished';
      removeSpools();
      return { path: finalPath, bytes: fs.statSync(finalPath).size };
    },
    async abort() {
      if (state !== 'open') return;
      state = 'aborted';
      fail(new PgsnapError('interrupted', 'the backup was aborted'));
      zip.abort();
      out.destroy();
      try {
        fs.closeSync(fd);
      } catch {
        // closed already
      }
      fs.rmSync(tempPath, { force: true });
      removeSpools();
    },
  };
  return writer;
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
export function ioError(e: Error, file: string): PgsnapError {
  if (e instanceof PgsnapError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  const hint = code === 'ENOSPC' ? 'the disk is full: free space or pass --dir on another disk' : 'check the archive directory';
  return new PgsnapError('io', `writing ${file} failed: ${e.message}`, { hint, cause: e });
}
