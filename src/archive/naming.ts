import os from 'node:os';
/**
 * Archive file names: `<database>-<UTC timestamp>.zip` with the timestamp spelled like
 * `2025-07-11T19-46-34-951Z` (an ISO instant with `:` and `.` replaced by `-`), so that names sort by time and
 * `latest` or a date resolve from names alone. A run writes to `<final name>.<host>.<pid>.tmp` first: the host
 * too, because a backup directory may be shared by several machines or containers, where a pid means nothing.
 * Two backups of one database that finish with the same name never overwrite each other: the final name is
 * created exclusively, and the later one takes the next free millisecond (writer.ts).
 * An age-encrypted archive is `<name>.zip.age` (archive/age.ts); it sorts, resolves and prunes like any other.
 */
const STAMP = /(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z/;
const ARCHIVE_NAME = new RegExp(`^(.+)-(${STAMP.source})\\.zip(?:\\.age)?$`);
// `<final>.<host>.<pid>[-<run>].tmp`, and `<final>.<host>.<pid>.s<n>.tmp` for spool files of --jobs workers (files of
// earlier versions have no host)
const TEMP_NAME = new RegExp(`^(.+-${STAMP.source}\\.zip(?:\\.age)?)\\.(?:([A-Za-z0-9_-]{1,64})\\.)?(\\d+)(?:-\\d+)?(?:\\.s\\d+)?\\.tmp$`);

export interface ArchiveName {
  readonly file: string;
  readonly database: string;
  readonly takenAt: Date;
}

function timestampForName(at: Date): string {
  return at.toISOString().replace(/[:.]/g, '-');
}

/** Database names may hold anything; keep the file name portable (and out of other directories). */
export function safeDatabasePart(database: string): string {
  const cleaned = database.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_');
  return cleaned.length > 0 ? cleaned.slice(0, 100) : 'database';
}

export function archiveFileName(database: string, at: Date, encrypted = false): string {
  return `${safeDatabasePart(database)}-${timestampForName(at)}.zip${encrypted ? '.age' : ''}`;
}

/** `run` tells apart two writers of one process that start in the same millisecond. */
export function tempFileName(finalName: string, pid: number, host = os.hostname(), run = 0): string {
  return `${finalName}.${hostPart(host)}.${pid}${run > 0 ? `-${run}` : ''}.tmp`;
}

/** A host name as it appears in temporary names: no dots (they separate the parts), at most 64 characters. */
export function hostPart(host: string): string {
  return host.replace(/[^A-Za-z0-9-]/g, '_').slice(0, 64) || 'host';
}

export function parseArchiveName(file: string): ArchiveName | null {
  const m = ARCHIVE_NAME.exec(file);
  if (!m) return null;
  const [, database, , y, mo, d, h, mi, s, ms] = m;
  const takenAt = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`);
  if (Number.isNaN(takenAt.getTime())) return null;
  return { file, database: database as string, takenAt };
}

/** The pid that wrote a temporary file, or null when the name is not one of ours. */
export function parseTempName(file: string): { finalName: string; host: string | null; pid: number } | null {
  const m = TEMP_NAME.exec(file);
  if (!m) return null;
  return { finalName: m[1] as string, host: m[9] ?? null, pid: Number(m[10]) };
}

/** `YYYY-MM-DD` of an instant, in UTC (the day archive names are sorted and resolved by). */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}
