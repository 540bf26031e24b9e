import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openArchive } from '../../src/archive/reader.js';
import { renderForTables } from '../../src/catalog/render.js';
import { resolveTarget } from '../../src/db/connection.js';
import { type PgsnapError, isPgsnapError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import type { RestoreReport } from '../../src/restore/report.js';
import { type RestoreOptions, restoreArchive } from '../../src/restore/restore.js';
import { adminQuery, createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cliInProcess } from '../helpers/cli.js';

/** Shared by the restore integration tests (not a test file itself). */

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real CLI, in-process (a child process per call would cost a second each on this machine). */
export async function pgsnap(args: string[], cwd = process.cwd()): Promise<Run> {
  const r = await cliInProcess(args, { cwd });
  return { ...r, code: r.code ?? 2 };
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `pgsnap-${prefix}-`));
}

/** Back up `db` (every schema given) into `dir` and return the archive path. */
export async function backupTo(db: TestDatabase, dir: string, schemas: string[]): Promise<string> {
  const r = await pgsnap(['backup', '--url', db.url, '--dir', dir, '--json', ...schemas.flatMap((s) => ['--schema', s])]);
  if (r.code !== 0) throw new Error(`backup failed (${r.code}): ${r.stderr}`);
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.zip')).sort();
  return path.join(dir, files[files.length - 1] as string);
}

/** Every row of every table as text, sorted: what "byte for byte the same" means for a restore. */
export async function tableTexts(db: TestDatabase, tables: readonly string[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const t of tables) {
    const rows = await db.query<{ r: string }>(`SELECT t::text AS r FROM ${t} t`);
    out[t] = rows.map((x) => x.r).sort();
  }
  return out;
}

export interface Restored {
  /** the exit code the CLI would give: 0, or the error's */
  code: number;
  report: RestoreReport | undefined;
  /** the one-line error (failure while loading, or refusal before any change) */
  error: PgsnapError | undefined;
}

/** Restore through the library entry the CLI adapter calls (the CLI itself is covered in tests/cli). */
export async function restore(db: TestDatabase, archive: string, options: Partial<RestoreOptions> = {}): Promise<Restored> {
  const opened = await openArchive(archive);
  try {
    const { report, failure } = await restoreArchive(opened, archive, resolveTarget(db.url), {
      onConflict: 'nothing',
      tables: [],
      createMissing: false,
      dryRun: false,
      logger: silentLogger,
      renderTables: renderForTables,
      ...options,
    });
    return { code: failure ? failure.exitCode : 0, report, error: failure };
  } catch (e) {
    if (!isPgsnapError(e)) throw e;
    return { code: e.exitCode, report: undefined, error: e };
  } finally {
    await opened.close();
  }
}

export function byTable(r: Restored): Record<string, { inArchive: number; inserted: number; skipped: number; updated: number }> {
  if (!r.report) throw new Error(`no report: ${r.error?.message}`);
  return Object.fromEntries(r.report.tables.map(({ table, inArchive, inserted, skipped, updated }) => [table, { inArchive, inserted, skipped, updated }]));
}

/** The four counts that add up to the rows in the archive. */
export function countsOf(r: Restored): Record<string, { inserted: number; present: number; conflicting: number; updated: number }> {
  if (!r.report) throw new Error(`no report: ${r.error?.message}`);
  return Object.fromEntries(r.report.tables.map(({ table, inserted, present, conflicting, updated }) => [table, { inserted, present, conflicting, updated }]));
}

/** The same database, connected as another role (with that role's password). */
export function asRole(role: string, password: string, db: TestDatabase): TestDatabase {
  const u = new URL(db.url);
  u.username = role;
  u.password = password;
  const url = u.toString();
  return { ...db, url, query: (sql, params) => adminQuery(sql, params, url) };
}

/** A fresh copy of `template` owned by `owner`, added to `dbs` (which the caller drops). */
export async function copyOf(template: TestDatabase, owner: string, prefix: string, dbs: TestDatabase[]): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix);
  dbs.push(db);
  await adminQuery(`DROP DATABASE "${db.name}"`);
  await adminQuery(`CREATE DATABASE "${db.name}" TEMPLATE "${template.name}" OWNER ${owner}`);
  return db;
}

/** A fresh copy of `template` (same rows, same timestamps), then `damage` run in it; added to `dbs`. */
export async function damagedCopyOf(template: TestDatabase, prefix: string, damage: string, dbs: TestDatabase[]): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix);
  dbs.push(db);
  await adminQuery(`DROP DATABASE "${db.name}"`);
  await adminQuery(`CREATE DATABASE "${db.name}" TEMPLATE "${template.name}"`);
  await db.query(damage);
  return db;
}
