import type { Readable } from 'node:stream';
import type { Manifest } from '../archive/format.js';
import type { CatalogModel } from '../catalog/model.js';

/** What restore reads from an archive: the manifest, the archived schema, and the data entries as streams. */
export interface ArchiveSource {
  readonly manifest: Manifest;
  /** every entry name in the zip */
  readonly entries: readonly string[];
  schema(): Promise<CatalogModel>;
  /** an entry's bytes, verified against the manifest while they stream (archive/reader.ts) */
  openEntry(entryName: string): Promise<Readable>;
}
