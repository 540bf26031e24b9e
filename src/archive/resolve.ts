import fs from 'node:fs';
import path from 'node:path';
import { PgsnapError } from '../errors.js';
import { type ArchiveFile, scanArchiveDir } from './directory.js';
import { safeDatabasePart, utcDay } from './naming.js';

/**
 * Turn what a user typed into an archive path: a file path, `latest`, or `YYYY-MM-DD` (the newest archive taken
 * on that UTC day). `latest` and dates resolve among the archives of one database — `database`, the target's
 * (restore) or `--from-database` — because in a shared directory "the newest archive" of another database is the
 * wrong data. Without a database they resolve only when the directory holds one database's archives. Errors say
 * what exists instead.
 */
export function resolveArchive(spec: string, dir: string, database?: string): string {
  const trimmed = spec.trim();
  if (trimmed === 'latest' || /^\d{4}-\d{2}-\d{2}$/.test(trimmed)) return resolveAmong(trimmed, scanArchiveDir(dir), dir, database).path;
  const candidate = path.resolve(trimmed);
  if (fs.existsSync(candidate)) {
    if (!fs.statSync(candidate).isFile()) throw new PgsnapError('usage', `${trimmed} is not a file`, { hint: 'name an archive .zip file, latest, or a date YYYY-MM-DD' });
    return candidate;
  }
  const inDir = path.join(dir, trimmed);
  if (!trimmed.includes('/') && fs.existsSync(inDir) && fs.statSync(inDir).isFile()) return inDir;
  throw notFound(trimmed, dir);
}

/**
 * `latest`, a date or an archive's name among the archives of one place (oldest first): a directory's, or an
 * object storage prefix's (storage/place.ts), where only names exist. `latest` and dates choose among one
 * database's archives, as above.
 */
export function resolveAmong(spec: string, everything: readonly ArchiveFile[], dir: string, database?: string): ArchiveFile {
  const trimmed = spec.trim();
  if (trimmed === 'latest') {
    const all = archivesOf(everything, dir, database);
    const newest = all[all.length - 1];
    if (!newest) throw noArchives(dir);
    return newest;
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(trimmed)) {
    const day = new Date(`${trimmed}T00:00:00Z`);
    if (Number.isNaN(day.getTime()) || utcDay(day) !== trimmed) {
      throw new PgsnapError('usage', `${trimmed} is not a valid date`, { hint: 'use YYYY-MM-DD, e.g. 2025-07-11' });
    }
    const all = archivesOf(everything, dir, database);
    if (all.length === 0) throw noArchives(dir);
    const that = all.filter((a) => utcDay(a.takenAt) === trimmed);
    const newest = that[that.length - 1];
    if (newest) return newest;
    throw new PgsnapError('archive_not_found', `no archive from ${trimmed} (UTC) in ${dir}`, {
      hint: `nearest dates with archives: ${nearestDays(all, trimmed).join(', ')}`,
    });
  }
  const named = everything.find((a) => a.file === trimmed);
  if (named) return named;
  throw notFound(trimmed, dir);
}

function notFound(spec: string, dir: string): PgsnapError {
  return new PgsnapError('archive_not_found', `archive not found: ${spec}`, {
    hint: `name an archive file, latest, or a date YYYY-MM-DD (pgsnap list --dir ${dir} shows what exists)`,
  });
}

/** The archives `latest` and dates choose from; refuses to guess between databases. */
function archivesOf(all: readonly ArchiveFile[], dir: string, database: string | undefined): readonly ArchiveFile[] {
  const databases = [...new Set(all.map((a) => a.database))].sort();
  if (database === undefined) {
    if (databases.length <= 1) return all;
    throw new PgsnapError('usage', `${dir} holds archives of ${databases.length} databases (${databases.join(', ')}); which one?`, {
      hint: `pass --from-database NAME, e.g. --from-database ${databases[0]}`,
    });
  }
  const part = safeDatabasePart(database);
  const mine = all.filter((a) => a.database === part);
  if (mine.length > 0 || all.length === 0) return mine;
  throw new PgsnapError('archive_not_found', `no archives of database ${database} in ${dir}; there are archives of ${databases.join(', ')}`, {
    hint: `to use another database's archive, pass --from-database NAME (e.g. --from-database ${databases[0]}) or the archive's file name`,
  });
}

function noArchives(dir: string): PgsnapError {
  return new PgsnapError('archive_not_found', `no archives in ${dir}`, {
    hint: 'run pgsnap backup first, or pass --dir with the directory your backups are written to',
  });
}

/** Up to three days with archives, closest to `day` first (before or after). */
function nearestDays(archives: readonly ArchiveFile[], day: string): string[] {
  const target = new Date(`${day}T00:00:00Z`).getTime();
  const days = [...new Set(archives.map((a) => utcDay(a.takenAt)))];
  return days
    .sort((a, b) => Math.abs(new Date(`${a}T00:00:00Z`).getTime() - target) - Math.abs(new Date(`${b}T00:00:00Z`).getTime() - target) || a.localeCompare(b))
    .slice(0, 3);
}
