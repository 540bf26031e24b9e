import { introspectTables } from '../catalog/introspect.js';
import { useOutputSettings } from '../archive/output-settings.js';
import type { CatalogModel } from '../catalog/model.js';
import { type Session, close, connect } from '../db/client.js';
import type { ConnectionTarget } from '../db/connection.js';
import { PgsnapError, usageError } from '../errors.js';
import type { Logger } from '../log.js';
import { parseSelection } from '../patterns.js';
import { checksumProblems } from '../verify/offline.js';
import { type Access, decideAccess, readPrivileges } from './access.js';
import type { ArchiveSource } from './archive-source.js';
import { checkArchivedDdl, loadDdlParser } from './ddl-guard.js';
import { type LostForeignKey, findLostForeignKeys } from './lost-foreign-keys.js';
import type { RestoreOptions } from './options.js';
import type { RestorePlan } from './plan.js';
import { planRestore } from './plan.js';
import { type RowFilter, parseRowFilter } from './row-filter.js';

/**
 * What both ways of restoring (restore.ts, all or nothing; per-table.ts, --commit-each-table) decide the same way
 * before they write: the checks made before connecting, the session settings every writing transaction runs under,
 * and the plan with the role's access, decided once on the first connection.
 */

export type PrepareOptions = Pick<
  RestoreOptions,
  'onConflict' | 'tables' | 'exclude' | 'schemas' | 'createMissing' | 'where' | 'withDependents' | 'logger' | 'renderTables'
>;

/** Before connecting: the user's --where conditions parsed, the archive's checksums and schema read. */
export async function prepareArchive(
  archive: ArchiveSource,
  archiveName: string,
  options: PrepareOptions,
): Promise<{ filters: RowFilter[]; archivedModel: CatalogModel }> {
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
  return { filters, archivedModel: await archive.schema() };
}

export interface Decided {
  readonly plan: RestorePlan;
  readonly created: string[];
  readonly lostForeignKeys: LostForeignKey[];
  readonly access: Access;
}

/**
 * Inside the first connection's open transaction: the session settings, the plan against the target (creating
 * missing tables with --create-missing), the role's privileges and how triggers and row level security are kept
 * quiet. Everything that can refuse does so here, before anything is written.
 */
export async function decideRestore(
  s: Session,
  archive: ArchiveSource,
  archivedModel: CatalogModel,
  options: PrepareOptions & { readonly filters: readonly RowFilter[]; readonly lockTimeoutMs: number },
): Promise<Decided> {
  await sessionSettings(s, options.lockTimeoutMs);
  const { plan, created, lostForeignKeys } = await planAgainstTarget(s, archive, archivedModel, options);
  const privileges = await readPrivileges(s, plan);
  const access = decideAccess(plan, privileges, options.onConflict);
  if (access.blockers.length > 0) throw blocked(access.blockers, 'permission');
  return { plan, created, lostForeignKeys, access };
}

export async function sessionSettings(s: Session, lockTimeoutMs: number): Promise<void> {
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
  options: PrepareOptions & { readonly filters: readonly RowFilter[] },
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

/** A read-only helper connection with the same output settings, to read large tables on two cores (execute.ts). */
export function helperOpener(target: ConnectionTarget, logger: Logger, lockTimeoutMs: number): () => Promise<Session> {
  return async () => {
    const h = await connect(target, { logger });
    try {
      await h.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await sessionSettings(h, lockTimeoutMs);
      return h;
    } catch (e) {
      await close(h);
      throw e;
    }
  };
}
