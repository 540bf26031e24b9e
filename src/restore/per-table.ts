import { type Session, close, connect, hangUp } from '../db/client.js';
import type { ConnectionTarget } from '../db/connection.js';
import { PgsnapError, isPgsnapError, usageError } from '../errors.js';
import { onInterrupt } from '../lifecycle.js';
import { plural } from '../report/numbers.js';
import { type Access, accessFor } from './access.js';
import { archivedBytes } from './lookahead.js';
import {
  type ArchiveSource,
  checkForeignKeys,
  finishDeferred,
  loadTable,
  lockTables,
  moveSequences,
  newLoads,
  readSequenceMoves,
  switchBackOn,
  switchOffTriggersAndRls,
} from './execute.js';
import type { RestoreOptions, RestoreOutcome } from './options.js';
import type { RestorePlan, TablePlan } from './plan.js';
import { decideRestore, helperOpener, prepareArchive, sessionSettings } from './prepare.js';
import type { RestoreReport, SequenceResult, TableResult } from './report.js';
import { type Unit, restoreUnits, runUnits } from './units.js';

/**
 * What --commit-each-table cannot promise. --where / --with-dependents pick rows of a table by rows picked in the
 * tables before it, inside one transaction; --create-missing creates tables that a failure must take away again.
 */
export function refuseForCommitEachTable(options: RestoreOptions): void {
  const what = (options.where ?? []).length > 0 ? '--where' : options.withDependents ? '--with-dependents' : options.createMissing ? '--create-missing' : undefined;
  if (what) throw usageError(`--commit-each-table cannot be combined with ${what}`, 'nothing was changed; run without --commit-each-table (one transaction, all or nothing)');
}

/**
 * restore --commit-each-table [--jobs N]: the plan, privileges and trigger access decided once on the first
 * connection (refusing before anything is written), the sequences moved forward and committed, then every unit
 * (a table, or a foreign-key cycle's tables) loaded in a transaction of its own and committed, up to N at once on
 * N connections, each only once the units it references are committed. A failure stops new units; those running
 * commit or roll back on their own, and the report says which tables were committed. A re-run completes the rest.
 * Its caller (restore.ts restoreArchive) has already refused what this mode cannot do (refuseForCommitEachTable).
 */
export async function restorePerTable(archive: ArchiveSource, archiveName: string, target: ConnectionTarget, options: RestoreOptions): Promise<RestoreOutcome> {
  const started = performance.now();
  const { filters, archivedModel } = await prepareArchive(archive, archiveName, options);
  const lockTimeoutMs = options.lockTimeoutMs ?? 10_000;
  const connectOptions = { logger: options.logger, applicationName: 'pgsnap restore' };
  // every connection opened before anything is written: a server out of connection slots refuses here, with
  // nothing changed, rather than after the sequences moved (a table count bounds it: one unit per connection at most)
  const sessions = await connectAll(target, connectOptions, Math.max(1, Math.min(Math.floor(options.jobs ?? 1), archive.manifest.tables.length)));
  const first = sessions[0] as Session;
  const committed = new Set<string>();
  let planned: readonly TablePlan[] = [];
  const undo = onInterrupt(
    async () => {
      await Promise.all(sessions.map(close));
    },
    () => stoppedLine(planned, committed, first.where),
  );
  try {
    await first.query('BEGIN');
    let decided: Awaited<ReturnType<typeof decideRestore>>;
    let sequences: SequenceResult[];
    try {
      decided = await decideRestore(first, archive, archivedModel, { ...options, filters, lockTimeoutMs });
      // Forward before any row: a restore that stops halfway leaves them ahead of the rows (a gap), never behind
      // (the application's next INSERT would take a key a restored row holds).
      const moves = await readSequenceMoves(first, decided.plan.sequences);
      await moveSequences(first, moves, false);
      sequences = moves.map((m) => m.result);
      await first.query('COMMIT');
    } catch (e) {
      await first.query('ROLLBACK').catch(() => {});
      throw e;
    }
    const { plan, access } = decided;
    planned = plan.tables;
    const units = restoreUnits(plan.tables);
    const results = new Map<string, TableResult>();
    const failures: { table: string; error: PgsnapError }[] = [];
    const executeOptions = { ...options, openHelper: helperOpener(target, options.logger, lockTimeoutMs) };
    const progress = options.progress;
    progress?.begin(plan.tables.length, plan.tables.reduce((n, t) => n + t.archived.rows, 0));
    await runUnits(units, sessions, async (unit, s) => {
      const at = { table: unit.tables[0]?.table ?? '' };
      try {
        const loaded = await loadUnit(s, archive, plan, unit, access, lockTimeoutMs, executeOptions, at);
        for (const r of loaded) results.set(r.table, r);
        for (const t of unit.tables) committed.add(t.table);
        return true;
      } catch (e) {
        await s.query('ROLLBACK').catch(() => {});
        failures.push({ table: at.table, error: isPgsnapError(e) ? e : new PgsnapError('restore_failed', (e as Error)?.message ?? String(e), { cause: e }) });
        return false;
      }
    }, unitBytes);
    progress?.done();
    const tables = plan.tables.map((t): TableResult => {
      const r = results.get(t.table);
      if (r && committed.has(t.table)) return { ...r, committed: true };
      const failed = failures.find((f) => f.table === t.table);
      return { table: t.table, inArchive: t.archived.rows, inserted: 0, present: 0, conflicting: 0, skipped: 0, updated: 0, committed: false, ...(failed ? { error: failed.error.message } : {}) };
    });
    const report: RestoreReport = {
      archive: archiveName,
      dryRun: false,
      onConflict: options.onConflict,
      triggers: access.mode === 'replica' ? 'replica' : access.disableTriggers.length > 0 ? 'disabled per table' : 'none',
      created: [],
      foreignKeys: [],
      tables,
      sequences,
      notes: plan.tables.flatMap((t) => t.notes.map((n) => `${t.table}: ${n}`)),
      committed: committed.size === plan.tables.length,
      commitEachTable: true,
      seconds: (performance.now() - started) / 1000,
    };
    const failure = failures[0];
    return failure ? { report, failure: stoppedError(failure, committed.size, plan.tables.length) } : { report };
  } finally {
    undo();
    // every transaction is over: nothing waits for the backends to exit
    for (const s of sessions) hangUp(s);
  }
}

/**
 * One unit in one transaction, as the all-or-nothing restore does it for the whole archive: the session settings,
 * its tables locked, their triggers and FORCE row level security off, each table loaded, the cycle columns set,
 * the orphan check (replica mode), everything switched back on, the deferred constraints checked, COMMIT.
 * `at.table` follows the table being worked on, for the error.
 */
async function loadUnit(
  s: Session,
  archive: ArchiveSource,
  plan: RestorePlan,
  unit: Unit,
  access: Access,
  lockTimeoutMs: number,
  options: RestoreOptions & { readonly openHelper: () => Promise<Session> },
  at: { table: string },
): Promise<TableResult[]> {
  const part: RestorePlan = { ...plan, tables: unit.tables };
  const partAccess = accessFor(access, unit.tables);
  await s.query('BEGIN');
  await sessionSettings(s, lockTimeoutMs);
  await lockTables(s, part, partAccess, lockTimeoutMs);
  await switchOffTriggersAndRls(s, part, partAccess);
  const loads = newLoads();
  const results: TableResult[] = [];
  for (const t of unit.tables) {
    at.table = t.table;
    results.push(await loadTable(s, archive, t, plan.tables.indexOf(t), partAccess, options, loads));
  }
  await finishDeferred(s, loads.pending, results, options.onConflict);
  if (partAccess.mode === 'replica') await checkForeignKeys(s, part, results, loads, options.logger);
  await switchBackOn(s, part, partAccess);
  await s.query('SET CONSTRAINTS ALL IMMEDIATE');
  await s.query('COMMIT');
  return results;
}

async function connectAll(target: ConnectionTarget, options: Parameters<typeof connect>[1], n: number): Promise<Session[]> {
  const opened = await Promise.allSettled(Array.from({ length: n }, () => connect(target, options)));
  const sessions = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  const refused = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (refused) {
    await Promise.all(sessions.map(close));
    throw refused.reason;
  }
  return sessions;
}

/** What a unit costs to load, roughly: its archived bytes. */
function unitBytes(unit: Unit): number {
  return unit.tables.reduce((n, t) => n + archivedBytes(t), 0);
}

function stoppedError(failure: { table: string; error: PgsnapError }, done: number, total: number): PgsnapError {
  const e = failure.error;
  // the server's own words when it refused a row or a statement; our message otherwise (a lock, the orphan check)
  const why = e.code === 'server' ? (e.server?.message ?? e.message) : e.message;
  return new PgsnapError('restore_failed', `restore stopped at ${failure.table} (${why}): ${done} of ${plural(total, 'table')} committed, ${total - done} not`, {
    hint: 'run the same command again to finish (rows already restored are skipped)',
    cause: e,
    ...(e.server ? { server: e.server } : {}),
  });
}

function stoppedLine(tables: readonly TablePlan[], committed: ReadonlySet<string>, where: string): string {
  if (tables.length === 0) return `the restore was stopped before it loaded any table; nothing in ${where} was changed`;
  const kept = tables.filter((t) => committed.has(t.table)).map((t) => t.table);
  return `the restore into ${where} stopped: ${kept.length} of ${plural(tables.length, 'table')} committed${kept.length > 0 ? ` (${kept.join(', ')})` : ''}, the tables being loaded rolled back; run the same command again to finish (rows already restored are skipped)`;
}
