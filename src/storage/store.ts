import type { Readable, Writable } from 'node:stream';
import type yauzl from 'yauzl';

/**
 * An archive store: where finished archives are listed, read and deleted, and where a new one is written so that
 * it appears only when complete. The local directory does this with a temporary name and a rename
 * (archive/writer.ts, archive/directory.ts); object storage with a multipart upload completed only at the end
 * (storage/s3.ts).
 */
export interface StoredObject {
  readonly name: string;
  readonly bytes: number;
}

export interface StoreUpload {
  /** write the archive's bytes here (backpressure is honoured: memory stays bounded) */
  readonly stream: Writable;
  /** end the stream and make the object appear; resolves with its size */
  complete(): Promise<number>;
  /** give up: nothing appears (best effort towards the server; an unfinished upload never lists) */
  abort(): Promise<void>;
}

export interface ArchiveStore {
  /** for messages: `s3://bucket/prefix/` */
  readonly description: string;
  /** every object directly under the location, in no particular order */
  list(): Promise<StoredObject[]>;
  /** the whole object, streamed */
  read(name: string): Promise<Readable>;
  /** random access for the zip reader (one ranged read per request) */
  randomAccess(name: string): Promise<{ size: number; reader: yauzl.RandomAccessReader }>;
  /** is there an object of this name (a finished archive)? */
  exists(name: string): Promise<boolean>;
  /** a new object; its completion refuses to replace an object of the same name that appeared meanwhile */
  create(name: string): Promise<StoreUpload>;
  remove(name: string): Promise<void>;
}
