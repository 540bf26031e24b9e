import path from 'node:path';
import type { ArchiveFile } from '../archive/directory.js';
import { scanArchiveDir } from '../archive/directory.js';
import { parseArchiveName } from '../archive/naming.js';
import { resolveAmong, resolveArchive } from '../archive/resolve.js';
import { parseLocation } from './location.js';
import { openS3Store, type S3Options } from './s3.js';
import type { ArchiveStore } from './store.js';

/**
 * `--dir` resolved once: a local directory or an s3:// location, with the three things every command needs from
 * it — the finished archives (oldest first), what a user's `latest` / date / name means there, and the store to
 * read, write and delete through (none for a local directory, whose code paths are the file system's own).
 */
export interface ArchivePlace {
  /** the absolute directory, or `s3://bucket/prefix/` */
  readonly dir: string;
  readonly store: ArchiveStore | undefined;
  list(): Promise<ArchiveFile[]>;
  /** `latest` and dates among `database`'s archives (archive/resolve.ts) */
  resolve(spec: string, database?: string): Promise<string>;
}

/** The config file's `s3` settings as the store's options. */
export function s3Options(settings: { readonly s3Endpoint?: string | undefined; readonly s3ForcePathStyle?: boolean | undefined }): S3Options {
  return {
    ...(settings.s3Endpoint === undefined ? {} : { endpoint: settings.s3Endpoint }),
    ...(settings.s3ForcePathStyle === undefined ? {} : { forcePathStyle: settings.s3ForcePathStyle }),
  };
}

export async function archivePlace(dir: string, cwd: string, s3: S3Options = {}): Promise<ArchivePlace> {
  const location = parseLocation(dir);
  if (location.kind === 'local') {
    const abs = path.resolve(cwd, location.dir);
    return { dir: abs, store: undefined, list: async () => scanArchiveDir(abs), resolve: async (spec, database) => resolveArchive(spec, abs, database) };
  }
  const store = await openS3Store(location, s3);
  const list = async (): Promise<ArchiveFile[]> => {
    const out: ArchiveFile[] = [];
    // an unfinished multipart upload is not an object: everything listed here is complete
    for (const o of await store.list()) {
      const parsed = parseArchiveName(o.name);
      if (parsed) out.push({ ...parsed, path: `${store.description}${o.name}`, bytes: o.bytes });
    }
    return out.sort((a, b) => a.takenAt.getTime() - b.takenAt.getTime() || a.file.localeCompare(b.file));
  };
  return {
    dir: store.description,
    store,
    list,
    async resolve(spec, database) {
      const all = await list();
      const name = spec.trim().startsWith(store.description) ? spec.trim().slice(store.description.length) : spec.trim();
      return resolveAmong(name, all, store.description, database).path;
    },
  };
}
