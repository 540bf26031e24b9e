/**
 * `npm run bench`: pgsnap side by side with pg_dump / pg_restore, on the same data, in one run.
 *
 *   npm run bench -- [--rows 2000000] [--runs 3] [--pg 15] [--only mixed,northwind,many,linearity,catalog,drift,scan]
 *   BENCH_DATABASE_URL=postgres://…  use that server instead of an embedded one
 *
 * pg_dump/pg_restore come from PGSNAP_PG_BIN or /usr/lib/postgresql/<major>/bin; the embedded server defaults to
 * the major of those tools so that they can read it. Never part of `npm test`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startEmbedded, type EmbeddedServer } from '../src/db/embedded.js';
import { largeValuesSql, manyTablesDataSql, manyTablesSql, mixedTableSql, northwindSql, wideTableSql } from './dataset.js';
import { calibrateShell, type Measured, measure, median, sql } from './measure.js';

/** The benchmark's groups of steps; `--only a,b` runs those (linearity needs mixed, whose 1× backup it compares with). */
const GROUPS = ['mixed', 'northwind', 'many', 'linearity', 'catalog', 'drift', 'scan'] as const;
type Group = (typeof GROUPS)[number];

interface Args {
  rows: number;
  runs: number;
  pg: number | undefined;
  only: ReadonlySet<Group>;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const only = (get('only') ?? GROUPS.join(',')).split(',').map((g) => g.trim());
  const unknown = only.filter((g) => !(GROUPS as readonly string[]).includes(g));
  if (unknown.length > 0) throw new Error(`--only: unknown group ${unknown.join(', ')} (groups: ${GROUPS.join(', ')})`);
  if (only.includes('linearity') && !only.includes('mixed')) only.push('mixed');
  return {
    rows: Number(get('rows') ?? 2_000_000),
    runs: Number(get('runs') ?? 3),
    pg: get('pg') ? Number(get('pg')) : undefined,
    only: new Set(only as Group[]),
  };
}

export interface Row {
  step: string;
  seconds: number | null;
  rowsPerSec: number | null;
  mbPerSec: number | null;
  peakRssMb: number | null;
  /** user + system CPU of the measured tool's processes, and of the server's backends, medians of the runs */
  cpuSeconds: number | null;
  serverCpuSeconds: number | null;
  baseline: string | null;
  baselineSeconds: number | null;
  ratio: number | null;
  target: string;
  note?: string;
}

const repo = path.resolve(import.meta.dirname, '..');
const pgsnapBin = path.join(repo, 'bin', 'pgsnap.js');

function toolsDir(): string | null {
  const candidates = [process.env.PGSNAP_PG_BIN, ...[17, 16, 15, 14].map((v) => `/usr/lib/postgresql/${v}/bin`)];
  for (const c of candidates) if (c && fs.existsSync(path.join(c, 'pg_dump'))) return c;
  return null;
}

function toolsMajor(dir: string): number {
  return Number(/\/(\d+)\/bin/.exec(dir)?.[1] ?? 15);
}


function withDb(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/**
 * Run before every timed run, after the step's own preparation: a CHECKPOINT, so that no run pays for the dirty
 * pages and WAL of the one before it (or of building the data sets). Without it the server's checkpoint, spread
 * over the next minutes, lands on whichever tool runs later in a step: pgsnap, by the order of the steps.
 */
let settle: () => Promise<void> = async () => {};

/**
 * The server's CPU over one run: what its backends used, which the postmaster collects (cutime + cstime in
 * /proc) as each exits, so read after the run's backends are gone. Only for the embedded server, on Linux.
 */
let serverCpu: { ticks: () => number; backendsGone: () => Promise<void> } | null = null;

async function watchServer(admin: string): Promise<void> {
  const checkpointer = (await sql(admin, `SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'`)).rows[0]?.pid as number | undefined;
  if (checkpointer === undefined || !fs.existsSync(`/proc/${checkpointer}/stat`)) return;
  // fields after "pid (comm) ": state, ppid, … cutime and cstime are the 14th and 15th of those
  const fields = (pid: number) => fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const postmaster = Number(fields(checkpointer)[1]);
  serverCpu = {
    ticks: () => {
      const f = fields(postmaster);
      return Number(f[13]) + Number(f[14]);
    },
    backendsGone: async () => {
      for (let i = 0; i < 100; i++) {
        const n = (await sql(admin, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`)).rows[0]?.n;
        if (n === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      // the poll's own backend has to exit too
      await new Promise((r) => setTimeout(r, 100));
    },
  };
}

/** clock ticks per second of /proc's times (USER_HZ, 100 on Linux) */
const TICKS = 100;

async function repeat(runs: number, before: (() => Promise<void>) | null, fn: () => Promise<Measured>): Promise<Measured[]> {
  const out: Measured[] = [];
  for (let i = 0; i < runs; i++) {
    if (before) await before();
    await settle();
    const watch = serverCpu;
    const t0 = watch?.ticks();
    const m = await fn();
    if (watch && t0 !== undefined) {
      await watch.backendsGone();
      m.serverCpuSeconds = (watch.ticks() - t0) / TICKS;
    }
    out.push(m);
  }
  return out;
}

interface Summary {
  seconds: number;
  peakRssMb: number | null;
  /** medians of the runs' client and server CPU, when measured */
  cpuSeconds?: number | null;
  serverCpuSeconds?: number | null;
  ok: boolean;
}

function summarize(ms: Measured[]): Summary & { error: string } {
  const ok = ms.every((m) => m.code === 0);
  const rss = ms.map((m) => m.peakRssMb).filter((v): v is number => v !== null);
  const medianOf = (values: (number | null)[]) => (values.every((v) => v !== null) && values.length > 0 ? median(values as number[]) : null);
  return {
    seconds: median(ms.map((m) => m.seconds)),
    peakRssMb: rss.length ? Math.max(...rss) : null,
    cpuSeconds: medianOf(ms.map((m) => m.cpuSeconds)),
    serverCpuSeconds: medianOf(ms.map((m) => m.serverCpuSeconds)),
    ok,
    error: ms.find((m) => m.code !== 0)?.stderr.trim().split('\n').pop() ?? '',
  };
}

const pgsnap = (args: string[], env: NodeJS.ProcessEnv = process.env) => measure(process.execPath, [pgsnapBin, ...args], env);

/**
 * NODE_EXTRA_CA_CERTS makes every Node process parse the system's root certificates and the file's as it starts,
 * before any of its own code runs: 30–40 ms on our machine, where the environment sets it for everything (a
 * deployment's cron job usually has no such variable). Where it is set, the Northwind steps, which start-up
 * dominates, are also measured without it, as extra rows; pgsnap itself never reads it.
 */
function withoutExtraCerts(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  // bin/pgsnap.js rebuilds a stale dist/ before running: do it now, so that no timed step includes a build
  const builder = path.join(repo, 'scripts', 'build.mjs');
  if (fs.existsSync(builder)) {
    const { buildDist, distIsStale } = (await import(pathToFileURL(builder).href)) as { buildDist: () => Promise<void>; distIsStale: () => boolean };
    if (distIsStale()) await buildDist();
  }
  const tools = toolsDir();
  const major = args.pg ?? (tools ? toolsMajor(tools) : 17);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-bench-'));
  let server: EmbeddedServer | null = null;
  let admin = process.env.BENCH_DATABASE_URL;
  if (!admin) {
    // autovacuum off: a worker vacuuming the last step's table would land on a random later run, and on the
    // server-CPU reading; both tools load into the same state and nothing here reads statistics
    server = await startEmbedded({ major, settings: { shared_buffers: '512MB', max_wal_size: '4GB', checkpoint_timeout: '30min', autovacuum: 'off' } });
    admin = server.url;
  }
  const rows: Row[] = [];
  const log = (m: string) => process.stderr.write(`${m}\n`);
  try {
    const serverVersion = (await sql(admin, 'SHOW server_version')).rows[0].server_version as string;
    const checkpointUrl = admin;
    if (server) await watchServer(admin);
    const overhead = await calibrateShell();
    log(`bench: /bin/sh adds ${(overhead * 1000).toFixed(2)} ms to a run (taken off every timed run)`);
    settle = async () => {
      try {
        await sql(checkpointUrl, 'CHECKPOINT');
      } catch (e) {
        log(`bench: CHECKPOINT refused (${(e as Error).message}); runs are timed without one`);
        settle = async () => {};
      }
    };
    log(`bench: PostgreSQL ${serverVersion}, ${args.rows.toLocaleString('en-US')} rows, ${args.runs} runs per step, tools: ${tools ?? 'none'}`);
    for (const db of ['bench_src', 'bench_dst', 'bench_catalog', 'bench_drift', 'bench_nw_src', 'bench_nw_dst', 'bench_many_src', 'bench_many_dst']) {
      await sql(admin, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await sql(admin, `CREATE DATABASE ${db}`);
    }
    const src = withDb(admin, 'bench_src');
    const dst = withDb(admin, 'bench_dst');
    let backups: Measured[] = [];
    if (args.only.has('mixed')) {
      const t0 = Date.now();
      await sql(src, mixedTableSql(args.rows));
      await sql(src, wideTableSql(Math.max(1000, Math.floor(args.rows / 20))));
      await sql(src, largeValuesSql(4, 20));
      await sql(dst, mixedTableSql(0));
      log(`bench: dataset built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      const size = Number((await sql(src, `SELECT pg_table_size('bench.mixed') AS b`)).rows[0].b);

      // --- backup vs pg_dump ---------------------------------------------------------------------------------
      const dumpFile = path.join(work, 'mixed.dump');
      let dumpSeconds: number | null = null;
      if (tools) {
        const dumps = await repeat(args.runs, null, () =>
          measure(path.join(tools, 'pg_dump'), ['-Fc', '--data-only', '-t', 'bench.mixed', '-f', dumpFile, src]),
        );
        const s = summarize(dumps);
        dumpSeconds = s.ok ? s.seconds : null;
        rows.push(row('pg_dump -Fc --data-only (mixed)', s, args.rows, size, null, null, '', s.ok ? undefined : s.error));
      }
      const archiveDir = path.join(work, 'archives');
      backups = await repeat(args.runs, async () => fs.rmSync(archiveDir, { recursive: true, force: true }), () =>
        pgsnap(['backup', '--url', src, '--dir', archiveDir, '--table', 'bench.mixed', '--json']),
      );
      const b = summarize(backups);
      rows.push(row('pgsnap backup (mixed)', b, args.rows, size, 'pg_dump', dumpSeconds, '≤ 0.8× pg_dump, RSS < 200 MB', b.ok ? undefined : b.error));
      const archive = b.ok ? (JSON.parse(backups[backups.length - 1]?.stdout ?? '{}') as { archive?: string }).archive : undefined;

      const wide = summarize(
        await repeat(1, async () => fs.rmSync(path.join(work, 'wide'), { recursive: true, force: true }), () =>
          pgsnap(['backup', '--url', src, '--dir', path.join(work, 'wide'), '--table', 'bench.wide', '--json']),
        ),
      );
      rows.push(row('pgsnap backup (wide, 100 columns)', wide, Math.max(1000, Math.floor(args.rows / 20)), null, null, null, '', wide.ok ? undefined : wide.error));
      const large = summarize(
        await repeat(1, async () => fs.rmSync(path.join(work, 'large'), { recursive: true, force: true }), () =>
          pgsnap(['backup', '--url', src, '--dir', path.join(work, 'large'), '--table', 'bench.large_values', '--json']),
        ),
      );
      rows.push(row('pgsnap backup (4 rows × 20 MB text + bytea)', large, 4, null, null, null, 'RSS < 200 MB', large.ok ? undefined : large.error));

      // --- restore vs pg_restore ------------------------------------------------------------------------------
      const truncate = async () => {
        await sql(dst, 'TRUNCATE bench.mixed');
      };
      let restoreSeconds: number | null = null;
      if (tools && dumpSeconds !== null) {
        const s = summarize(
          await repeat(args.runs, truncate, () => measure(path.join(tools, 'pg_restore'), ['--data-only', '-d', dst, dumpFile])),
        );
        restoreSeconds = s.ok ? s.seconds : null;
        rows.push(row('pg_restore --data-only (empty table)', s, args.rows, size, null, null, '', s.ok ? undefined : s.error));
      }
      if (archive) {
        const empty = summarize(await repeat(args.runs, truncate, () => pgsnap(['restore', archive, '--url', dst, '--json'])));
        rows.push(row('pgsnap restore (empty table)', empty, args.rows, size, 'pg_restore', restoreSeconds, '≤ 1.0× pg_restore, RSS < 200 MB', empty.ok ? undefined : empty.error));
        const full = summarize(await repeat(args.runs, null, () => pgsnap(['restore', archive, '--url', dst, '--json'])));
        rows.push(row('pgsnap restore again (table full)', full, args.rows, size, 'pg_restore', restoreSeconds, '≤ 0.5× pg_restore', full.ok ? undefined : full.error));
      }
    }

    // --- a Northwind-sized database: start-up and per-table costs ------------------------------------------
    if (args.only.has('northwind')) rows.push(...(await northwindRows(withDb(admin, 'bench_nw_src'), withDb(admin, 'bench_nw_dst'), work, tools, args.runs)));

    // --- many tables, two jobs ------------------------------------------------------------------------------
    if (args.only.has('many')) rows.push(...(await manyTablesRows(withDb(admin, 'bench_many_src'), withDb(admin, 'bench_many_dst'), work, tools, args, log)));

    // --- linearity: the same backup at 1× and 5× the rows -------------------------------------------------------
    if (args.only.has('linearity')) rows.push(...(await linearityRows(src, work, args, backups, log)));

    // --- catalog: introspect 1,000 tables --------------------------------------------------------------------
    if (args.only.has('catalog')) {
      const cat = withDb(admin, 'bench_catalog');
      await sql(cat, manyTablesSql(1000));
      rows.push(await introspectRow(cat, args.runs));
    }

    // --- drift check of 300 tables, shadow start included -----------------------------------------------------
    const schemasDir = path.join(work, 'schemas');
    fs.mkdirSync(schemasDir);
    fs.writeFileSync(path.join(schemasDir, '001_tables.sql'), manyTablesSql(300, 'public'));
    if (args.only.has('drift')) {
      const driftDb = withDb(admin, 'bench_drift');
      await sql(driftDb, manyTablesSql(300, 'public'));
      const drift = summarize(await repeat(args.runs, null, () => pgsnap(['drift', 'check', '--url', driftDb, '--schemas', schemasDir, '--format', 'json'])));
      rows.push(row('pgsnap drift check (300 tables, shadow start)', drift, null, null, null, null, '< 10 s', drift.ok ? undefined : drift.error));
    }

    // --- code scan of 1,500 TypeScript files ----------------------------------------------------------------
    if (args.only.has('scan')) {
      const codeDir = path.join(work, 'code');
      writeCodeTree(codeDir, 1500);
      const scanRuns = await repeat(args.runs, null, () => pgsnap(['scan', codeDir, '--schemas', schemasDir, '--json']));
      // exit 1 means "found something", which the generated tree does on purpose
      const scan = summarize(scanRuns.map((m) => ({ ...m, code: m.code === 1 ? 0 : m.code })));
      rows.push(row('pgsnap scan (1,500 TypeScript files)', scan, null, null, null, null, '< 5 s', scan.ok ? undefined : scan.error));
    }
  } finally {
    await server?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
  print(rows);
  fs.mkdirSync(path.join(repo, 'bench'), { recursive: true });
  fs.writeFileSync(
    path.join(repo, 'bench', 'results.json'),
    `${JSON.stringify({ date: new Date().toISOString(), machine: { cpus: os.cpus().length, memoryGb: Math.round(os.totalmem() / 2 ** 30) }, args, rows }, null, 2)}\n`,
  );
}

function row(
  step: string,
  s: Summary,
  nRows: number | null,
  bytes: number | null,
  baseline: string | null,
  baselineSeconds: number | null,
  target: string,
  note?: string,
): Row {
  const seconds = s.ok ? s.seconds : null;
  return {
    step,
    seconds,
    rowsPerSec: seconds && nRows ? nRows / seconds : null,
    mbPerSec: seconds && bytes ? bytes / 2 ** 20 / seconds : null,
    peakRssMb: s.peakRssMb,
    cpuSeconds: s.ok ? (s.cpuSeconds ?? null) : null,
    serverCpuSeconds: s.ok ? (s.serverCpuSeconds ?? null) : null,
    baseline,
    baselineSeconds,
    ratio: seconds && baselineSeconds ? seconds / baselineSeconds : null,
    target,
    ...(note ? { note } : {}),
  };
}

async function introspectRow(url: string, runs: number): Promise<Row> {
  try {
    // Imported by path at run time so the benchmark still runs (and says so) on a tree without the catalog.
    const catalogModule = '../src/catalog/introspect.js';
    const { introspect } = (await import(catalogModule)) as {
      introspect: (s: unknown) => Promise<{ tables: unknown[] }>;
    };
    const { connect, close } = await import('../src/db/client.js');
    const { resolveTarget } = await import('../src/db/connection.js');
    const s = await connect(resolveTarget(url));
    const times: number[] = [];
    let tables = 0;
    try {
      for (let i = 0; i < runs; i++) {
        const t = process.hrtime.bigint();
        const m = await introspect(s);
        times.push(Number(process.hrtime.bigint() - t) / 1e9);
        tables = m.tables.length;
      }
    } finally {
      await close(s);
    }
    return row(`introspect (${tables} tables)`, { seconds: median(times), peakRssMb: null, ok: true }, null, null, null, null, '< 2 s');
  } catch (e) {
    return row('introspect (1,000 tables)', { seconds: 0, peakRssMb: null, ok: false }, null, null, null, null, '< 2 s', (e as Error).message);
  }
}

function writeCodeTree(dir: string, files: number): void {
  for (let i = 0; i < files; i++) {
    const sub = path.join(dir, `feature${i % 30}`);
    fs.mkdirSync(sub, { recursive: true });
    const t = `t${1 + (i % 300)}`;
    fs.writeFileSync(
      path.join(sub, `module${i}.ts`),
      `import { createClient } from '@supabase/supabase-js';
import knex from 'knex';

const supabase = createClient(process.env.URL!, process.env.KEY!);
const db = knex({ client: 'pg' });

export interface Item${i} { id: number; name: string; score: number }

export async function list${i}(limit = 20): Promise<Item${i}[]> {
  const { data, error } = await supabase.from('${t}').select('id, name, score').limit(limit);
  if (error) throw error;
  return (data ?? []).map((r) => ({ ...r, score: Number(r.score) }));
}

export async function byName${i}(name: string) {
  return db('${t}').where({ name }).first();
}

export async function report${i}(pool: { query(sql: string, p: unknown[]): Promise<unknown> }) {
  return pool.query(\`SELECT t.id, t.name FROM ${t} t JOIN ${t === 't1' ? 't2' : 't1'} p ON p.id = t.parent_id WHERE t.active = $1\`, [true]);
}

export function label${i}(items: string[]): string {
  return Array.from(new Set(items)).join(', ') + ' — select one from the list';
}
${i % 100 === 0 ? `export const cfg${i} = () => supabase.from('auth_configs').select('*');\n` : ''}`,
    );
  }
}

/** Every table of `schema` emptied in one statement (the restore target between runs). */
async function truncateSchema(url: string, schema: string): Promise<void> {
  const r = await sql(url, `SELECT string_agg(format('%I.%I', schemaname, tablename), ', ') AS t FROM pg_tables WHERE schemaname = '${schema}'`);
  await sql(url, `TRUNCATE ${r.rows[0].t as string}`);
}

function archiveOf(ms: Measured[]): string | undefined {
  const last = ms[ms.length - 1];
  return last?.code === 0 ? (JSON.parse(last.stdout) as { archive?: string }).archive : undefined;
}

/** pgsnap vs pg_dump -Fc and pg_restore --data-only --disable-triggers on a small database of 14 tables. */
async function northwindRows(src: string, dst: string, work: string, tools: string | null, runs: number): Promise<Row[]> {
  await sql(src, northwindSql(true));
  await sql(dst, northwindSql(false));
  const nRows = Number(
    (await sql(src, `SELECT sum(n_live_tup)::int AS n FROM pg_stat_user_tables WHERE schemaname = 'northwind'`)).rows[0].n ?? 0,
  );
  const out: Row[] = [];
  const dump = path.join(work, 'northwind.dump');
  let dumpSeconds: number | null = null;
  let restoreSeconds: number | null = null;
  if (tools) {
    const d = summarize(await repeat(runs, null, () => measure(path.join(tools, 'pg_dump'), ['-Fc', '-n', 'northwind', '-f', dump, src])));
    dumpSeconds = d.ok ? d.seconds : null;
    out.push(row('pg_dump -Fc (Northwind, 14 tables)', d, nRows, null, null, null, '', d.ok ? undefined : d.error));
    const r = summarize(
      await repeat(runs, () => truncateSchema(dst, 'northwind'), () =>
        measure(path.join(tools, 'pg_restore'), ['--data-only', '--disable-triggers', '-d', dst, dump]),
      ),
    );
    restoreSeconds = r.ok ? r.seconds : null;
    out.push(row('pg_restore --data-only --disable-triggers (Northwind)', r, nRows, null, null, null, '', r.ok ? undefined : r.error));
  }
  const dir = path.join(work, 'northwind');
  const variants = [{ node: ' (Node itself starting, for reference)', label: '', env: process.env }];
  if (process.env.NODE_EXTRA_CA_CERTS) variants.push({ node: ' without NODE_EXTRA_CA_CERTS', label: ', without NODE_EXTRA_CA_CERTS', env: withoutExtraCerts() });
  // Node's own start, the floor of every pgsnap run
  for (const { node, env } of variants) {
    out.push(row(`node -e 0${node}`, summarize(await repeat(runs, null, () => measure(process.execPath, ['-e', '0'], env))), null, null, null, null, ''));
  }
  for (const { label, env } of variants) {
    const backups = await repeat(runs, async () => fs.rmSync(dir, { recursive: true, force: true }), () =>
      pgsnap(['backup', '--url', src, '--dir', dir, '--schema', 'northwind', '--json'], env),
    );
    const b = summarize(backups);
    out.push(row(`pgsnap backup (Northwind${label})`, b, nRows, null, 'pg_dump', dumpSeconds, '≤ 3× pg_dump -Fc', b.ok ? undefined : b.error));
    const archive = archiveOf(backups);
    if (archive) {
      const r = summarize(await repeat(runs, () => truncateSchema(dst, 'northwind'), () => pgsnap(['restore', archive, '--url', dst, '--json'], env)));
      out.push(row(`pgsnap restore (Northwind, schema-only copy${label})`, r, nRows, null, 'pg_restore', restoreSeconds, '≤ 3× pg_restore', r.ok ? undefined : r.error));
    }
  }
  return out;
}

/** 50 tables holding 2.5 × --rows rows in all (5M at the default): two jobs on each side. */
async function manyTablesRows(src: string, dst: string, work: string, tools: string | null, args: Args, log: (m: string) => void): Promise<Row[]> {
  const total = Math.floor(args.rows * 2.5);
  const t0 = Date.now();
  await sql(src, manyTablesDataSql(total));
  await sql(dst, manyTablesDataSql(0));
  log(`bench: 50 tables, ${total.toLocaleString('en-US')} rows, built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const out: Row[] = [];
  const dumpDir = path.join(work, 'many.dir');
  let dumpSeconds: number | null = null;
  let restoreSeconds: number | null = null;
  if (tools) {
    const d = summarize(
      await repeat(args.runs, async () => fs.rmSync(dumpDir, { recursive: true, force: true }), () =>
        measure(path.join(tools, 'pg_dump'), ['-Fd', '-j', '2', '-n', 'bench_many', '-f', dumpDir, src]),
      ),
    );
    dumpSeconds = d.ok ? d.seconds : null;
    out.push(row('pg_dump -Fd -j 2 (50 tables)', d, total, null, null, null, '', d.ok ? undefined : d.error));
    const r = summarize(
      await repeat(args.runs, () => truncateSchema(dst, 'bench_many'), () =>
        measure(path.join(tools, 'pg_restore'), ['--data-only', '--disable-triggers', '-j', '2', '-d', dst, dumpDir]),
      ),
    );
    restoreSeconds = r.ok ? r.seconds : null;
    out.push(row('pg_restore --data-only --disable-triggers -j 2 (50 tables)', r, total, null, null, null, '', r.ok ? undefined : r.error));
  }
  const dir = path.join(work, 'many');
  const backups = await repeat(args.runs, async () => fs.rmSync(dir, { recursive: true, force: true }), () =>
    pgsnap(['backup', '--url', src, '--dir', dir, '--schema', 'bench_many', '--jobs', '2', '--json']),
  );
  const b = summarize(backups);
  out.push(row('pgsnap backup --jobs 2 (50 tables)', b, total, null, 'pg_dump -j 2', dumpSeconds, '≤ 0.8× pg_dump -Fd -j 2', b.ok ? undefined : b.error));
  const archive = archiveOf(backups);
  if (archive) {
    // the atomic restore (one transaction, one writing connection), then --commit-each-table on two connections
    for (const [label, extra] of [
      ['--jobs 1', ['--jobs', '1']],
      ['--jobs 2', ['--jobs', '2']],
      ['--jobs 2 --commit-each-table', ['--jobs', '2', '--commit-each-table']],
    ] as const satisfies readonly (readonly [string, readonly string[]])[]) {
      const r = summarize(
        await repeat(args.runs, () => truncateSchema(dst, 'bench_many'), () => pgsnap(['restore', archive, '--url', dst, ...extra, '--json'])),
      );
      const target = (extra as readonly string[]).includes('--commit-each-table') ? '≤ 1.0× pg_restore -j 2' : '';
      out.push(row(`pgsnap restore ${label} (50 tables, schema-only copy)`, r, total, null, 'pg_restore -j 2', restoreSeconds, target, r.ok ? undefined : r.error));
    }
  }
  return out;
}

/** The mixed-table backup again at 5× the rows: time should grow 5×, peak memory not at all. */
async function linearityRows(src: string, work: string, args: Args, base: Measured[], log: (m: string) => void): Promise<Row[]> {
  const t0 = Date.now();
  await sql(src, mixedTableSql(args.rows * 5, 'mixed5'));
  log(`bench: bench.mixed5 (${(args.rows * 5).toLocaleString('en-US')} rows) built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const dir = path.join(work, 'mixed5');
  const big = summarize(
    await repeat(1, async () => fs.rmSync(dir, { recursive: true, force: true }), () =>
      pgsnap(['backup', '--url', src, '--dir', dir, '--table', 'bench.mixed5', '--json']),
    ),
  );
  await sql(src, 'DROP TABLE bench.mixed5');
  fs.rmSync(dir, { recursive: true, force: true });
  const small = summarize(base);
  const r = row(`pgsnap backup (mixed, 5× rows)`, big, args.rows * 5, null, 'backup 1×', small.ok ? small.seconds : null, 'time ≈ 5× (linear)', big.ok ? undefined : big.error);
  const memory: Row = {
    step: 'peak RSS, backup 5× rows / 1× rows',
    seconds: null,
    rowsPerSec: null,
    mbPerSec: null,
    peakRssMb: big.peakRssMb,
    cpuSeconds: null,
    serverCpuSeconds: null,
    baseline: 'backup 1×',
    baselineSeconds: null,
    ratio: big.peakRssMb && small.peakRssMb ? big.peakRssMb / small.peakRssMb : null,
    target: 'memory ≈ 1× (flat)',
  };
  // pgsnap's own CPU separates its growth from the server's (a 10M-row table no longer fits in shared_buffers)
  const cpu: Row = {
    ...memory,
    step: 'pgsnap CPU, backup 5× rows / 1× rows',
    peakRssMb: null,
    cpuSeconds: big.cpuSeconds ?? null,
    serverCpuSeconds: big.serverCpuSeconds ?? null,
    ratio: big.cpuSeconds && small.cpuSeconds ? big.cpuSeconds / small.cpuSeconds : null,
    target: 'CPU ≈ 5× (linear)',
  };
  return [r, memory, cpu];
}

function fmt(n: number | null, digits = 2): string {
  return n === null ? '—' : n.toFixed(digits);
}

function print(rows: Row[]): void {
  const header = ['step', 'seconds', 'CPU s', 'server CPU s', 'rows/s', 'MB/s', 'peak RSS MB', 'vs', 'ratio', 'target'];
  const body = rows.map((r) => [
    r.step,
    r.seconds === null && r.ratio === null ? `failed${r.note ? `: ${r.note}` : ''}` : fmt(r.seconds),
    fmt(r.cpuSeconds),
    fmt(r.serverCpuSeconds),
    r.rowsPerSec === null ? '—' : Math.round(r.rowsPerSec).toLocaleString('en-US'),
    fmt(r.mbPerSec, 1),
    fmt(r.peakRssMb, 0),
    r.baseline ? `${r.baseline} ${fmt(r.baselineSeconds)} s` : '',
    r.ratio === null ? '' : `${r.ratio.toFixed(2)}×`,
    r.target,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
}

await main();
