import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { PgsnapError } from '../errors.js';
import { type ArchiveName, hostPart, parseArchiveName, parseTempName } from './naming.js';

export interface ArchiveFile extends ArchiveName {
  readonly path: string;
  readonly bytes: number;
}

/**
 * The finished archives in a directory, oldest first. Temporary files of running (or killed) backups are not
 * archives and never listed.
 */
export function scanArchiveDir(dir: string): ArchiveFile[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new PgsnapError('archive_not_found', `archive directory ${dir} does not exist`, {
        hint: 'pass --dir with the directory your backups are written to (default: backups)',
      });
    }
    if (code === 'ENOTDIR') throw new PgsnapError('usage', `${dir} is not a directory`, { hint: 'pass --dir with a directory' });
    throw new PgsnapError('io', `cannot read archive directory ${dir}: ${(e as Error).message}`);
  }
  const out: ArchiveFile[] = [];
  for (const file of names) {
    const parsed = parseArchiveName(file);
    if (!parsed) continue;
    const full = path.join(dir, file);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(full);
    } catch {
      continue; // removed meanwhile (a concurrent prune)
    }
    if (!stat.isFile()) continue;
    out.push({ ...parsed, path: full, bytes: stat.size });
  }
  return out.sort((a, b) => a.takenAt.getTime() - b.takenAt.getTime() || a.file.localeCompare(b.file));
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove temporary files left behind by backups that were killed with SIGKILL (or lost power): written on this
 * host, by a pid that is dead. A file whose pid still runs belongs to a backup in progress, and another host's
 * file (a directory shared over NFS, or by containers) may too: both are left alone.
 * Returns the names removed.
 */
export function removeStaleTempFiles(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const file of names) {
    const temp = parseTempName(file);
    // another host's file may belong to a backup running there right now: only its own host may judge its pid
    if (!temp || (temp.host !== null && temp.host !== hostPart(os.hostname())) || processAlive(temp.pid)) continue;
    try {
      fs.unlinkSync(path.join(dir, file));
      removed.push(file);
    } catch {
      // already gone
    }
  }
  return removed;
}
