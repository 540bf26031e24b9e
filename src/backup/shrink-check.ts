import path from 'node:path';
import type { ArchiveFile } from '../archive/directory.js';
import type { OpenOptions } from '../archive/reader.js';
import { safeDatabasePart } from '../archive/naming.js';
import { type Shrunk, shrunkTables, type TableRows } from '../archive/shrink.js';
import { summarizeArchive } from '../archive/summary.js';

export interface ShrinkCheck {
  /** the archive compared with: the newest readable earlier archive of the same database, or null (the first) */
  readonly previous: string | null;
  readonly shrunk: readonly Shrunk[];
  /** an earlier archive passed over because it is encrypted and no --identity was given (the guard says so) */
  readonly encrypted?: string;
}

/**
 * Compare a finished backup's row counts with the previous archive of the same database in the same directory
 * (archive/shrink.ts). Unreadable archives are passed over: they cannot say what the tables held.
 */
export async function checkShrink(
  archives: readonly ArchiveFile[],
  archive: string,
  database: string,
  tables: readonly TableRows[],
  threshold: number,
  open: OpenOptions = {},
): Promise<ShrinkCheck> {
  const part = safeDatabasePart(database);
  // same database part, so names compare as their timestamps do
  const self = path.basename(archive);
  const earlier = archives
    .filter((a) => a.database === part && a.file < self)
    .reverse();
  let encrypted: string | undefined;
  for (const a of earlier) {
    const s = await summarizeArchive(a, open);
    if (s.counts) return { previous: a.file, shrunk: shrunkTables(s.counts, tables, threshold), ...(encrypted ? { encrypted } : {}) };
    if (a.file.endsWith('.age') && !open.identities) encrypted ??= a.file;
  }
  return { previous: null, shrunk: [], ...(encrypted ? { encrypted } : {}) };
}
