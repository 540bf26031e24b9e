import { introspectTables } from '../catalog/introspect.js';
import { useOutputSettings } from '../archive/output-settings.js';
import type { CatalogModel } from '../catalog/model.js';
import { type Session, close, connect, hangUp, withSession } from '../db/client.js';
import type { ConnectionTarget } from '../db/connection.js';
import { PgsnapError, isPgsnapError, usageError } from '../errors.js';
import type { Logger } from '../log.js';
import { parseSelection } from '../patterns.js';
import { decideAccess, readPrivileges } from './access.js';
import { checkArchivedDdl, loadDdlParser } from './ddl-guard.js';
import { type RowFilter, parseRowFilter } from './row-filter.js';
import { type LostForeignKey, findLostForeignKeys, restoreLostForeignKeys } from './lost-foreign-keys.js';
import {
  type ArchiveSource,
  checkForeignKeys,
  finishDeferred,
  lockTables,
  moveSequences,
  readSequenceMoves,
  restoreTable,
  switchBackOn,
  switchOffTriggersAndRls,
} from './execute.js';
import { Lookahead } from './lookahead.js';
import { type OnConflict, type RestorePlan, type TablePlan, planRestore } from './plan.js';
import type { RestoreReport, TableResult } from './report.js';
import type { Progress } from '../report/progress.js';
import { onInterrupt } from '../lifecycle.js';
import { plural } from '../report/numbers.js';
import { checksumProblems } from '../verify/offline.js';

export interface RestoreOptions {
  readonly onConflict: OnConflict;
  /** table patterns (schema.table, table, globs); none means every table in the archive */
  readonly tables: readonly string[];
  /** --exclude: table patterns left out (wins over tables and schemas) */
  readonly exclude?: readonly string[];
  /** --schema: every archived table of these schemas (besides those `tables` selects) */
  readonly schemas?: readonly string[];
  readonly createMissing: boolean;
  /** --where 'schema.table: condition' (repeatable): only the archived rows that match */
  readonly where?: readonly string[];
  /** --with-dependents: also the archived rows that reference selected rows through foreign keys, transitively */
  readonly withDependents?: boolean;
  readonly dryRun: boolean;
  readonly logger: Logger;
  /**
   * --jobs N: decode the next N - 1 tables' archive entries while one is loaded (lookahead.ts). The rows are
   * still written on one connection in one transaction: all or nothing, in foreign-key order.
   */
  readonly jobs?: number;
  /** how long to wait for a table lock before giving up with nothing changed (default 10 s) */
  readonly lockTimeoutMs?: number;
  /** creates the DDL for `names` from the archived model (catalog/render.ts renderForTables) */
  readonly renderTables?: (model: CatalogModel, names: readonly string[]) => string;
  /** told about each table as it is loaded (report/progress.ts) */
  readonly progress?: Progress;
}

export interface RestoreOutcome {
  readonly report: RestoreReport;
  /** set when the restore failed after it started changing things (all rolled back) */
  readonly failure?: PgsnapError;
}

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
  const started = performance.now();
  // The WASM parser (tens of ms to instantiate) only checks --where conditions and archived DDL.
  if (options.createMissing || (options.where ?? []).length > 0) await loadDdlParser();
  // user input: checked before connecting (row-filter.ts)
  const filters = (options.where ?? []).map(parseRowFilter);
  if (options.withDependents && filters.length === 0) {
    throw usageError('--with-dependents needs --where', "select the rows first, e.g. --where 'public.projects: id = 7' --with-dependents");
  }
  // what verify rejects, restore refuses, before it connects: the manifest against manifest.sha256, and schema.sql
  const damaged = (await checksumProblems(archive))[0];
  if (damaged !== undefined) {
    throw new PgsnapError('archive_corrupt', `${archiveName}: ${damaged}`, { hint: 'nothing was changed; use another archive (pgsnap list), or run pgsnap verify on it' });
  }
  const archivedModel = await archive.schema();
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
        await sessionSettings(s, lockTimeoutMs);
        const { plan, created, lostForeignKeys } = await planAgainstTarget(s, archive, archivedModel, { ...options, filters });
        const privileges = await readPrivileges(s, plan);
        const access = decideAccess(plan, privileges, options.onConflict);
        if (access.blockers.length > 0) throw blocked(access.blockers, 'permission');

        await lockTables(s, plan, access, lockTimeoutMs);
        await switchOffTriggersAndRls(s, plan, access);
        const pending: Parameters<typeof restoreTable>[6] = [];
        // a read-only helper connection with the same output settings, to read large tables on two cores
        const openHelper = async (): Promise<Session> => {
          const h = await connect(target, { logger: options.logger });
          try {
            await h.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
            await sessionSettings(h, lockTimeoutMs);
            return h;
          } catch (e) {
            await close(h);
            throw e;
          }
        };
        lookahead = new Lookahead(archive, plan.tables, Math.max(1, Math.floor(options.jobs ?? 1)) - 1);
        const ahead = lookahead;
        const executeOptions = { ...options, openHelper, selectedStages: new Map<string, string>(), decode: (t: TablePlan) => ahead.take(t) };
        const progress = options.progress;
        progress?.begin(plan.tables.length, plan.tables.reduce((n, t) => n + t.archived.rows, 0));
        for (const [i, t] of plan.tables.entries()) {
          failedAt = t.table;
          options.logger.debug(`restoring ${t.table} (${t.archived.rows} rows in the archive)`);
          const t0 = performance.now();
          progress?.tableStarted(t.table);
          results.push(await restoreTable(s, archive, t, i, access, executeOptions, pending));
          progress?.tableDone(t.table, t.archived.rows, t.archived.entries.reduce((n, e) => n + e.bytes, 0), (performance.now() - t0) / 1000);
          ahead.done(i);
        }
        progress?.done();
        failedAt = undefined;
        await finishDeferred(s, pending, results, options.onConflict);
        const foreignKeys = await restoreLostForeignKeys(s, lostForeignKeys);
        if (access.mode === 'replica') await checkForeignKeys(s, plan, results);
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

async function sessionSettings(s: Session, lockTimeoutMs: number): Promise<void> {
  // The archive's text was printed under these settings (DateStyle, IntervalStyle, lc_monetary…); money,
  // intervals and dates are parsed according to them, so they are read back under the same ones.
  await useOutputSettings(s, 'transaction');
  // Like SET LOCAL, in one round trip:
  // - row_security off: an error instead of silently filtered rows if a policy would apply (restore sees every row);
  // - temp_buffers: staging tables are temporary (no WAL); give them room in memory before the session first
  //   touches one;
  // - statement_timeout 0: hosted platforms often give roles a statement_timeout far shorter than a large restore.
  const local: readonly (readonly [string, string])[] = [
    ['row_security', 'off'],
    ['lock_timeout', String(Math.max(1, Math.floor(lockTimeoutMs)))],
    ['temp_buffers', '128MB'],
    ['statement_timeout', '0'],
  ];
  await s.query(
    `SELECT ${local.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`).join(', ')}`,
    local.flat(),
  );
  // Deferrable foreign keys are checked at COMMIT, so their cycles need no special handling.
  await s.query(`SET CONSTRAINTS ALL DEFERRED`);
}

async function planAgainstTarget(
  s: Session,
  archive: ArchiveSource,
  archivedModel: CatalogModel,
  options: RestoreOptions & { readonly filters: readonly RowFilter[] },
): Promise<{ plan: RestorePlan; created: string[]; lostForeignKeys: LostForeignKey[] }> {
  const planOptions = {
    onConflict: options.onConflict,
    selection: parseSelection(options.tables, options.exclude),
    schemas: options.schemas ?? [],
    createMissing: options.createMissing,
    filters: options.filters,
    withDependents: options.withDependents ?? false,
  };
  const targetBefore = await introspectTables(s);
  let plan = planRestore(archive.manifest, archivedModel, targetBefore, planOptions);
  if (plan.blockers.length > 0) throw blocked(plan.blockers, 'usage');
  let created: string[] = [];
  let lostForeignKeys: LostForeignKey[] = [];
  if (plan.missing.length > 0 && options.createMissing) {
    if (!options.renderTables) throw new PgsnapError('internal', '--create-missing needs the catalog renderer');
    // Inside the transaction: a failure later removes these tables again. A partitioned table's rows need its
    // partitions, which the archive holds as schema only (rows are read through the parent).
    // A manifest table that schema.json does not describe renders to nothing: refuse rather than skip its rows.
    const undescribed = plan.missing.filter((n) => !archivedModel.tables.some((t) => `${t.schema}.${t.name}` === n));
    if (undescribed.length > 0) throw blocked([`the archive's schema.json does not describe ${undescribed.join(', ')}, so it cannot be created`], 'usage');
    const toCreate = withPartitions(archivedModel, plan.missing);
    const ddl = options.renderTables(archivedModel, toCreate);
    // The DDL is text from the archive: refuse it unless it only creates what restore writes (ddl-guard.ts), and
    // say before running it what it creates.
    const { creates, problems } = checkArchivedDdl(ddl);
    if (problems.length > 0) throw blocked([`--create-missing refuses the archived schema: ${problems.join('; ')}`], 'usage');
    options.logger.info(`--create-missing creates from the archived schema: ${creates.join(', ')}`);
    await s.query(ddl);
    created = toCreate;
    options.logger.debug(`created ${created.join(', ')}`);
    plan = planRestore(archive.manifest, archivedModel, await introspectTables(s), planOptions);
    if (plan.blockers.length > 0) throw blocked(plan.blockers, 'usage');
    if (plan.missing.length > 0) throw blocked([`the archive's schema.json does not describe ${plan.missing.join(', ')}, so it cannot be created`], 'usage');
    lostForeignKeys = findLostForeignKeys(archivedModel, targetBefore, created);
  }
  return { plan, created, lostForeignKeys };
}

function withPartitions(model: CatalogModel, names: readonly string[]): string[] {
  const out = new Set(names);
  for (let grew = true; grew; ) {
    grew = false;
    for (const t of model.tables) {
      const name = `${t.schema}.${t.name}`;
      if (t.partitionOf && out.has(t.partitionOf) && !out.has(name)) {
        out.add(name);
        grew = true;
      }
    }
  }
  return [...out];
}

function blocked(blockers: readonly string[], code: 'usage' | 'permission'): PgsnapError {
  const [first, ...rest] = blockers;
  return new PgsnapError(code === 'usage' ? 'restore_conflict' : 'permission', `restore cannot start: ${first}${rest.length > 0 ? `; ${rest.join('; ')}` : ''}`, {
    hint: 'nothing was changed',
  });
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
