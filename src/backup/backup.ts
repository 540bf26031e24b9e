import { createHash } from 'node:crypto';
import {
  type ArchivedSequence,
  type ArchivedTable,
  FORMAT_NAME,
  FORMAT_VERSION,
  MANIFEST_ENTRY,
  MANIFEST_SHA_ENTRY,
  type Manifest,
  OUTPUT_SETTINGS,
  SCHEMA_JSON_ENTRY,
  SCHEMA_SQL_ENTRY,
} from '../archive/format.js';
import type { RowSource } from '../archive/row-sql.js';
import { type ArchiveWriter, createArchiveWriter, type PreparedEntry } from '../archive/writer.js';
import { introspectForCapture } from '../catalog/introspect.js';
import type { CaptureCatalog, TableDef } from '../catalog/model.js';
import { renderModel } from '../catalog/render.js';
import { storedColumns, tableKey } from '../catalog/tables.js';
import type { Session } from '../db/client.js';
import { qualify } from '../sql/quote.js';
import type { ConnectionTarget } from '../db/connection.js';
import { PgsnapError } from '../errors.js';
import { onInterrupt } from '../lifecycle.js';
import { scanArchiveDir } from '../archive/directory.js';
import type { Logger } from '../log.js';
import pkg from '../../package.json' with { type: 'json' };
import { captureModel, sequenceNeeded } from './capture-model.js';
import { DEFAULT_LIMITS, type EntrySink, exportTable, type ExportedTable, type SplitLimits } from './export-table.js';
import { estimateRows } from './estimate.js';
import type { BackupProgress } from './progress.js';
import { type BackupSelection, selectTables } from './select-tables.js';
import { platformManagedSchemas } from '../catalog/filter.js';
import { openSnapshot, type SnapshotSessions } from './snapshot.js';
import { checkShrink, type ShrinkCheck } from './shrink-check.js';
import { DEFAULT_SHRINK_THRESHOLD } from '../archive/shrink.js';
import { describeSkipped, type Skipped, skippedText } from './skipped.js';
import { assertRowSecurityBypassed } from './row-security.js';
import { describeChanged, lockAndCheck } from './lock-tables.js';
import type { ArchiveStore } from '../storage/store.js';
import type { ArchiveFile } from '../archive/directory.js';
import type { OpenOptions } from '../archive/reader.js';
import { readSequences } from './sequences.js';
import { warmLineConverter } from '../archive/row-lines.js';

export interface BackupOptions {
  readonly target: ConnectionTarget;
  readonly dir: string;
  readonly selection: BackupSelection;
  /** connections reading tables in parallel, all in one snapshot (default 1) */
  readonly jobs?: number;
  readonly logger: Logger;
  readonly progress?: BackupProgress;
  readonly limits?: SplitLimits;
  /** deflate level (archive/writer.ts DEFAULT_LEVEL) */
  readonly level?: number;
  /** the shrink guard's threshold, 0–1 (archive/shrink.ts DEFAULT_SHRINK_THRESHOLD) */
  readonly shrinkThreshold?: number;
  /** fail (naming the table) when a table's lock is not granted within this many seconds; undefined waits */
  readonly lockWaitSeconds?: number;
  /** write into object storage (storage/place.ts) instead of `dir` */
  readonly store?: ArchiveStore;
  /** the archives already in the place (default: the directory's), for the shrink guard */
  readonly listArchives?: () => Promise<ArchiveFile[]>;
  /** how to read earlier archives (age keys, the store) for the shrink guard */
  readonly open?: OpenOptions;
  /** age recipients: write an encrypted `<name>.zip.age` */
  readonly recipients?: readonly string[];
}

export interface BackupResult {
  readonly archive: string;
  readonly bytes: number;
  readonly database: string;
  readonly tables: number;
  readonly rows: number;
  readonly seconds: number;
  readonly manifest: Manifest;
  /** what was left out and why (skipped.ts) */
  readonly skipped: readonly Skipped[];
  /** tables that lost rows since the previous archive of this database (shrink-check.ts); the archive is kept */
  readonly shrink: ShrinkCheck;
}

/**
 * `pgsnap backup` as a library function: read the selected tables in one snapshot into a new archive in `dir`.
 * On any error (and on SIGINT/SIGTERM) nothing that looks like an archive is left behind.
 */
export async function runBackup(options: BackupOptions): Promise<BackupResult> {
  const started = process.hrtime.bigint();
  const startedAt = new Date();
  const jobs = Math.max(1, Math.floor(options.jobs ?? 1));
  const progress = options.progress;
  let writer: ArchiveWriter | undefined;
  // Watch for SIGINT/SIGTERM before the temporary file exists (and while the backup waits for its locks): a signal
  // that lands between creating the file and watching would kill the process and leave the file behind.
  const stopWatching = onInterrupt(() => writer?.abort());
  let opened: Awaited<ReturnType<typeof openConsistentRead>>;
  try {
    const opening = openConsistentRead(options, jobs);
    // the main thread would only wait for the server here: warm up the row converter meanwhile (row-lines.ts)
    warmLineConverter();
    opened = await opening;
  } catch (e) {
    stopWatching();
    throw e;
  }
  const { sessions, model, captured, skipped } = opened;
  for (const x of skipped) if (x.unmatched) options.logger.warn(`nothing captured for ${skippedText(x)}`);
  try {
    const { leader } = sessions;
    const info = await leader.query<{ db: string; version: string; num: string }>(
      `SELECT current_database() AS db, current_setting('server_version') AS version, current_setting('server_version_num') AS num`,
    );
    const database = info.rows[0]?.db ?? 'database';
    const schemaModel = captureModel(model, captured);

    writer = await createArchiveWriter({
      dir: options.dir,
      database,
      startedAt,
      ...(options.level === undefined ? {} : { level: options.level }),
      ...(options.recipients ? { recipients: options.recipients } : {}),
      ...(options.store ? { store: options.store } : {}),
    });

    const schemaJson = Buffer.from(`${JSON.stringify(schemaModel, null, 1)}\n`);
    await writer.addEntry(SCHEMA_JSON_ENTRY, schemaJson);
    const ddl = renderSchemaSql(schemaModel, options.logger);
    if (ddl !== null) await writer.addEntry(SCHEMA_SQL_ENTRY, ddl);
    const sha = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

    const sources = captured.map(rowSource);
    // the planner's estimate costs a query; only a bar shows it (not --progress lines, not a run without progress)
    if (progress) progress.begin(sources.length, progress.showsTotal === false ? 0 : await estimateRows(leader, sources));
    const limits = options.limits ?? DEFAULT_LIMITS;
    const exported =
      jobs === 1 || sources.length <= 1
        ? await exportSerially(leader, sources, writer, limits, progress)
        : await exportInParallel(sessions.readers, sources, writer, limits, progress);

    const expressions = captured.flatMap((t) => t.columns.map((c) => c.default ?? ''));
    const wanted = new Set(captured.map((t) => `${t.schema}.${t.name}`));
    const sequences: ArchivedSequence[] = await readSequences(
      leader,
      model.sequences.filter((s) => sequenceNeeded(s, wanted, expressions)),
    );

    const tables: ArchivedTable[] = captured.map((t, i) => {
      const e = exported[i] as ExportedTable;
      const src = sources[i] as RowSource;
      const key = tableKey(t);
      return {
        schema: t.schema,
        name: t.name,
        partitioned: src.partitioned ?? false,
        columns: storedColumns(t).map((c) => ({ name: c.name, type: c.type, notNull: c.notNull, identity: c.identity })),
        key: key ? { kind: key.kind, name: key.name, columns: [...key.columns] } : null,
        rows: e.rows,
        entries: e.entries,
        fingerprint: e.fingerprint,
      };
    });
    const manifest: Manifest = {
      format: FORMAT_NAME,
      formatVersion: FORMAT_VERSION,
      toolVersion: pkg.version,
      database,
      server: { version: info.rows[0]?.version ?? '', major: Math.floor(Number(info.rows[0]?.num ?? 0) / 10000) },
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      snapshotId: sessions.snapshotId,
      tables,
      sequences,
      schemaSha256: sha(schemaJson),
      ...(ddl === null ? {} : { schemaSqlSha256: sha(ddl) }),
      settings: OUTPUT_SETTINGS,
    };
    const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 1)}\n`);
    await writer.addEntry(MANIFEST_ENTRY, manifestBytes);
    await writer.addEntry(MANIFEST_SHA_ENTRY, `${sha(manifestBytes)}\n`);
    await sessions.leader.query('COMMIT');
    const finished = await writer.finish();
    progress?.done();
    const counts = tables.map((t) => ({ schema: t.schema, name: t.name, rows: t.rows }));
    const earlier = options.listArchives ? await options.listArchives() : scanArchiveDir(options.dir);
    const shrink = await checkShrink(earlier, finished.path, database, counts, options.shrinkThreshold ?? DEFAULT_SHRINK_THRESHOLD, options.open);
    return {
      archive: finished.path,
      bytes: finished.bytes,
      database,
      tables: tables.length,
      rows: tables.reduce((n, t) => n + t.rows, 0),
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
      manifest,
      skipped,
      shrink,
    };
  } catch (e) {
    progress?.done();
    await writer?.abort();
    throw e;
  } finally {
    stopWatching();
    await sessions.close();
  }
}

/** Attempts at a snapshot in which no captured table was rewritten while the backup waited for its lock. */
const SNAPSHOT_ATTEMPTS = 3;

/**
 * The snapshot, the catalog as it sees it and the tables to capture, locked, with every check that must pass
 * before an archive is started: the selection matches something, row security hides nothing, and no table was
 * rewritten or truncated between the snapshot and the lock (lock-tables.ts) — that would read as empty, so the
 * read starts again in a fresh snapshot, and fails loudly if it keeps happening.
 */
async function openConsistentRead(
  options: BackupOptions,
  jobs: number,
): Promise<{ sessions: SnapshotSessions; model: CaptureCatalog; captured: TableDef[]; skipped: Skipped[] }> {
  for (let attempt = 1; ; attempt++) {
    const sessions = await openSnapshot(options.target, jobs, options.logger);
    try {
      const model = await introspectForCapture(sessions.leader);
      const platform = platformManagedSchemas(model.schemas);
      const captured = selectTables(model.tables, options.selection, platform);
      const skipped = describeSkipped(model.tables, model.schemas.map((x) => x.name), options.selection, platform, captured);
      const explicit = options.selection.schemas.length > 0 || options.selection.tables.length > 0;
      if (captured.length === 0 && explicit) {
        const why = skipped.filter((x) => x.unmatched).map(skippedText);
        throw new PgsnapError('usage', `no table matches the --schema / --table selection${why.length > 0 ? ` (${why.join('; ')})` : ''}`, {
          hint: 'check the names and patterns: schema.table, table, or a glob such as public.* (pgsnap backup --help)',
        });
      }
      // the lock first: a role that may not read a table hears so from PostgreSQL, in its words
      const changed = await lockAndCheck(sessions.leader, captured, options.lockWaitSeconds);
      if (changed.length === 0) {
        await assertRowSecurityBypassed(sessions.leader, captured);
        return { sessions, model, captured, skipped };
      }
      if (attempt >= SNAPSHOT_ATTEMPTS) {
        throw new PgsnapError('backup_failed', `${describeChanged(changed)} kept being rewritten or truncated while the backup waited for its lock; no archive written`, {
          hint: 'run the backup again once the schema change or VACUUM FULL is over',
        });
      }
      options.logger.info(`${describeChanged(changed)} changed (rewritten or truncated) while the backup waited for its lock; taking a fresh snapshot`);
      await sessions.close();
    } catch (e) {
      await sessions.close();
      throw e;
    }
  }
}

function rowSource(t: TableDef): RowSource {
  return {
    schema: t.schema,
    name: t.name,
    partitioned: t.kind === 'partitioned',
    columns: storedColumns(t).map((c) => ({ name: c.name, type: c.type })),
  };
}

function renderSchemaSql(model: ReturnType<typeof captureModel>, logger: Logger): string | null {
  try {
    return `${renderModel(model)}\n`;
  } catch (e) {
    // schema.sql is for people; schema.json is what restore uses. A renderer gap must not cost a backup.
    logger.warn(`schema.sql left out: ${(e as Error).message}`);
    return null;
  }
}

function zipSink(writer: ArchiveWriter): EntrySink {
  return { open: (name) => writer.openEntry(name) };
}

async function exportOne(
  s: Session,
  t: RowSource,
  sink: EntrySink,
  limits: SplitLimits,
  progress: BackupProgress | undefined,
): Promise<ExportedTable> {
  const label = `${t.schema}.${t.name}`;
  const t0 = process.hrtime.bigint();
  progress?.tableStarted(label);
  const result = await exportTable(s, t, sink, limits, (rows, bytes) => progress?.tableProgress(label, rows, bytes));
  progress?.tableDone(label, result.rows, result.bytes, Number(process.hrtime.bigint() - t0) / 1e9);
  return result;
}

async function exportSerially(
  s: Session,
  sources: readonly RowSource[],
  writer: ArchiveWriter,
  limits: SplitLimits,
  progress: BackupProgress | undefined,
): Promise<ExportedTable[]> {
  const out: ExportedTable[] = [];
  for (const t of sources) out.push(await exportOne(s, t, zipSink(writer), limits, progress));
  return out;
}

/**
 * --jobs N: N sessions in one snapshot take tables from a queue, largest first. A zip is written one entry at a
 * time, so the worker that finds the zip free streams into it; the others deflate their table's entries as they
 * read them (in memory up to the archive's cap, in a spool file beyond it: writer.ts prepareEntry) and the zip
 * appends those bytes as they are once it is free. Memory stays bounded; a spooled table costs only its compressed
 * bytes on disk, written and read once.
 */
async function exportInParallel(
  readers: readonly Session[],
  sources: readonly RowSource[],
  writer: ArchiveWriter,
  limits: SplitLimits,
  progress: BackupProgress | undefined,
): Promise<ExportedTable[]> {
  const leader = readers[0] as Session;
  // One statement: the leader session runs one query at a time.
  const sizeRows = await leader.query<{ b: string }>(
    `SELECT (SELECT coalesce(sum(pg_relation_size(pt.relid)), 0) FROM pg_partition_tree(u.name::regclass) pt)::text AS b
       FROM unnest($1::text[]) WITH ORDINALITY AS u(name, i) ORDER BY u.i`,
    [sources.map((t) => qualify(t.schema, t.name))],
  );
  const sizes = sizeRows.rows.map((r) => Number(r.b));
  const queue = sources.map((_, i) => i).sort((a, b) => (sizes[b] ?? 0) - (sizes[a] ?? 0));
  const results: ExportedTable[] = new Array(sources.length);
  const zip = new Mutex();
  const appends: Promise<void>[] = [];
  let failed: unknown = null;

  const worker = async (s: Session) => {
    for (let i = queue.shift(); i !== undefined && failed === null; i = queue.shift()) {
      const t = sources[i] as RowSource;
      if (zip.tryAcquire()) {
        try {
          results[i] = await exportOne(s, t, zipSink(writer), limits, progress);
        } finally {
          zip.release();
        }
        continue;
      }
      const prepared: Promise<PreparedEntry>[] = [];
      const prepareSink: EntrySink = {
        open(name) {
          const { stream, done } = writer.prepareEntry(name);
          prepared.push(done);
          return { stream, done: done.then(() => {}) };
        },
      };
      results[i] = await exportOne(s, t, prepareSink, limits, progress);
      appends.push(
        (async () => {
          const entries = await Promise.all(prepared);
          await zip.acquire();
          try {
            for (const entry of entries) await writer.addPrepared(entry);
          } finally {
            zip.release();
          }
        })(),
      );
    }
  };
  await Promise.all(
    readers.map((s) =>
      worker(s).catch((e: unknown) => {
        failed ??= e;
      }),
    ),
  );
  const settled = await Promise.allSettled(appends);
  if (failed !== null) throw failed;
  for (const r of settled) if (r.status === 'rejected') throw r.reason;
  return results;
}

/** One holder at a time; waiters are served in order. */
class Mutex {
  private held = false;
  private readonly waiters: (() => void)[] = [];

  tryAcquire(): boolean {
    if (this.held) return false;
    this.held = true;
    return true;
  }

  acquire(): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.held = false;
  }
}
