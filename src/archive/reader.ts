import { createHash } from 'node:crypto';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import type { CatalogModel } from '../catalog/model.js';
import { PgsnapError } from '../errors.js';
import { type DecryptedCopy, decryptToTemp, isEncryptedArchive } from './age.js';
import { openZipFile } from './file-reader.js';
import { type ArchivedEntry, MANIFEST_ENTRY, type Manifest, SCHEMA_JSON_ENTRY, isSafeEntryName } from './format.js';
import { parseManifest } from './manifest.js';
import { columnDisagreements } from './manifest-schema.js';
import { pairKey, tableLabel } from './table-id.js';
import type { ArchiveStore } from '../storage/store.js';

/**
 * Reads an archive (restore and verify use this). Everything in it is untrusted: the manifest is validated
 * field by field, entry names that could climb out of a directory are rejected, and every data entry's sha256,
 * byte count and row count are checked while it streams — a mismatch fails the stream with `archive_corrupt`
 * at its end, before a consumer commits anything based on it.
 */
export interface OpenArchive {
  readonly path: string;
  readonly manifest: Manifest;
  /** every entry name in the zip */
  readonly entries: readonly string[];
  /** schema.json, checked against the manifest's schemaSha256 */
  schema(): Promise<CatalogModel>;
  /** the bytes of one entry; data entries are verified while they stream */
  openEntry(name: string): Promise<Readable>;
  /** the rows of one data entry as JSON text lines (no trailing newline), verified */
  readLines(name: string): AsyncIterable<string>;
  close(): Promise<void>;
}

/**
 * Caps that keep reading any input within a fixed amount of memory (docs/security.md). An entry's size is
 * checked against them before it is inflated, and yauzl stops inflating an entry as soon as it yields more bytes
 * than the central directory declares, so a zip bomb is refused after at most the cap.
 */
const LIMITS = Object.freeze({
  /** manifest.json and schema.json are parsed whole: tens of thousands of tables fit in a few MB */
  manifestBytes: 64 * 2 ** 20,
  schemaBytes: 64 * 2 ** 20,
  /** one archive line is one row, held whole while it is checked or converted */
  lineBytes: 128 * 2 ** 20,
  /** entries in the zip (pgsnap writes one per table part) */
  entries: 200_000,
  /** file name, extra field and comment of one central directory record (pgsnap writes < 1 KB) */
  recordBytes: 8192,
});

export interface OpenOptions {
  /** age secret keys (AGE-SECRET-KEY-1…) for an encrypted archive (`<name>.zip.age`) */
  readonly identities?: readonly string[];
  /** the archive is `<store.description><name>` in object storage, read through ranged requests */
  readonly store?: ArchiveStore;
}

/**
 * An encrypted archive is decrypted first into a private temporary file (archive/age.ts), removed on close; what
 * is read from it is then checked exactly like a plain archive, manifest and checksums included.
 */
export async function openArchive(file: string, options: OpenOptions = {}): Promise<OpenArchive> {
  const store = options.store;
  if (store) {
    const name = file.slice(file.lastIndexOf('/') + 1);
    if (!name.endsWith('.age')) return openArchiveFrom(await store.randomAccess(name), file);
    // age is one stream: decrypted (streaming) into the private temporary copy, as for a local file
    const copy = await decryptToTemp(file, options.identities, () => store.read(name));
    try {
      return readArchive(await openZip(copy.path, file), file, copy);
    } catch (e) {
      copy.remove();
      throw e;
    }
  }
  const copy: DecryptedCopy | null = isEncryptedArchive(file) ? await decryptToTemp(file, options.identities) : null;
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(copy?.path ?? file, file);
  } catch (e) {
    copy?.remove();
    throw e;
  }
  return readArchive(zip, file, copy);
}

/**
 * An archive read through ranged requests (object storage: storage/s3.ts), named `shown` in messages. Checked
 * exactly like a local file.
 */
export async function openArchiveFrom(source: { size: number; reader: yauzl.RandomAccessReader }, shown: string): Promise<OpenArchive> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    yauzl.fromRandomAccessReader(source.reader, source.size, ZIP_OPTIONS, (err, z) => {
      if (err || !z) reject(err instanceof PgsnapError ? err : notAZip(shown, err));
      else resolve(z);
    });
  });
  return readArchive(zip, shown, null);
}

async function readArchive(zip: yauzl.ZipFile, file: string, copy: DecryptedCopy | null): Promise<OpenArchive> {
  const closeAll = () => {
    zip.close();
    copy?.remove();
  };
  try {
    const entries = await readCentralDirectory(zip, file);
    const manifestEntry = entries.get(MANIFEST_ENTRY);
    if (!manifestEntry) {
      throw new PgsnapError('archive_foreign', `${file} is not a pgsnap archive (no ${MANIFEST_ENTRY})`, {
        hint: 'pass an archive written by pgsnap backup',
      });
    }
    if (manifestEntry.uncompressedSize > LIMITS.manifestBytes) throw corrupt(file, tooLarge(MANIFEST_ENTRY, LIMITS.manifestBytes));
    const manifestText = (await readAll(await streamOf(zip, manifestEntry, file))).toString('utf8');
    let raw: unknown;
    try {
      raw = JSON.parse(manifestText);
    } catch {
      throw corrupt(file, `${MANIFEST_ENTRY} is not valid JSON`);
    }
    const manifest = parseManifest(raw, file);
    const listed = new Map<string, ArchivedEntry>();
    for (const t of manifest.tables) for (const e of t.entries) listed.set(e.name, e);
    for (const name of listed.keys()) if (!entries.has(name)) throw corrupt(file, `entry ${name} is listed in the manifest but missing`);
    const schemaEntry = entries.get(SCHEMA_JSON_ENTRY);
    if (!schemaEntry) throw corrupt(file, `${SCHEMA_JSON_ENTRY} is missing`);

    const open = async (name: string): Promise<Readable> => {
      const entry = entries.get(name);
      if (!entry) throw new PgsnapError('archive_corrupt', `${file} has no entry ${name}`);
      const expected = listed.get(name);
      // refused before a byte is inflated: the zip's own size for the entry must be the manifest's
      if (expected && entry.uncompressedSize !== expected.bytes) {
        throw corrupt(file, `entry ${name} holds ${entry.uncompressedSize} bytes, the manifest says ${expected.bytes}`);
      }
      if (!expected) return streamOf(zip, entry, file);
      const check = new VerifyingTransform(expected, file);
      if (entry.compressionMethod === 8 && !entry.isEncrypted()) {
        // Data entries are inflated here rather than by yauzl, in large pieces: yauzl inflates 16 KiB at a time, and
        // every piece crossed four streams; at 2M rows that cost more CPU than the inflating itself. (A local file
        // is read in 1 MiB pieces, file-reader.ts; Batch gathers the smaller pieces of a ranged GET.)
        // VerifyingTransform still stops at the first byte beyond the declared size, as yauzl would.
        const raw = await streamOf(zip, entry, file, { decodeFileData: false });
        const batch = new Batch(INFLATE_CHUNK_BYTES / 2);
        const inflate = zlib.createInflateRaw({ chunkSize: INFLATE_CHUNK_BYTES });
        raw.on('error', (e) => check.destroy(e));
        inflate.on('error', (e) => check.destroy(corrupt(file, `entry ${name}: ${e.message}`)));
        check.on('close', () => {
          raw.destroy();
          batch.destroy();
          inflate.destroy();
        });
        return raw.pipe(batch).pipe(inflate).pipe(check);
      }
      const stream = await streamOf(zip, entry, file);
      stream.on('error', (e) => check.destroy(e));
      return stream.pipe(check);
    };

    return {
      path: file,
      manifest,
      entries: [...entries.keys()],
      async schema() {
        if (schemaEntry.uncompressedSize > LIMITS.schemaBytes) throw corrupt(file, tooLarge(SCHEMA_JSON_ENTRY, LIMITS.schemaBytes));
        const bytes = await readAll(await open(SCHEMA_JSON_ENTRY));
        const sha = createHash('sha256').update(bytes).digest('hex');
        if (sha !== manifest.schemaSha256) throw corrupt(file, `${SCHEMA_JSON_ENTRY} does not match its checksum`);
        let model: unknown;
        try {
          model = JSON.parse(bytes.toString('utf8'));
        } catch {
          throw corrupt(file, `${SCHEMA_JSON_ENTRY} is not valid JSON`);
        }
        if (typeof model !== 'object' || model === null || !Array.isArray((model as { tables?: unknown }).tables)) {
          throw corrupt(file, `${SCHEMA_JSON_ENTRY} is not a catalog model`);
        }
        const problem = tableGraphProblem((model as CatalogModel).tables);
        if (problem) throw corrupt(file, `${SCHEMA_JSON_ENTRY}: ${problem}`);
        const disagreements = columnDisagreements(manifest.tables, (model as CatalogModel).tables);
        if (disagreements.length > 0) throw corrupt(file, disagreements.join('; '));
        return model as CatalogModel;
      },
      openEntry: open,
      readLines(name: string) {
        return linesOf(() => open(name));
      },
      async close() {
        closeAll();
      },
    };
  } catch (e) {
    closeAll();
    throw e;
  }
}

/** Passes bytes on in pieces of at least `bytes` (the last one may be shorter). */
class Batch extends Transform {
  private pending: Buffer[] = [];
  private size = 0;

  constructor(private readonly bytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.pending.push(chunk);
    this.size += chunk.length;
    if (this.size >= this.bytes) this.release();
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (this.size > 0) this.release();
    cb();
  }

  private release(): void {
    this.push(this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.size));
    this.pending = [];
    this.size = 0;
  }
}

/** Checks sha256, bytes and row count of an entry as it passes; fails the stream at the end on a mismatch. */
class VerifyingTransform extends Transform {
  private readonly hash = createHash('sha256');
  private bytes = 0;
  private rows = 0;
  /** bytes since the last newline */
  private lineBytes = 0;

  constructor(
    private readonly expected: ArchivedEntry,
    private readonly file: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    let last = -1;
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) {
      if (this.lineBytes + (i - last - 1) > LIMITS.lineBytes) break;
      this.lineBytes = 0;
      last = i;
      this.rows++;
    }
    this.lineBytes += chunk.length - last - 1;
    if (this.bytes > this.expected.bytes) {
      cb(corrupt(this.file, `entry ${this.expected.name} is longer than the manifest says`));
      return;
    }
    if (this.lineBytes > LIMITS.lineBytes) {
      cb(corrupt(this.file, `entry ${this.expected.name} holds a row longer than ${LIMITS.lineBytes / 2 ** 20} MiB (the most pgsnap reads)`));
      return;
    }
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    const sha = this.hash.digest('hex');
    if (sha !== this.expected.sha256 || this.bytes !== this.expected.bytes) {
      cb(corrupt(this.file, `entry ${this.expected.name} does not match its checksum`));
    } else if (this.rows !== this.expected.rows) {
      cb(corrupt(this.file, `entry ${this.expected.name} holds ${this.rows} rows, the manifest says ${this.expected.rows}`));
    } else cb();
  }
}

async function* linesOf(open: () => Promise<Readable>): AsyncIterable<string> {
  const stream = await open();
  let rest: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      if (rest.length > 0) {
        rest.push(piece);
        yield Buffer.concat(rest).toString('utf8');
        rest = [];
      } else yield piece.toString('utf8');
      start = nl + 1;
    }
    if (start < chunk.length) rest.push(chunk.subarray(start));
  }
  if (rest.length > 0) yield Buffer.concat(rest).toString('utf8');
}

const ZIP_OPTIONS = { lazyEntries: true, validateEntrySizes: true, autoClose: false, decodeStrings: true } as const;

function notAZip(shown: string, err: Error | null): PgsnapError {
  return new PgsnapError('archive_foreign', `${shown} is not a pgsnap archive (not a zip file: ${err?.message ?? 'unreadable'})`, {
    hint: 'pass an archive written by pgsnap backup',
  });
}

/** `shown` names the archive in messages (`file` may be its decrypted temporary copy) */
async function openZip(file: string, shown: string): Promise<yauzl.ZipFile> {
  try {
    return await openZipFile(file, ZIP_OPTIONS);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new PgsnapError('archive_not_found', `archive not found: ${shown}`);
    if (err.code === 'EACCES') throw new PgsnapError('permission', `cannot read ${shown}: permission denied`);
    if (err.code === 'EISDIR') throw new PgsnapError('usage', `${shown} is a directory, not an archive`);
    throw notAZip(shown, err);
  }
}

function readCentralDirectory(zip: yauzl.ZipFile, file: string): Promise<Map<string, yauzl.Entry>> {
  return new Promise((resolve, reject) => {
    const entries = new Map<string, yauzl.Entry>();
    if (zip.entryCount > LIMITS.entries) {
      reject(corrupt(file, `it lists ${zip.entryCount} entries (pgsnap reads at most ${LIMITS.entries})`));
      return;
    }
    zip.on('entry', (entry: yauzl.Entry) => {
      const recordBytes = entry.fileNameLength + entry.extraFieldLength + entry.fileCommentLength;
      if (recordBytes > LIMITS.recordBytes) {
        reject(corrupt(file, `an entry's name, extra field and comment take ${recordBytes} bytes`));
        return;
      }
      if (!isSafeEntryName(entry.fileName)) {
        reject(corrupt(file, `entry name ${JSON.stringify(entry.fileName)} leaves the archive`));
        return;
      }
      if (entries.has(entry.fileName)) {
        reject(corrupt(file, `entry ${entry.fileName} appears twice`));
        return;
      }
      entries.set(entry.fileName, entry);
      zip.readEntry();
    });
    zip.on('end', () => resolve(entries));
    // yauzl itself rejects absolute paths and `..` (and damaged central directories) with an error here
    zip.on('error', (e: Error) => reject(corrupt(file, e.message)));
    zip.readEntry();
  });
}

/** Pieces a data entry is inflated in (see `open`). */
const INFLATE_CHUNK_BYTES = 256 * 1024;

function streamOf(zip: yauzl.ZipFile, entry: yauzl.Entry, file: string, options: yauzl.ZipFileOptions = {}): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, options, (err, stream) => {
      if (err || !stream) reject(corrupt(file, `entry ${entry.fileName}: ${err?.message ?? 'unreadable'}`));
      else {
        // yauzl's errors (bad deflate data, sizes that disagree) become archive_corrupt
        const out = new Transform({ transform: (c, _e, cb) => cb(null, c) });
        stream.on('error', (e: Error) => out.destroy(corrupt(file, `entry ${entry.fileName}: ${e.message}`)));
        resolve(stream.pipe(out));
      }
    });
  });
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/**
 * What would send the code that orders tables round in circles: a table described twice, or partitions whose
 * parents lead back to themselves. Checked in one pass over the parent links (each chain walked once).
 */
function tableGraphProblem(tables: readonly { schema?: unknown; name?: unknown; partitionOf?: unknown }[]): string | null {
  const parentOf = new Map<string, string | null>();
  const pairs = new Set<string>();
  for (const t of tables) {
    if (typeof t !== 'object' || t === null || typeof t.schema !== 'string' || typeof t.name !== 'string') return 'a table without a schema and name';
    // identity is the (schema, name) pair: "a.b"."c" and "a"."b.c" are two tables (archive/table-id.ts)
    const pair = pairKey({ schema: t.schema, name: t.name });
    if (pairs.has(pair)) return `table ${tableLabel({ schema: t.schema, name: t.name })} is described twice`;
    pairs.add(pair);
    // the catalog spells a parent as one joined "schema.name"; two tables that join alike share one node here
    const key = `${t.schema}.${t.name}`;
    const parent = typeof t.partitionOf === 'string' ? t.partitionOf : null;
    if (!parentOf.get(key)) parentOf.set(key, parent);
  }
  const settled = new Set<string>();
  for (const start of parentOf.keys()) {
    const chain = new Set<string>();
    for (let at: string | null | undefined = start; at && !settled.has(at); at = parentOf.get(at)) {
      if (chain.has(at)) return `the partitions of ${at} lead back to it`;
      chain.add(at);
    }
    for (const n of chain) settled.add(n);
  }
  return null;
}

function tooLarge(entry: string, cap: number): string {
  return `${entry} is larger than ${cap / 2 ** 20} MiB (the most pgsnap reads)`;
}

function corrupt(file: string, what: string): PgsnapError {
  return new PgsnapError('archive_corrupt', `${file} is damaged: ${what}`, { hint: 'use another archive (pgsnap list shows them)' });
}
