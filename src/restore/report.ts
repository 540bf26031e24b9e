import type { ForeignKeyOutcome } from './lost-foreign-keys.js';
import { formatSeconds } from '../report/numbers.js';
import type { OnConflict } from './plan.js';

/** What happened to one table: values, collected as restore goes and summarised once at the end. */
export interface TableResult {
  readonly table: string;
  /** rows the archive holds for it */
  readonly inArchive: number;
  /** with --where / --with-dependents: the archived rows selected, and their keys (the first 1000) */
  readonly selected?: number;
  readonly rows?: readonly string[];
  /** rows added (would be added, with --dry-run) */
  readonly inserted: number;
  /** archived rows whose key the target already has, left as they are */
  readonly present: number;
  /** missing rows not inserted because they clash with another row on a unique key (see `conflicts`) */
  readonly conflicting: number;
  /** present + conflicting: every archived row not written (kept for scripts reading earlier reports) */
  readonly skipped: number;
  /** the first few conflicting rows: their key, and the unique keys of the target they clash with */
  readonly conflicts?: readonly Conflict[];
  /** rows overwritten with the archived values (--on-conflict update) */
  readonly updated: number;
  readonly error?: string;
  /** --commit-each-table: whether this table's rows were committed (each table commits on its own) */
  readonly committed?: boolean;
}

export interface Conflict {
  /** the archived row's key, e.g. `(id)=(7)` */
  readonly key: string;
  /** e.g. `users_email_key (email)=(a@example.com)`; empty when it clashed with another archived row */
  readonly clashesWith: readonly string[];
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
  /** foreign keys other tables had to the tables created (dropped by DROP TABLE … CASCADE), put back or not */
  readonly foreignKeys: readonly ForeignKeyOutcome[];
  readonly tables: readonly TableResult[];
  readonly sequences: readonly SequenceResult[];
  readonly notes: readonly string[];
  /** every change was committed (with --commit-each-table: every table's; false for a partial restore) */
  readonly committed: boolean;
  /** --commit-each-table: each table committed on its own (see TableResult.committed) */
  readonly commitEachTable?: boolean;
  readonly seconds: number;
}

/** The human summary for stderr: one line per table, then totals and time. */
export function renderReport(r: RestoreReport): string {
  const head = r.dryRun
    ? ['table', 'in archive', 'would insert', 'present', 'conflicting', 'would update']
    : ['table', 'in archive', 'inserted', 'present', 'conflicting', 'updated'];
  const keys = ['inArchive', 'inserted', 'present', 'conflicting', 'updated'] as const;
  const rows = r.tables.map((t) => [t.table, ...keys.map((k) => String(t[k]))]);
  const total = (k: (typeof keys)[number]) => String(r.tables.reduce((n, t) => n + t[k], 0));
  const all = [head, ...rows, ['total', ...keys.map(total)]];
  const widths = head.map((_, i) => Math.max(...all.map((row) => (row[i] as string).length)));
  const line = (row: string[]) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  ');
  const out: string[] = [];
  for (const n of r.notes) out.push(`note: ${n}`);
  if (r.created.length > 0) out.push(`created: ${r.created.join(', ')}`);
  for (const fk of r.foreignKeys) {
    if (fk.restored) out.push(`foreign key ${fk.table}.${fk.constraint}: ${r.dryRun ? 'would be put back' : 'put back'}`);
    else out.push(`warning: foreign key ${fk.table}.${fk.constraint} was not put back (${fk.reason}); once fixed, run: ${fk.ddl}`);
  }
  out.push(line(head), ...rows.map(line), line(all[all.length - 1] as string[]));
  for (const t of r.tables) if (t.error) out.push(`${t.table}: ${t.error}`);
  for (const t of r.tables) {
    if (t.selected === undefined) continue;
    const shown = (t.rows ?? []).join(', ');
    out.push(`selected: ${t.table}: ${t.selected} of ${t.inArchive} archived row(s)${shown ? `: ${shown}` : ''}${t.selected > (t.rows ?? []).length ? ', …' : ''}`);
  }
  for (const t of r.tables) {
    if (t.conflicting === 0) continue;
    const shown = (t.conflicts ?? []).map((c) => `${c.key}${c.clashesWith.length > 0 ? ` clashes with ${c.clashesWith.join(', ')}` : ' clashes with another archived row'}`);
    out.push(`conflict: ${t.table}: ${t.conflicting} missing row(s) not inserted${shown.length > 0 ? `: ${shown.join('; ')}` : ''}${t.conflicting > shown.length && shown.length > 0 ? '; …' : ''}`);
  }
  for (const s of r.sequences) if (s.to !== null) out.push(`sequence ${s.sequence}: ${s.from} → ${s.to}${r.dryRun ? ' (would move; not moved)' : ''}`);
  const seconds = formatSeconds(r.seconds);
  if (r.dryRun) out.push(`dry run: nothing was changed (${seconds})`);
  else if (r.committed) out.push(`restored from ${r.archive} in ${seconds}`);
  else if (r.commitEachTable) {
    const kept = r.tables.filter((t) => t.committed).length;
    const not = r.tables.filter((t) => !t.committed).map((t) => t.table);
    out.push(`${kept} of ${r.tables.length} table(s) committed; not committed: ${not.join(', ')} (${seconds})`);
  }
  else out.push(`nothing was changed: the restore was rolled back (${seconds})`);
  return out.join('\n');
}
