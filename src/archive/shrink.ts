import { pairKey, type TableId, tableLabel } from './table-id.js';
import { matchesPattern, type TablePattern } from '../patterns.js';

/**
 * The shrink guard: a table that lost more than `threshold` of its rows (default half) since the previous archive
 * of the same database, or went to zero, is how a wipe shows up at 3 a.m. Backup reports it (and fails with
 * --fail-on-shrink), list marks the archive, and prune keeps the newest archive taken before the loss for as long
 * as the newest archive still shows it. A table that is no longer captured at all counts as gone to zero.
 * Pure functions over row counts from manifests.
 */
export interface TableRows extends TableId {
  readonly rows: number;
}

export interface Shrunk {
  /** the table as tableLabel spells it */
  readonly table: string;
  readonly schema: string;
  readonly name: string;
  readonly before: number;
  readonly after: number;
}

/** 0.5 = a table that lost more than half of its rows */
export const DEFAULT_SHRINK_THRESHOLD = 0.5;

function isShrink(before: number, after: number, threshold: number): boolean {
  return before > 0 && (after === 0 || (before - after) / before > threshold);
}

export function shrunkTables(before: readonly TableRows[], after: readonly TableRows[], threshold: number): Shrunk[] {
  const now = new Map(after.map((t) => [pairKey(t), t.rows]));
  const out: Shrunk[] = [];
  for (const t of before) {
    const rows = now.get(pairKey(t)) ?? 0;
    if (isShrink(t.rows, rows, threshold)) out.push({ table: tableLabel(t), schema: t.schema, name: t.name, before: t.rows, after: rows });
  }
  return out;
}

export interface ArchiveCounts {
  readonly file: string;
  readonly takenAt: Date;
  readonly tables: readonly TableRows[];
}

/**
 * Archives of one database (readable ones, oldest first) that prune must keep: for every archive where a table
 * shrank, the archive just before it — the last good copy — while the newest archive still shows the loss against
 * it. `forget` names tables whose loss was meant (`--forget-shrink`). Returns file → reasons.
 */
export function keptForShrink(history: readonly ArchiveCounts[], threshold: number, forget: readonly TablePattern[]): Map<string, string[]> {
  const kept = new Map<string, string[]>();
  const newest = history[history.length - 1];
  if (!newest) return kept;
  for (let i = 1; i < history.length; i++) {
    const good = history[i - 1] as ArchiveCounts;
    for (const s of shrunkTables(good.tables, (history[i] as ArchiveCounts).tables, threshold)) {
      if (forget.some((p) => matchesPattern(p, s.schema, s.name))) continue;
      const stillLost = shrunkTables(good.tables.filter((t) => t.schema === s.schema && t.name === s.name), newest.tables, threshold);
      if (stillLost.length === 0) continue;
      const reasons = kept.get(good.file) ?? [];
      reasons.push(`last before ${s.table} shrank ${s.before} → ${s.after}`);
      kept.set(good.file, reasons);
    }
  }
  return kept;
}

/** For `pgsnap list`: each archive's tables that shrank against the archive before it (same database), by file. */
export function shrinkPerArchive(history: readonly ArchiveCounts[], threshold: number): Map<string, Shrunk[]> {
  const out = new Map<string, Shrunk[]>();
  for (let i = 1; i < history.length; i++) {
    const shrunk = shrunkTables((history[i - 1] as ArchiveCounts).tables, (history[i] as ArchiveCounts).tables, threshold);
    if (shrunk.length > 0) out.set((history[i] as ArchiveCounts).file, shrunk);
  }
  return out;
}
