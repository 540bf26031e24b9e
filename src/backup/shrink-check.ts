import path from 'node:path';
import { scanArchiveDir } from '../archive/directory.js';
import { safeDatabasePart } from '../archive/naming.js';
import { type Shrunk, shrunkTables, type TableRows } from '../archive/shrink.js';
import { summarizeArchive } from '../archive/summary.js';

export interface ShrinkCheck {
  /** the archive compared with: the newest readable earlier archive of the same database, or null (the first) */
  readonly previous: string | null;
  readonly shrunk: readonly Shrunk[];
}

/**
 * Compare a finished backup's row counts with the previous archive of the same database in the same directory
 * (archive/shrink.ts). Unreadable archives are passed over: they cannot say what the tables held.
 */
export async function checkShrink(dir: string, archive: string, database: string, tables: readonly TableRows[], threshold: number): Promise<ShrinkCheck> {
  const part = safeDatabasePart(database);
  // same database part, so names compare as their timestamps do
  const self = path.basename(archive);
  const earlier = scanArchiveDir(dir)
    .filter((a) => a.database === part && a.file < self)
    .reverse();
  for (const a of earlier) {
    const s = await summarizeArchive(a);
    if (s.counts) return { previous: a.file, shrunk: shrunkTables(s.counts, tables, threshold) };
  }
  return { previous: null, shrunk: [] };
}
