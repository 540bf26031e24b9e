import type { ArchiveFile } from './directory.js';
import { type OpenOptions, openArchive } from './reader.js';
import type { TableRows } from './shrink.js';

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
  /** rows per table, from the manifest (null when unreadable): what the shrink guard compares */
  readonly counts: readonly TableRows[] | null;
  readonly error?: string;
}

/** Reads only each manifest (the zip's central directory and one small entry), never the data. */
export async function summarizeArchive(a: ArchiveFile, options: OpenOptions = {}): Promise<ArchiveSummary> {
  const base = { file: a.file, path: a.path, database: a.database, takenAt: a.takenAt.toISOString(), bytes: a.bytes };
  try {
    const archive = await openArchive(a.path, options);
    try {
      const m = archive.manifest;
      return {
        ...base,
        tables: m.tables.length,
        rows: m.tables.reduce((n, t) => n + t.rows, 0),
        seconds: (Date.parse(m.finishedAt) - Date.parse(m.startedAt)) / 1000,
        counts: m.tables.map((t) => ({ schema: t.schema, name: t.name, rows: t.rows })),
      };
    } finally {
      await archive.close();
    }
  } catch (e) {
    return { ...base, tables: null, rows: null, seconds: null, counts: null, error: (e as Error).message };
  }
}

/** Every archive in a directory, read (manifests only), oldest first. */
export async function summarizeDir(archives: readonly ArchiveFile[], options: OpenOptions = {}): Promise<ArchiveSummary[]> {
  const out: ArchiveSummary[] = [];
  for (const a of archives) out.push(await summarizeArchive(a, options));
  return out;
}

/** Readable archives per database, oldest first; what prune and list reason over. */
export function byDatabase(summaries: readonly ArchiveSummary[]): Map<string, ArchiveSummary[]> {
  const out = new Map<string, ArchiveSummary[]>();
  for (const s of summaries) {
    if (s.counts === null) continue;
    const list = out.get(s.database) ?? [];
    list.push(s);
    out.set(s.database, list);
  }
  for (const list of out.values()) list.sort((a, b) => Date.parse(a.takenAt) - Date.parse(b.takenAt) || a.file.localeCompare(b.file));
  return out;
}
