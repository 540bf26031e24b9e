import { pipeline } from 'node:stream/promises';
import { Fingerprint, addFingerprints } from '../archive/fingerprint.js';
import { feedRowLines } from '../archive/row-lines.js';
import { type Session, close } from '../db/client.js';
import { qualify, quoteIdent, quoteLiteral } from '../sql/quote.js';
import { mapPgError } from '../db/errors.js';
import { PgsnapError, isPgsnapError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Progress } from '../report/progress.js';
import type { Access } from './access.js';
import { isBinaryGiveUp } from './binary-copy.js';
import { type DecodedTable, archivedBytes, decodeFor, decodeTable } from './lookahead.js';
import type { CopyFormat } from './options.js';
import type { OnConflict, RestorePlan, SequencePlan, TablePlan } from './plan.js';
import type { Conflict, SequenceResult, TableResult } from './report.js';
import * as sql from './sql.js';

/** The part of an opened archive restore reads (archive/reader.ts provides it). */
// in its own file so that lookahead.ts can name it without importing this one (a cycle)
import type { ArchiveSource } from './archive-source.js';
export type { ArchiveSource };

export interface ExecuteOptions {
  readonly onConflict: OnConflict;
  readonly logger: Logger;
  /**
   * a second, read-only connection with the restore's output settings, for reading a large table on two
   * server processes at once (the already-identical check); closed by the caller of this function's result
   */
  readonly openHelper?: () => Promise<Session>;
  /** restore --jobs: the table's COPY text, decoded ahead (lookahead.ts); absent, it is decoded when needed */
  readonly decode?: (t: TablePlan) => DecodedTable;
  /** binary or text COPY (options.ts CopyFormat); auto when absent */
  readonly copyFormat?: CopyFormat;
  /** tables loaded so far with only some of their rows (--where, --with-dependents) → the temp table holding those rows */
  readonly selectedStages?: Map<string, string>;
}

/**
 * restoreTable, with the debug line and the progress report around it: the one step both ways of restoring
 * (restore.ts, per-table.ts) take for each table.
 */
export async function loadTable(
  s: Session,
  archive: ArchiveSource,
  t: TablePlan,
  index: number,
  access: Access,
  options: ExecuteOptions & { readonly progress?: Progress },
  loads: Loads,
): Promise<TableResult> {
  options.logger.debug(`restoring ${t.table} (${t.archived.rows} rows in the archive)`);
  const t0 = performance.now();
  options.progress?.tableStarted(t.table);
  const result = await restoreTable(s, archive, t, index, access, options, loads);
  options.progress?.tableDone(t.table, t.archived.rows, archivedBytes(t), (performance.now() - t0) / 1000);
  return result;
}

/** Rows listed per table in the report when only some are restored (the first ones, by key). */
const LISTED_ROWS = 1000;

/**
 * Stream a table's rows from the archive into `COPY relation (columns) FROM STDIN`, with backpressure end to end:
 * the archive is read only as fast as the server takes rows (beyond what --jobs decoded ahead, lookahead.ts).
 * Binary COPY (binary-copy.ts) runs inside a savepoint: when an encoder cannot vouch for a value, or the server
 * refuses the data (SQLSTATE class 22), the table is rolled back to it and sent again as text, whose input
 * functions have the last word. Returns the number of rows sent.
 */
async function copyRows(s: Session, archive: ArchiveSource, t: TablePlan, relation: string, options: ExecuteOptions): Promise<number> {
  const decoded = options.decode ? options.decode(t) : decodeFor(archive, t, options.copyFormat);
  if (!decoded.binary) {
    options.logger.debug(`${t.table}: text COPY (${decoded.why})`);
    return copyOnce(s, t, relation, decoded);
  }
  options.logger.debug(`${t.table}: binary COPY`);
  await s.query('SAVEPOINT pgsnap_binary');
  try {
    const rows = await copyOnce(s, t, relation, decoded);
    await s.query('RELEASE SAVEPOINT pgsnap_binary');
    return rows;
  } catch (e) {
    const why = isBinaryGiveUp(e)
      ? (e as Error).message
      : isPgsnapError(e) && e.server?.sqlState.startsWith('22') === true
        ? `${t.table}: binary COPY gave way to text: the server refused it (${e.server.message})`
        : undefined;
    if (why === undefined) throw e;
    await s.query('ROLLBACK TO SAVEPOINT pgsnap_binary');
    await s.query('RELEASE SAVEPOINT pgsnap_binary');
    options.logger.debug(why);
    return copyOnce(s, t, relation, decodeTable(archive, t));
  }
}

async function copyOnce(s: Session, t: TablePlan, relation: string, decoded: DecodedTable): Promise<number> {
  // a table decoded ahead may have failed (a corrupt entry) before this COPY began
  if (decoded.stream.errored) throw mapPgError(decoded.stream.errored, s.where);
  try {
    await pipeline(decoded.stream, s.copyIn(sql.copyInto(relation, t.columns, decoded.binary)));
  } catch (e) {
    throw mapPgError(e, s.where);
  }
  const rows = decoded.rows();
  if (rows !== t.archived.rows) {
    throw new PgsnapError('archive_corrupt', `${t.table}: the archive holds ${rows} rows but its manifest says ${t.archived.rows}`, {
      hint: 'run pgsnap verify on the archive',
    });
  }
  return rows;
}

/** Take the locks that keep concurrent writers out while restore decides how to load each table. */
export async function lockTables(s: Session, plan: RestorePlan, access: Access, lockTimeoutMs: number): Promise<void> {
  // One at a time, parents before children (the plan's foreign-key order): an application that inserts a parent
  // and then its children takes its locks in that order too, so restore waits for it instead of deadlocking with
  // it. Two restores of the same archive also lock in the same order.
  const lockable = new Set(access.lockable);
  for (const t of plan.tables.filter((p) => lockable.has(p.table))) {
    try {
      await s.query(`LOCK TABLE ${sql.target(t)} IN SHARE ROW EXCLUSIVE MODE`);
    } catch (e) {
      const code = e instanceof PgsnapError ? e.sqlState : undefined;
      if (code === '55P03' || code === '40P01') {
        const what =
          code === '40P01'
            ? `deadlock while locking ${t.table}: another session was waiting for a table restore had locked`
            : `could not lock ${t.table} within ${lockTimeoutMs / 1000} s: another session is writing to it or holds a lock`;
        throw new PgsnapError('restore_conflict', what, {
          hint: 'nothing was changed; run restore again when the writers pause (or stop the application for the restore)',
          cause: e,
        });
      }
      throw e;
    }
  }
}

export async function switchOffTriggersAndRls(s: Session, plan: RestorePlan, access: Access): Promise<void> {
  if (access.mode === 'replica') await s.query(`SET LOCAL session_replication_role = replica`);
  // in the order decideAccess gives: a partitioned table before its partitions (see switchBackOn)
  for (const sw of access.disableTriggers) {
    for (const tr of sw.triggers) await s.query(`ALTER TABLE ${qualify(sw.schema, sw.name)} DISABLE TRIGGER ${quoteIdent(tr.name)}`);
  }
  for (const table of access.unforceRls) await s.query(`ALTER TABLE ${sql.target(tablePlan(plan, table))} NO FORCE ROW LEVEL SECURITY`);
}

/**
 * Put triggers and FORCE back as they were, inside the same transaction, before it commits. A partitioned
 * table's trigger put back sets its partitions' clones to its state too; each partition, switched after its
 * parent, then gives its clones their own state back.
 */
export async function switchBackOn(s: Session, plan: RestorePlan, access: Access): Promise<void> {
  const how = { O: 'ENABLE TRIGGER', A: 'ENABLE ALWAYS TRIGGER', R: 'ENABLE REPLICA TRIGGER', D: 'DISABLE TRIGGER' } as const;
  for (const sw of access.disableTriggers) {
    for (const tr of sw.triggers) await s.query(`ALTER TABLE ${qualify(sw.schema, sw.name)} ${how[tr.enabled]} ${quoteIdent(tr.name)}`);
  }
  for (const table of access.unforceRls) await s.query(`ALTER TABLE ${sql.target(tablePlan(plan, table))} FORCE ROW LEVEL SECURITY`);
  if (access.mode === 'replica') await s.query(`SET LOCAL session_replication_role = origin`);
}

function tablePlan(plan: RestorePlan, table: string): TablePlan {
  return plan.tables.find((p) => p.table === table) as TablePlan;
}

interface Pending {
  readonly plan: TablePlan;
  readonly stage: string;
  readonly touched: string;
  readonly deferred: readonly string[];
}

/** What one transaction's loads did, for the steps after them (finishDeferred, checkForeignKeys). */
export interface Loads {
  /** tables with cycle columns still to set (origin mode only) */
  readonly pending: Pending[];
  /** tables that were empty under the lock and took every archived row by a plain COPY, and nothing else */
  readonly copied: Set<string>;
  /** a table that may write other tables (TablePlan.writesElsewhere) was written by INSERT or UPDATE */
  othersMayBeWritten: boolean;
}

export function newLoads(): Loads {
  return { pending: [], copied: new Set(), othersMayBeWritten: false };
}

/**
 * Load one table. An empty target (checked under a lock that keeps writers out) takes the rows straight from
 * COPY; otherwise they go through a temporary staging table (no WAL) and one INSERT … ON CONFLICT.
 */
async function restoreTable(
  s: Session,
  archive: ArchiveSource,
  t: TablePlan,
  index: number,
  access: Access,
  options: ExecuteOptions,
  loads: Loads,
): Promise<TableResult> {
  const deferred = access.mode === 'origin' ? t.deferredColumns : [];
  const inArchive = t.archived.rows;
  /** the rows restore considers: all archived rows, or those selected */
  let inArchiveSelected = inArchive;
  let selection: { selected: number; rows: string[] } | undefined;
  const result = (inserted: number, present: number, updated = 0, conflicting = 0, conflicts: readonly Conflict[] = []): TableResult => ({
    table: t.table,
    inArchive,
    ...(selection ?? {}),
    inserted,
    present,
    conflicting,
    updated,
    skipped: present + conflicting,
    ...(conflicts.length > 0 ? { conflicts } : {}),
  });
  if (t.columns.length === 0) {
    if (t.writesElsewhere) loads.othersMayBeWritten = true;
    // A table without columns holds only a number of rows: top it up to the archive's count.
    const r = await s.query<{ n: string }>(
      `WITH written AS (INSERT INTO ${sql.target(t)} SELECT FROM generate_series(1, $1::bigint - (SELECT count(*) FROM ${sql.target(t)})) RETURNING 1)
       SELECT count(*) AS n FROM written`,
      [inArchive],
    );
    const inserted = Number(r.rows[0]?.n ?? 0);
    return result(inserted, inArchive - inserted);
  }
  // Straight COPY only when no archived row can clash: the table is empty (under the lock) and every unique key
  // it has existed when the archive was taken. A key added since goes through staging, which skips and reports.
  if (access.lockable.includes(t.table) && deferred.length === 0 && t.directLoad && !t.rows) {
    const empty = await s.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${sql.target(t)}) AS any`);
    if (!empty.rows[0]?.any) {
      options.logger.debug(`${t.table} is empty: loading with COPY`);
      const n = await copyRows(s, archive, t, sql.target(t), options);
      loads.copied.add(t.table);
      return result(n, 0);
    }
  }
  if (access.lockable.includes(t.table) && !t.rows && (await alreadyIdentical(s, t, options))) {
    options.logger.debug(`${t.table} already holds exactly the archived rows`);
    return result(0, inArchive);
  }
  const allRows = `pgsnap_stage_${index}`;
  await s.query(sql.createStage(t, allRows));
  await copyRows(s, archive, t, quoteIdent(allRows), options);
  // Fresh temporary tables have no statistics; the planner then guesses badly for the anti-join.
  await s.query(`ANALYZE ${quoteIdent(allRows)}`);
  let stage = allRows;
  if (t.rows) {
    stage = await selectRows(s, t, t.rows, allRows, index, options.selectedStages ?? new Map());
    const n = await s.query<{ n: string; rows: string | null }>(
      `SELECT count(*) AS n, to_json((array_agg(k ORDER BY k))[1:${LISTED_ROWS}])::text AS rows FROM (SELECT ${sql.keyText(t, 's')} AS k FROM ${quoteIdent(stage)} s) x`,
    );
    selection = { selected: Number(n.rows[0]?.n ?? 0), rows: JSON.parse(n.rows[0]?.rows ?? 'null') ?? [] };
    inArchiveSelected = selection.selected;
  }
  let touched: string | undefined;
  if (deferred.length > 0) {
    touched = `pgsnap_touched_${index}`;
    await s.query(sql.createTouched(t, touched));
  }
  if (t.writesElsewhere) loads.othersMayBeWritten = true;
  let updated = 0;
  if (options.onConflict === 'update' && t.conflict.kind === 'key' && sql.updatableColumns(t, deferred).length > 0) {
    const u = await s.query<{ n: string }>(sql.updateFromStage(t, stage, deferred, touched));
    updated = Number(u.rows[0]?.n ?? 0);
  }
  const r = await s.query<{ n: string; wanted: string }>(sql.insertFromStage(t, stage, deferred, touched));
  const inserted = Number(r.rows[0]?.n ?? 0);
  const conflicting = Number(r.rows[0]?.wanted ?? inserted) - inserted;
  let conflicts: Conflict[] = [];
  if (conflicting > 0 && t.conflict.kind === 'key') {
    const c = await s.query<{ key: string; clashes: string }>(sql.findConflicts(t, stage));
    const keyColumns = t.conflict.columns.join(', ');
    conflicts = c.rows.map((x) => ({ key: `(${keyColumns})=${x.key}`, clashesWith: JSON.parse(x.clashes) as string[] }));
  }
  if (touched) loads.pending.push({ plan: t, stage, touched, deferred });
  else if (stage === allRows) await s.query(`DROP TABLE ${quoteIdent(stage)}`);
  return result(inserted, inArchiveSelected - inserted - updated - conflicting, updated, conflicting, conflicts);
}

/**
 * Copy the staged rows restore takes into a table of their own: those matching a --where condition or pointing,
 * through one of `rows.via`, at a row selected in a table loaded before; then, through a self-reference, the rows
 * under those, until no more come. The user's conditions run here and nowhere else (row-filter.ts checked them).
 */
async function selectRows(
  s: Session,
  t: TablePlan,
  rows: NonNullable<TablePlan['rows']>,
  allRows: string,
  index: number,
  selectedStages: Map<string, string>,
): Promise<string> {
  const selected = `pgsnap_selected_${index}`;
  const self = rows.via.filter((fk) => fk.references.schema === t.schema && fk.references.name === t.name);
  const fromParents = rows.via
    .filter((fk) => !self.includes(fk) && selectedStages.has(fk.references.table))
    .map((fk) => sql.pointsInto(fk, 's', quoteIdent(selectedStages.get(fk.references.table) as string)));
  const take = [...rows.conditions.map((c) => `coalesce((${c}), false)`), ...fromParents];
  await s.query(
    `CREATE TEMP TABLE ${quoteIdent(selected)} ON COMMIT DROP AS SELECT * FROM ${quoteIdent(allRows)} s WHERE ${take.length > 0 ? take.join(' OR ') : 'false'}`,
  );
  for (let more = self.length > 0; more; ) {
    const r = await s.query(
      `INSERT INTO ${quoteIdent(selected)} SELECT s.* FROM ${quoteIdent(allRows)} s
        WHERE (${self.map((fk) => sql.pointsInto(fk, 's', quoteIdent(selected))).join(' OR ')})
          AND NOT EXISTS (SELECT 1 FROM ${quoteIdent(selected)} x WHERE ROW(x.*)::text = ROW(s.*)::text)`,
    );
    more = (r.rowCount ?? 0) > 0;
  }
  await s.query(`ANALYZE ${quoteIdent(selected)}`);
  selectedStages.set(t.table, selected);
  return selected;
}

/**
 * True when the (locked) target table holds exactly the archived rows: same count, and the same fingerprint
 * (archive/fingerprint.ts) when read back through the very SELECT backup used. Re-running a restore is then as
 * cheap as a backup of the table, instead of staging every row to find that none is missing. Only when every
 * archived column is in the target with its archived type, so that the text matches.
 */
async function alreadyIdentical(s: Session, t: TablePlan, options: ExecuteOptions): Promise<boolean> {
  const byName = new Map(t.archived.columns.map((c) => [c.name, c]));
  if (t.columns.length !== t.archived.columns.length || t.notes.some((n) => n.includes('changed type'))) return false;
  if (!t.columns.every((c) => byName.has(c))) return false;
  const n = await s.query<{ n: string }>(`SELECT count(*) AS n FROM ${sql.target(t)}`);
  if (Number(n.rows[0]?.n) !== t.archived.rows) return false;
  const { lines, digest } = await tableFingerprint(s, t, options);
  return lines === t.archived.rows && digest === t.archived.fingerprint;
}

/** Below this many rows a second connection costs more than it saves. */
const TWO_READERS_MIN_ROWS = 200_000;

/**
 * The fingerprint of the target table read through backup's SELECT. A large plain table is read in two halves
 * of its pages (TID range scans, PostgreSQL 14+) on this session and a helper connection, so that both cores
 * serve it: the table is locked against writers and this transaction has not touched it yet, so both see the
 * same rows. If the helper cannot read it (row level security it does not bypass, say), this session reads all.
 */
async function tableFingerprint(s: Session, t: TablePlan, options: ExecuteOptions): Promise<{ lines: number; digest: string }> {
  const source = { schema: t.archived.schema, name: t.archived.name, partitioned: t.archived.partitioned ?? false, columns: t.archived.columns };
  const read = async (session: Session, where?: string) => {
    try {
      const fp = new Fingerprint();
      await feedRowLines(session, where ? { ...source, where } : source, fp);
      return { lines: fp.lines, digest: fp.digest() };
    } catch (e) {
      throw mapPgError(e, session.where);
    }
  };
  const pages =
    options.openHelper && !source.partitioned && t.archived.rows >= TWO_READERS_MIN_ROWS && (await s.serverMajor()) >= 14
      ? Number(
          (
            await s.query<{ pages: string }>(
              `SELECT pg_relation_size(${quoteLiteral(sql.target(t))}::regclass) / current_setting('block_size')::int AS pages`,
            )
          ).rows[0]?.pages,
        )
      : 0;
  if (pages < 2 || !options.openHelper) return read(s);
  const mid = Math.floor(pages / 2);
  const lowHalf = `ctid < '(${mid},0)'::tid`;
  const highHalf = `ctid >= '(${mid},0)'::tid`;
  const helper = await options.openHelper().catch(() => undefined);
  if (!helper) return read(s);
  try {
    const [low, high] = await Promise.allSettled([read(s, lowHalf), read(helper, highHalf)]);
    if (low.status === 'rejected') throw low.reason;
    let upper: { lines: number; digest: string };
    if (high.status === 'fulfilled') upper = high.value;
    else {
      options.logger.debug(`the helper connection could not read ${t.table} (${(high.reason as Error).message}); reading it here`);
      upper = await read(s, highHalf);
    }
    return { lines: low.value.lines + upper.lines, digest: addFingerprints(low.value.digest, upper.digest) };
  } finally {
    await close(helper);
  }
}

/** Second pass over the columns that close foreign-key cycles; adjusts the results it changes. */
export async function finishDeferred(s: Session, pending: readonly Pending[], results: TableResult[], onConflict: OnConflict): Promise<void> {
  for (const p of pending) {
    const r = await s.query<{ newly_updated: string }>(sql.setDeferred(p.plan, p.stage, p.deferred, onConflict, p.touched));
    const extra = Number(r.rows[0]?.newly_updated ?? 0);
    const i = results.findIndex((x) => x.table === p.plan.table);
    const before = results[i] as TableResult;
    if (extra > 0) results[i] = { ...before, updated: before.updated + extra, present: before.present - extra, skipped: before.skipped - extra };
  }
}

/**
 * With session_replication_role = replica PostgreSQL skips foreign-key checks too (they are triggers). The
 * archive is one consistent snapshot, but merged into a live database a restored row can point at a row that is
 * gone (e.g. --table profiles after the users were deleted): find that before committing.
 *
 * A key is not checked when it cannot find anything (`whyCheck`): both tables were empty under this
 * transaction's lock and took every archived row by COPY, and the archive's schema has the same key, validated.
 * The two tables then hold exactly the rows of one snapshot over which the key held. (A source that itself held
 * orphans, loaded with triggers off, is then copied as it was, as pg_restore --disable-triggers does.)
 */
export async function checkForeignKeys(s: Session, plan: RestorePlan, results: readonly TableResult[], loads: Loads, logger: Logger): Promise<void> {
  const checks: { t: TablePlan; fk: TablePlan['foreignKeys'][number] }[] = [];
  const checked: string[] = [];
  const skipped: string[] = [];
  for (const t of plan.tables) {
    const r = results.find((x) => x.table === t.table);
    if (!r || r.inserted + r.updated === 0) continue;
    for (const fk of t.foreignKeys) {
      if (fk.notValid) continue;
      const why = whyCheck(t, fk, loads);
      if (why === undefined) skipped.push(`${t.table} ${fk.name}`);
      else {
        checks.push({ t, fk });
        checked.push(`${t.table} ${fk.name} (${why})`);
      }
    }
  }
  if (checked.length + skipped.length === 0) return;
  logger.debug(
    `foreign-key orphan check: ${checked.length > 0 ? `checking ${checked.join(', ')}` : 'checking none'}; ${skipped.length > 0 ? `skipped ${skipped.join(', ')} (the archive's validated key, both tables copied whole into empty tables in this transaction)` : 'skipped none'}`,
  );
  // in batches (sql.findFirstOrphan), in the plan's order: the first key with an orphan is the one reported
  for (let from = 0; from < checks.length; from += ORPHAN_BATCH) {
    const batch = checks.slice(from, from + ORPHAN_BATCH);
    const orphan = (await s.query<{ i: number; value: string }>(sql.findFirstOrphan(batch.map((c) => c.fk)))).rows[0];
    if (orphan === undefined) continue;
    const { t, fk } = batch[orphan.i] as (typeof checks)[number];
    const declared = fk.on.schema === t.schema && fk.on.name === t.name ? t.table : `${t.table} (partition ${fk.on.schema}.${fk.on.name})`;
    throw new PgsnapError(
      'restore_failed',
      `restored rows of ${declared} point at ${fk.references.table} rows that do not exist (${fk.name}: ${fk.columns.join(', ')} = ${orphan.value})`,
      { hint: `nothing was changed; restore ${fk.references.table} too (add --table ${fk.references.table})` },
    );
  }
}

/**
 * Why key `fk` of `t` must be checked; undefined when it provably finds no orphan. Nothing but the loads writes a
 * restored table in this transaction: in replica mode no user trigger fires (ORIGIN ones are silent, access.ts
 * disables ALWAYS and REPLICA ones), COPY applies no rules, cycle columns (finishDeferred) are set in origin mode
 * only, and the lost-foreign-key step adds constraints, no rows. What could still write — an INSERT or UPDATE into
 * a table with rules — is `othersMayBeWritten` (a partition's own ALWAYS or REPLICA trigger, switched off by
 * access.ts since, still counts: conservative).
 */
function whyCheck(t: TablePlan, fk: TablePlan['foreignKeys'][number], loads: Loads): string | undefined {
  if (!fk.heldInArchive) return 'not the archive\'s validated key over the same columns';
  if (!loads.copied.has(t.table)) return `${t.table} not copied whole into an empty table in this transaction`;
  if (!loads.copied.has(fk.references.table)) return `${fk.references.table} not copied whole into an empty table in this transaction`;
  if (loads.othersMayBeWritten || loads.pending.some((p) => p.plan.table === t.table || p.plan.table === fk.references.table)) {
    return 'a table with rules or partition triggers was written';
  }
  return undefined;
}

/** foreign keys checked per statement: one round trip for a small database's keys, statements of a sane size for many */
const ORPHAN_BATCH = 50;

export interface SequenceMove {
  readonly plan: SequencePlan;
  readonly result: SequenceResult;
  /** the value the next nextval must return */
  readonly next: bigint;
  /** the role owns the sequence: ALTER SEQUENCE … RESTART, which is transactional, is open to it */
  readonly owner: boolean;
}

/**
 * Where each sequence is and where the archive needs it (never backwards, respecting is_called). Reads only:
 * a dry run reports these and changes nothing.
 */
export async function readSequenceMoves(s: Session, sequences: readonly SequencePlan[]): Promise<SequenceMove[]> {
  const out: SequenceMove[] = [];
  for (const q of sequences) {
    const rel = qualify(q.schema, q.name);
    const cur = await s.query<{ last_value: string; is_called: boolean; owner: boolean }>(
      `SELECT last_value, is_called, (SELECT pg_has_role(relowner, 'MEMBER') FROM pg_class WHERE oid = ${quoteLiteral(rel)}::regclass) AS owner FROM ${rel}`,
    );
    const c = cur.rows[0] as { last_value: string; is_called: boolean; owner: boolean };
    const next = (value: bigint, called: boolean) => (called ? value + q.increment : value);
    const current = next(BigInt(c.last_value), c.is_called);
    const wanted = next(BigInt(q.archived.value), q.archived.isCalled);
    const ahead = q.increment > 0n ? wanted > current : wanted < current;
    out.push({ plan: q, next: wanted, owner: c.owner, result: { sequence: q.sequence, from: c.last_value, to: ahead ? q.archived.value : null } });
  }
  return out;
}

/**
 * Move the sequences forward. setval is not transactional: a rollback (a failure, a kill, a dry run) would leave
 * it moved. So a sequence the role owns is moved with ALTER SEQUENCE … RESTART, which is transactional; any
 * other (or a restart value outside the sequence's bounds) with setval, and the caller runs this last, after
 * every constraint was checked, right before COMMIT — a failure there leaves a sequence ahead, never behind,
 * and a re-run completes the rest.
 */
export async function moveSequences(s: Session, moves: readonly SequenceMove[], dryRun: boolean): Promise<void> {
  const restart = moves.filter((m) => m.result.to !== null && m.owner && m.next >= m.plan.min && m.next <= m.plan.max);
  // A dry run takes the transactional path too (its lock waits and errors are the real run's), never setval.
  const rest = dryRun ? [] : moves.filter((m) => m.result.to !== null && !restart.includes(m));
  for (const m of restart) {
    const rel = qualify(m.plan.schema, m.plan.name);
    const { value, isCalled } = m.plan.archived;
    // RESTART leaves is_called false; one nextval (on the new, transactional state) gives back exactly the archived
    // (value, true) when the sequence caches nothing ahead. Either way the next value handed out is `next`.
    const exact = isCalled && m.plan.cache === 1n;
    await s.query(`ALTER SEQUENCE ${rel} RESTART WITH ${exact ? value : m.next.toString()}`);
    if (exact) await s.query(`SELECT nextval($1::regclass)`, [rel]);
  }
  for (const m of rest) {
    await s.query(`SELECT setval($1::regclass, $2::bigint, $3)`, [qualify(m.plan.schema, m.plan.name), m.plan.archived.value, m.plan.archived.isCalled]);
  }
}
