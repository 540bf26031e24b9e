import type { OnConflict } from './plan.js';

/** What happened to one table: values, collected as restore goes and summarised once at the end. */
export interface TableResult {
  readonly table: string;
  /** rows the archive holds for it */
  readonly inArchive: number;
  /** rows added (would be added, with --dry-run) */
  readonly inserted: number;
  /** archived rows already present and left as they are */
  readonly skipped: number;
  /** rows overwritten with the archived values (--on-conflict update) */
  readonly updated: number;
  readonly error?: string;
}

export interface SequenceResult {
  readonly sequence: string;
  /** the value before restore */
  readonly from: string;
  /** the value set, or null when the target was already at or past the archive's */
  readonly to: string | null;
}

export interface RestoreReport {
  readonly archive: string;
  readonly dryRun: boolean;
  readonly onConflict: OnConflict;
  /** how triggers were kept from firing: session_replication_role, per-table ALTER TABLE, or not needed */
  readonly triggers: 'replica' | 'disabled per table' | 'none';
  readonly created: readonly string[];
  readonly tables: readonly TableResult[];
  readonly sequences: readonly SequenceResult[];
  readonly notes: readonly string[];
  readonly committed: boolean;
  readonly seconds: number;
}

/** The human summary for stderr: one line per table, then totals and time. */
export function renderReport(r: RestoreReport): string {
  const head = r.dryRun ? ['table', 'in archive', 'would insert', 'present', 'would update'] : ['table', 'in archive', 'inserted', 'skipped', 'updated'];
  const rows = r.tables.map((t) => [t.table, String(t.inArchive), String(t.inserted), String(t.skipped), String(t.updated)]);
  const total = (k: 'inArchive' | 'inserted' | 'skipped' | 'updated') => String(r.tables.reduce((n, t) => n + t[k], 0));
  const all = [head, ...rows, ['total', total('inArchive'), total('inserted'), total('skipped'), total('updated')]];
  const widths = head.map((_, i) => Math.max(...all.map((row) => (row[i] as string).length)));
  const line = (row: string[]) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  ');
  const out: string[] = [];
  for (const n of r.notes) out.push(`note: ${n}`);
  if (r.created.length > 0) out.push(`created: ${r.created.join(', ')}`);
  out.push(line(head), ...rows.map(line), line(all[all.length - 1] as string[]));
  for (const t of r.tables) if (t.error) out.push(`${t.table}: ${t.error}`);
  for (const s of r.sequences) if (s.to !== null) out.push(`sequence ${s.sequence}: ${s.from} → ${s.to}`);
  const seconds = `${r.seconds.toFixed(1)} s`;
  if (r.dryRun) out.push(`dry run: nothing was changed (${seconds})`);
  else if (r.committed) out.push(`restored from ${r.archive} in ${seconds}`);
  else out.push(`nothing was changed: the restore was rolled back (${seconds})`);
  return out.join('\n');
}
