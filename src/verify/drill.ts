import { randomBytes } from 'node:crypto';
import { fingerprintStream } from '../archive/fingerprint.js';
import { OUTPUT_SETTINGS } from '../archive/format.js';
import { type OpenArchive, openArchive } from '../archive/reader.js';
import { readRowLines } from '../archive/row-lines.js';
import type { CatalogModel } from '../catalog/model.js';
import { renderForTables } from '../catalog/render.js';
import { type Session, quoteIdent, quoteLiteral, withSession } from '../db/client.js';
import { type ConnectionTarget, resolveTarget } from '../db/connection.js';
import { EMBEDDED_MAJORS, type EmbeddedServer, startEmbedded } from '../db/embedded.js';
import { isPgsnapError } from '../errors.js';
import { type Logger, silentLogger } from '../log.js';
import { restoreArchive } from '../restore/restore.js';

/**
 * `pgsnap verify --restore-test`: the restore drill. A throwaway embedded PostgreSQL (the archive's major when we
 * have it), the archived schema recreated, the archive restored into it with the real restore code, and then every
 * table read back through the very SELECT backup used: row count and fingerprint must equal the manifest's.
 * A backup nobody has restored is a hope; this makes it a fact, every night if cron runs it.
 */
export interface DrillTable {
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
  readonly seconds: number;
}

export interface DrillOptions {
  readonly logger?: Logger;
  /** force a major version for the throwaway server (default: the archive's, else the newest installed) */
  readonly major?: number;
}

export async function restoreDrill(file: string, options: DrillOptions = {}): Promise<DrillReport> {
  const started = performance.now();
  const logger = options.logger ?? silentLogger;
  const archive = await openArchive(file);
  try {
    const major = options.major ?? pickMajor(archive.manifest.server.major);
    logger.info(`restore drill: starting a throwaway PostgreSQL ${major}`);
    const server = await startEmbedded({ major });
    try {
      const model = await archive.schema();
      const target = await prepareDrillDatabase(server, model);
      const { report, failure } = await restoreArchive(archive, file, target, {
        onConflict: 'nothing',
        tables: [],
        createMissing: true,
        dryRun: false,
        logger,
        renderTables: renderForTables,
      });
      if (failure) return failed(major, `the restore failed: ${failure.message}`, started);
      logger.debug(`restore drill: restored ${report.tables.length} tables`);
      const tables = await withSession(target, (s) => compareTables(s, archive));
      return { ok: tables.every((t) => t.ok), serverMajor: major, tables, seconds: (performance.now() - started) / 1000 };
    } catch (e) {
      if (isPgsnapError(e)) return failed(major, e.message, started);
      throw e;
    } finally {
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
async function prepareDrillDatabase(server: EmbeddedServer, model: CatalogModel): Promise<ConnectionTarget> {
  const password = randomBytes(16).toString('hex');
  await withSession(resolveTarget(server.url), async (s) => {
    await s.query(`CREATE ROLE ${quoteIdent(DRILL_ROLE)} LOGIN BYPASSRLS PASSWORD ${quoteLiteral(password)}`);
    await s.query(`CREATE DATABASE ${quoteIdent(DRILL_DATABASE)} OWNER ${quoteIdent(DRILL_ROLE)}`);
  });
  await withSession(resolveTarget(server.urlFor(DRILL_DATABASE)), async (s) => {
    await createRoles(s, model);
    const available = new Set((await s.query<{ name: string }>('SELECT name FROM pg_available_extensions')).rows.map((r) => r.name));
    for (const e of model.extensions) {
      if (!available.has(e.name)) continue;
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
 * Policies and grants name roles, and roles live in the cluster, not in the archive. In a throwaway server any
 * name will do, so create each as NOLOGIN.
 */
async function createRoles(s: Session, model: CatalogModel): Promise<void> {
  const roles = new Set<string>();
  for (const t of model.tables) {
    for (const p of t.policies) for (const r of p.roles) roles.add(r);
    for (const g of t.grants) roles.add(g.grantee);
  }
  for (const r of roles) {
    if (r === 'public' || r === 'PUBLIC' || r === 'postgres' || r === DRILL_ROLE) continue;
    await s.query(
      `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${quoteLiteral(r)}) THEN CREATE ROLE ${quoteIdent(r)} NOLOGIN; END IF; END $$`,
    );
  }
}

async function compareTables(s: Session, archive: OpenArchive): Promise<DrillTable[]> {
  const settings = archive.manifest.settings ?? OUTPUT_SETTINGS;
  for (const [k, v] of Object.entries(settings)) await s.query(`SELECT set_config(${quoteLiteral(k)}, ${quoteLiteral(v)}, false)`);
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
  return { ok: false, serverMajor: major, tables: [], error, seconds: (performance.now() - started) / 1000 };
}
