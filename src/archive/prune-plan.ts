import type { TablePattern } from '../patterns.js';
import { keptForShrink } from './shrink.js';
import { type ArchiveSummary, byDatabase } from './summary.js';
import { internalError } from '../errors.js';

/**
 * Which archives `pgsnap prune` keeps, as restic's `forget` decides: each rule independently picks archives to
 * keep, and an archive is kept when any rule picks it.
 *   keep-last N     the N newest archives
 *   keep-daily N    for the last N days that have archives, the newest archive of each day
 *   keep-weekly N   the same per ISO week (Monday to Sunday)
 *   keep-monthly N  the same per calendar month
 * Days, weeks and months are UTC, like archive names. The newest archive is always kept, and so is any archive
 * dated after `now` (a clock that went backwards must not delete the newest backups). With no rule at all the
 * plan is refused: deleting every archive but one is never what someone meant by `pgsnap prune`.
 */
export interface PruneRules {
  readonly keepLast?: number | undefined;
  readonly keepDaily?: number | undefined;
  readonly keepWeekly?: number | undefined;
  readonly keepMonthly?: number | undefined;
}

export interface PruneCandidate {
  readonly file: string;
  readonly takenAt: Date;
}

interface PruneDecision<A extends PruneCandidate> {
  readonly archive: A;
  /** why it is kept: `last`, `daily 2025-07-11`, `weekly 2025-W28`, `monthly 2025-07`, `newest`, `future`; empty when removed */
  readonly reasons: readonly string[];
}

export interface PrunePlan<A extends PruneCandidate> {
  readonly keep: readonly PruneDecision<A>[];
  readonly remove: readonly PruneDecision<A>[];
}

export function hasRules(rules: PruneRules): boolean {
  return [rules.keepLast, rules.keepDaily, rules.keepWeekly, rules.keepMonthly].some((n) => n !== undefined);
}

export function planPrune<A extends PruneCandidate>(archives: readonly A[], rules: PruneRules, now: Date): PrunePlan<A> {
  if (!hasRules(rules)) throw internalError('planPrune needs at least one keep rule');
  // newest first; ties broken by name so that the plan is stable
  const sorted = [...archives].sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime() || (a.file < b.file ? 1 : a.file > b.file ? -1 : 0));
  const reasons = new Map<A, string[]>(sorted.map((a) => [a, []]));
  const add = (a: A, why: string) => reasons.get(a)?.push(why);

  const first = sorted[0];
  if (first) add(first, 'newest');
  for (const a of sorted) if (a.takenAt.getTime() > now.getTime()) add(a, 'future');
  for (const a of sorted.slice(0, rules.keepLast ?? 0)) add(a, 'last');
  keepPerBucket(sorted, rules.keepDaily, (d) => `daily ${d.toISOString().slice(0, 10)}`, add);
  keepPerBucket(sorted, rules.keepWeekly, (d) => `weekly ${isoWeek(d)}`, add);
  keepPerBucket(sorted, rules.keepMonthly, (d) => `monthly ${d.toISOString().slice(0, 7)}`, add);

  const keep: PruneDecision<A>[] = [];
  const remove: PruneDecision<A>[] = [];
  for (const a of sorted) {
    const why = reasons.get(a) ?? [];
    (why.length > 0 ? keep : remove).push({ archive: a, reasons: why });
  }
  return { keep, remove };
}

/** newest-first input: the first archive met in each bucket is that bucket's newest */
function keepPerBucket<A extends PruneCandidate>(sorted: readonly A[], n: number | undefined, bucket: (d: Date) => string, add: (a: A, why: string) => void): void {
  if (!n) return;
  const seen = new Set<string>();
  for (const a of sorted) {
    const b = bucket(a.takenAt);
    if (seen.has(b)) continue;
    if (seen.size >= n) break;
    seen.add(b);
    add(a, b);
  }
}

/** ISO 8601 week, e.g. `2025-W28` (weeks start on Monday; week 1 holds the year's first Thursday) */
export function isoWeek(d: Date): string {
  const day = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const weekday = day.getUTCDay() || 7;
  day.setUTCDate(day.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((day.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${day.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

interface SummaryDecision {
  readonly archive: ArchiveSummary;
  /** why it is kept (as PruneDecision, plus `last before … shrank`); empty when removed */
  readonly reasons: readonly string[];
}

export interface DirectoryPrunePlan {
  readonly keep: readonly SummaryDecision[];
  readonly remove: readonly SummaryDecision[];
  /** files named like archives that do not read as pgsnap archives: never deleted, never counted as newest */
  readonly unreadable: readonly ArchiveSummary[];
}

export interface ShrinkRules {
  /** 0–1, as archive/shrink.ts */
  readonly threshold: number;
  /** `--forget-shrink`: tables whose loss was meant */
  readonly forget: readonly TablePattern[];
}

/**
 * prune over a shared directory: the rules apply to each database's readable archives on their own (so the newest
 * archive of every database is kept), and the archive taken just before a table shrank is kept while the newest
 * archive still shows the loss (archive/shrink.ts keptForShrink) — a wipe found two weeks later still has its last
 * good archive, whatever --keep-daily says.
 */
export function planDirectoryPrune(summaries: readonly ArchiveSummary[], rules: PruneRules, shrink: ShrinkRules, now: Date): DirectoryPrunePlan {
  const keep: SummaryDecision[] = [];
  const remove: SummaryDecision[] = [];
  const withDate = (s: ArchiveSummary) => ({ ...s, takenAt: new Date(s.takenAt) });
  for (const history of byDatabase(summaries).values()) {
    const plan = planPrune(history.map((s) => ({ summary: s, file: s.file, takenAt: new Date(s.takenAt) })), rules, now);
    const guarded = keptForShrink(
      history.map((s) => ({ ...withDate(s), tables: s.counts ?? [] })),
      shrink.threshold,
      shrink.forget,
    );
    keep.push(...plan.keep.map((d) => ({ archive: d.archive.summary, reasons: [...d.reasons, ...(guarded.get(d.archive.file) ?? [])] })));
    for (const d of plan.remove) {
      const why = guarded.get(d.archive.file);
      if (why) keep.push({ archive: d.archive.summary, reasons: why });
      else remove.push({ archive: d.archive.summary, reasons: [] });
    }
  }
  const order = (a: SummaryDecision, b: SummaryDecision) => b.archive.takenAt.localeCompare(a.archive.takenAt) || a.archive.file.localeCompare(b.archive.file);
  return { keep: keep.sort(order), remove: remove.sort(order), unreadable: summaries.filter((s) => s.counts === null) };
}
