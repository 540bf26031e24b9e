import type { ArchiveFile } from './directory.js';
import { openArchive } from './reader.js';

/** One line of `pgsnap list`: what the file name says, plus what its manifest says (or why it could not be read). */
export interface ArchiveSummary {
  readonly file: string;
  readonly path: string;
  readonly database: string;
  readonly takenAt: string;
  readonly bytes: number;
  readonly tables: number | null;
  readonly rows: number | null;
  readonly seconds: number | null;
  readonly error?: string;
}

/** Reads only each manifest (the zip's central directory and one small entry), never the data. */
export async function summarizeArchive(a: ArchiveFile): Promise<ArchiveSummary> {
  const base = { file: a.file, path: a.path, database: a.database, takenAt: a.takenAt.toISOString(), bytes: a.bytes };
  try {
    const archive = await openArchive(a.path);
    try {
      const m = archive.manifest;
      return {
        ...base,
        tables: m.tables.length,
        rows: m.tables.reduce((n, t) => n + t.rows, 0),
        seconds: (Date.parse(m.finishedAt) - Date.parse(m.startedAt)) / 1000,
      };
    } finally {
      await archive.close();
    }
  } catch (e) {
    return { ...base, tables: null, rows: null, seconds: null, error: (e as Error).message };
  }
}
