import { close, hangUp, withSession } from '../db/client.js';
import type { ConnectionTarget } from '../db/connection.js';
import { PgsnapError, isPgsnapError } from '../errors.js';
import { restoreLostForeignKeys } from './lost-foreign-keys.js';
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
import { Lookahead } from './lookahead.js';
import type { TablePlan } from './plan.js';
import { refuseForCommitEachTable, restorePerTable } from './per-table.js';
import { decideRestore, helperOpener, prepareArchive } from './prepare.js';
import type { RestoreReport, TableResult } from './report.js';
import { onInterrupt } from '../lifecycle.js';
import { plural } from '../report/numbers.js';

import type { RestoreOptions, RestoreOutcome } from './options.js';
export type { RestoreOptions, RestoreOutcome };

/**
 * Put an archive's rows back into the target database, all or nothing, in one transaction:
 * plan (pure) → check privileges → lock → triggers off → load each table in foreign-key order → cycle columns →
 * foreign-key check → triggers back on → sequences forward → COMMIT (ROLLBACK with --dry-run).
 * Problems found while planning throw before anything changes; a failure while loading rolls everything back and
 * comes back as `failure` with the per-table results so far.
 */
export async function restoreArchive(
  archive: ArchiveSource,
  archiveName: string,
  target: ConnectionTarget,
  options: RestoreOptions,
): Promise<RestoreOutcome> {
  if (options.commitEachTable) {
    refuseForCommitEachTable(options);
    // A dry run changes nothing either way: the all-or-nothing one reports what the per-table one would do.
    if (!options.dryRun) return restorePerTable(archive, archiveName, target, options);
  }
  const started = performance.now();
  const { filters, archivedModel } = await prepareArchive(archive, archiveName, options);
  const lockTimeoutMs = options.lockTimeoutMs ?? 10_000;
  return withSession(
    target,
    async (s) => {
      await s.query('BEGIN');
      let results: TableResult[] = [];
      let failedAt: string | undefined;
      let committing = false;
      // Ctrl-C (or SIGTERM): closing the session rolls the transaction back; say so, then lifecycle.ts exits 2.
      const undo = onInterrupt(
        () => close(s),
        () => interruptedLine(committing, options.dryRun, s.where, results.length),
      );
      let lookahead: Lookahead | undefined;
      try {
        const { plan, created, lostForeignKeys, access } = await decideRestore(s, archive, archivedModel, { ...options, filters, lockTimeoutMs });

        await lockTables(s, plan, access, lockTimeoutMs);
        await switchOffTriggersAndRls(s, plan, access);
        const loads = newLoads();
        const openHelper = helperOpener(target, options.logger, lockTimeoutMs);
        lookahead = new Lookahead(archive, plan.tables, Math.max(1, Math.floor(options.jobs ?? 1)) - 1, options.copyFormat);
        const ahead = lookahead;
        const executeOptions = { ...options, openHelper, selectedStages: new Map<string, string>(), decode: (t: TablePlan) => ahead.take(t) };
        const progress = options.progress;
        progress?.begin(plan.tables.length, plan.tables.reduce((n, t) => n + t.archived.rows, 0));
        for (const [i, t] of plan.tables.entries()) {
          failedAt = t.table;
          results.push(await loadTable(s, archive, t, i, access, executeOptions, loads));
          ahead.done(i);
        }
        progress?.done();
        failedAt = undefined;
        await finishDeferred(s, loads.pending, results, options.onConflict);
        const foreignKeys = await restoreLostForeignKeys(s, lostForeignKeys);
        if (access.mode === 'replica') await checkForeignKeys(s, plan, results, loads, options.logger);
        await switchBackOn(s, plan, access);
        // Deferred constraints (deferrable foreign keys and unique keys) are checked now rather than at COMMIT:
        // a dry run, which rolls back, then fails exactly where the real run would.
        failedAt = 'the deferred constraint check';
        await s.query('SET CONSTRAINTS ALL IMMEDIATE');
        failedAt = undefined;
        const moves = await readSequenceMoves(s, plan.sequences);
        // Last before COMMIT: setval cannot be rolled back (see moveSequences); a dry run runs only what rolls back.
        // from here on an interruption may leave something behind (setval is not transactional): say so
        committing = true;
        await moveSequences(s, moves, options.dryRun);
        const sequences = moves.map((m) => m.result);
        await s.query(options.dryRun ? 'ROLLBACK' : 'COMMIT');
        const report: RestoreReport = {
          archive: archiveName,
          dryRun: options.dryRun,
          onConflict: options.onConflict,
          triggers: access.mode === 'replica' ? 'replica' : access.disableTriggers.length > 0 ? 'disabled per table' : 'none',
          created,
          foreignKeys,
          tables: results,
          sequences,
          notes: plan.tables.flatMap((t) => t.notes.map((n) => `${t.table}: ${n}`)),
          committed: !options.dryRun,
          seconds: (performance.now() - started) / 1000,
        };
        return { report };
      } catch (e) {
        await s.query('ROLLBACK').catch(() => {});
        const failure = asRestoreError(e, failedAt);
        // Before the first row moved, there is no report worth printing: the error says it all.
        if (results.length === 0 && failedAt === undefined) throw failure;
        if (failedAt) {
          const failed = { table: failedAt, inArchive: 0, inserted: 0, present: 0, conflicting: 0, skipped: 0, updated: 0, error: failure.message };
          results = [...results, failed];
        }
        const report: RestoreReport = {
          archive: archiveName,
          dryRun: options.dryRun,
          onConflict: options.onConflict,
          triggers: 'none',
          created: [],
          foreignKeys: [],
          tables: results.map((r) => (r.error ? r : { ...r, inserted: 0, updated: 0, present: 0, conflicting: 0, skipped: 0 })),
          sequences: [],
          notes: [],
          committed: false,
          seconds: (performance.now() - started) / 1000,
        };
        return { report, failure };
      } finally {
        undo();
        lookahead?.discard();
      }
    },
    { logger: options.logger, applicationName: 'pgsnap restore' },
    // committed or rolled back by then: nothing waits for the backend to exit (a few ms of every restore)
    hangUp,
  );
}

/** What an interrupted restore did: nothing (rolled back), unless the COMMIT was already on its way. */
function interruptedLine(committing: boolean, dryRun: boolean, where: string, tablesLoaded: number): string {
  if (committing && !dryRun) return `while committing: the restore into ${where} may be complete, or only its sequences moved forward; run it again to be sure (it inserts nothing twice)`;
  return `the restore was rolled back; nothing in ${where} was changed (${plural(tablesLoaded, 'table')} had been loaded inside the transaction, none kept)`;
}

function asRestoreError(e: unknown, table: string | undefined): PgsnapError {
  if (isPgsnapError(e)) {
    // The server refused a row or a statement (a constraint, a type): name the table. Other codes already say
    // what failed (connection, lock, permission), and an internal error stays a bug report.
    if (e.code !== 'server' || !table) return e;
    return new PgsnapError('restore_failed', `restoring ${table} failed: ${e.server?.message ?? e.message}`, {
      hint: 'nothing was changed (restore runs in one transaction); fix the cause and run it again',
      cause: e,
      ...(e.server ? { server: e.server } : {}),
    });
  }
  return new PgsnapError('restore_failed', `restoring ${table ?? 'the archive'} failed: ${(e as Error)?.message ?? String(e)}`, {
    hint: 'nothing was changed (restore runs in one transaction); run it again',
    cause: e,
  });
}
