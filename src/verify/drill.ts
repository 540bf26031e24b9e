import { randomBytes } from 'node:crypto';
import { fingerprintStream } from '../archive/fingerprint.js';
import type { Manifest } from '../archive/format.js';
import { useOutputSettings } from '../archive/output-settings.js';
import { type OpenArchive, type OpenOptions, openArchive } from '../archive/reader.js';
import { readRowLines } from '../archive/row-lines.js';
import type { CatalogModel } from '../catalog/model.js';
import { renderForTables } from '../catalog/render.js';
import { type Session, withSession } from '../db/client.js';
import { quoteIdent, quoteLiteral } from '../sql/quote.js';
import { type ConnectionTarget, resolveTarget } from '../db/connection.js';
import { EMBEDDED_MAJORS, type EmbeddedServer, startEmbedded } from '../db/embedded.js';
import { mirrorRoles } from '../db/roles.js';
import { isPgsnapError } from '../errors.js';
import { type Logger, silentLogger } from '../log.js';
import { restoreArchive } from '../restore/restore.js';
import { notValidSql, outsideReferences, standInNote, standInSql, withoutOutsideReferences } from './stand-ins.js';

/**
 * `pgsnap verify --restore-test`: the restore drill. A throwaway embedded PostgreSQL (the archive's major when we
 * have it), the archived schema recreated, the archive restored into it with the real restore code, and then every
 * table read back through the very SELECT backup used: row count and fingerprint must equal the manifest's.
 * A backup nobody has restored is a hope; this makes it a fact, every night if cron runs it.
 */
interface DrillTable {
  readonly table: string;
  readonly archivedRows: number;
  readonly restoredRows: number;
  readonly fingerprintMatches: boolean;
  readonly ok: boolean;
}

export interface DrillReport {
  readonly ok: boolean;
  readonly serverMajor: number;
  readonly tables: readonly DrillTable[];
  /** why the drill could not run to the end (restore failed, schema did not apply) */
  readonly error?: string;
  /** what the drill had to do differently from a plain restore, one line each (see stand-ins.ts) */
  readonly notes: readonly string[];
  readonly seconds: number;
}

export interface DrillOptions {
  readonly logger?: Logger;
  /** how to open the archive (age keys, object storage) */
  readonly archive?: OpenOptions;
  /** force a major version for the throwaway server (default: the archive's, else the newest installed) */
  readonly major?: number;
  /** stop the drill after this long (default: drillTimeLimitMs of the archive) */
  readonly timeLimitMs?: number;
}

/**
 * A forged archive can make the drill wait forever (a CHECK, default or trigger that calls pg_sleep, a lock it
 * takes and waits on). The drill gets a time limit that grows with the data: 30 s, plus 1 s per MiB of archive
 * lines (restore loads 20 MiB/s and more on a small machine). Every statement is bound by it too.
 */
function drillTimeLimitMs(manifest: Manifest): number {
  const bytes = manifest.tables.reduce((n, t) => n + t.entries.reduce((m, e) => m + e.bytes, 0), 0);
  return 30_000 + Math.ceil(bytes / 2 ** 20) * 1000;
}

export async function restoreDrill(file: string, options: DrillOptions = {}): Promise<DrillReport> {
  const started = performance.now();
  const logger = options.logger ?? silentLogger;
  const archive = await openArchive(file, options.archive);
  try {
    const major = options.major ?? pickMajor(archive.manifest.server.major);
    const limitMs = options.timeLimitMs ?? drillTimeLimitMs(archive.manifest);
    logger.info(`restore drill: starting a throwaway PostgreSQL ${major}`);
    // only a Unix socket in the server's own 0700 directory: nothing else on the machine can reach it
    const server = await startEmbedded({
      major,
      socketOnly: true,
      settings: { statement_timeout: String(limitMs), lock_timeout: String(Math.min(limitMs, 10_000)) },
    });
    // restore sets its own statement_timeout (0: hosted platforms set short ones); the wall clock is the backstop
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      logger.info(`restore drill: stopping it after ${limitMs / 1000} s`);
      void server.stop();
    }, limitMs);
    const outOfTime = () =>
      failed(major, `the drill did not finish within ${limitMs / 1000} s and was stopped (an archived CHECK, default or trigger may wait: pg_sleep, a lock)`, started);
    try {
      const model = await archive.schema();
      const target = await prepareDrillDatabase(server, model, logger);
      const outside = outsideReferences(model);
      const drillModel = withoutOutsideReferences(model, outside);
      if (outside.length > 0) await withSession(target, (s) => s.query(standInSql(outside)));
      const { report, failure } = await restoreArchive(archive, file, target, {
        onConflict: 'nothing',
        tables: [],
        createMissing: true,
        dryRun: false,
        logger,
        renderTables: (_archived, names) => renderForTables(drillModel, names),
      });
      if (timedOut) return outOfTime();
      if (failure) return failed(major, `the restore failed: ${failure.message}`, started);
      logger.debug(`restore drill: restored ${report.tables.length} tables`);
      if (outside.length > 0) await withSession(target, (s) => s.query(notValidSql(outside)));
      const tables = await withSession(target, (s) => compareTables(s, archive));
      const notes = outside.map(standInNote).sort();
      return { ok: tables.every((t) => t.ok), serverMajor: major, tables, notes, seconds: (performance.now() - started) / 1000 };
    } catch (e) {
      if (timedOut) return outOfTime();
      if (isPgsnapError(e)) return failed(major, e.message, started);
      throw e;
    } finally {
      clearTimeout(timer);
      await server.stop();
    }
  } finally {
    await archive.close();
  }
}

function pickMajor(archived: number): number {
  const installed: readonly number[] = EMBEDDED_MAJORS;
  if (installed.includes(archived)) return archived;
  // an archive from an older server restores into the oldest newer one we have; from a newer one, into our newest
  return installed.find((m) => m >= archived) ?? (installed[installed.length - 1] as number);
}

const DRILL_ROLE = 'pgsnap_drill';
const DRILL_DATABASE = 'pgsnap_restore_drill';

/**
 * The archive is untrusted input, and `--create-missing` runs the DDL its schema.json describes. So the restore
 * runs as a role that owns the drill database and nothing else: not a superuser, so a forged archive cannot reach
 * the host (`COPY … TO PROGRAM`, untrusted languages, server files); BYPASSRLS and ownership are all a restore
 * needs. What only a superuser may do is done first, from the archive's names alone, never its SQL: the roles
 * that policies and grants name, and the extensions it lists that the server has.
 */
async function prepareDrillDatabase(server: EmbeddedServer, model: CatalogModel, logger: Logger): Promise<ConnectionTarget> {
  const password = randomBytes(16).toString('hex');
  await withSession(resolveTarget(server.url), async (s) => {
    await s.query(`CREATE ROLE ${quoteIdent(DRILL_ROLE)} LOGIN BYPASSRLS PASSWORD ${quoteLiteral(password)}`);
    await s.query(`CREATE DATABASE ${quoteIdent(DRILL_DATABASE)} OWNER ${quoteIdent(DRILL_ROLE)}`);
  });
  await withSession(resolveTarget(server.urlFor(DRILL_DATABASE)), async (s) => {
    await mirrorRoles(s, namedRoles(model));
    const available = new Set((await s.query<{ name: string }>('SELECT name FROM pg_available_extensions')).rows.map((r) => r.name));
    for (const e of model.extensions) {
      if (!available.has(e.name)) continue;
      if (!DRILL_EXTENSIONS.has(e.name)) {
        // created by a superuser, dblink or postgres_fdw would let the archive's definitions open connections
        logger.info(`restore drill: extension ${e.name} is not created (only extensions that cannot reach outside the server are)`);
        continue;
      }
      await s.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(e.schema)} AUTHORIZATION ${quoteIdent(DRILL_ROLE)}`);
      await s.query(`CREATE EXTENSION IF NOT EXISTS ${quoteIdent(e.name)} WITH SCHEMA ${quoteIdent(e.schema)}`);
    }
  });
  const url = new URL(server.urlFor(DRILL_DATABASE));
  url.username = DRILL_ROLE;
  url.password = password;
  return resolveTarget(url.toString());
}

/**
 * The extensions the drill creates (as a superuser, before the archive's definitions run): data types, indexes
 * and functions that compute inside the server. Refused by leaving them out: anything that opens connections
 * (dblink, postgres_fdw), reads or writes server files (file_fdw, adminpack, lo's server-side import), runs
 * programs or untrusted languages (plperlu, plpython3u), or loads code. A table that needs a refused one fails
 * the drill loudly.
 */
const DRILL_EXTENSIONS: ReadonlySet<string> = new Set([
  'plpgsql',
  'btree_gin',
  'btree_gist',
  'citext',
  'cube',
  'dict_int',
  'earthdistance',
  'fuzzystrmatch',
  'hstore',
  'intarray',
  'isn',
  'ltree',
  'pg_trgm',
  'pgcrypto',
  'seg',
  'tablefunc',
  'tcn',
  'tsm_system_rows',
  'tsm_system_time',
  'unaccent',
  'uuid-ossp',
  'vector',
]);

/** The roles that policies and grants name: roles live in the cluster, not in the archive (db/roles.ts). */
function namedRoles(model: CatalogModel): string[] {
  return model.tables.flatMap((t) => [...t.policies.flatMap((p) => p.roles), ...t.grants.map((g) => g.grantee)]);
}

async function compareTables(s: Session, archive: OpenArchive): Promise<DrillTable[]> {
  await useOutputSettings(s, 'session');
  const out: DrillTable[] = [];
  for (const t of archive.manifest.tables) {
    const fp = await fingerprintStream(readRowLines(s, { schema: t.schema, name: t.name, partitioned: t.partitioned ?? false, columns: t.columns }));
    const fingerprintMatches = fp.digest() === t.fingerprint;
    out.push({
      table: `${t.schema}.${t.name}`,
      archivedRows: t.rows,
      restoredRows: fp.lines,
      fingerprintMatches,
      ok: fingerprintMatches && fp.lines === t.rows,
    });
  }
  return out;
}

function failed(major: number, error: string, started: number): DrillReport {
  return { ok: false, serverMajor: major, tables: [], error, notes: [], seconds: (performance.now() - started) / 1000 };
}
