import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenArchive, openArchive } from '../../src/archive/reader.js';
import { type BackupOptions, runBackup } from '../../src/backup/backup.js';
import { resolveTarget } from '../../src/db/connection.js';
import { PgsnapError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { parsePattern } from '../../src/patterns.js';
import { verifyArchive } from '../../src/verify/offline.js';
import { createFixtureDatabase, createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { e2e } from '../helpers/tier.js';

let app: TestDatabase;
let work: string;

beforeAll(async () => {
  app = await createFixtureDatabase('bk');
  // A partitioned table (captured once, through its parent), a legacy inheritance child (its rows are not the
  // parent's), a view and a materialized view (not data).
  await app.query(`
    CREATE TABLE public.events (id bigint, at date NOT NULL, what text) PARTITION BY RANGE (at);
    CREATE TABLE public.events_2024 PARTITION OF public.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    CREATE TABLE public.events_2025 PARTITION OF public.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
    INSERT INTO public.events SELECT i, date '2024-06-01' + i * 30, 'e' || i FROM generate_series(1, 10) i;
    CREATE TABLE public.base_items (id int, label text);
    CREATE TABLE public.special_items (extra text) INHERITS (public.base_items);
    INSERT INTO public.base_items VALUES (1, 'base');
    INSERT INTO public.special_items VALUES (2, 'special', 'x');
    CREATE MATERIALIZED VIEW public.project_counts AS SELECT status, count(*) FROM public.projects GROUP BY status;
  `);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-backup-'));
});

afterAll(async () => {
  await app?.drop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const none = { schemas: [] as string[], tables: [] as ReturnType<typeof parsePattern>[], exclude: [] as ReturnType<typeof parsePattern>[] };

async function backup(db: TestDatabase, options: Partial<BackupOptions> = {}) {
  const dir = fs.mkdtempSync(path.join(work, 'run-'));
  const result = await runBackup({ target: resolveTarget(db.url), dir, selection: none, logger: silentLogger, ...options });
  return { ...result, dir };
}

async function linesOf(a: OpenArchive, table: string): Promise<Record<string, unknown>[]> {
  const t = a.manifest.tables.find((x) => `${x.schema}.${x.name}` === table);
  const out: Record<string, unknown>[] = [];
  for (const e of t?.entries ?? []) for await (const l of a.readLines(e.name)) out.push(JSON.parse(l) as Record<string, unknown>);
  return out;
}

const names = (r: { manifest: { tables: readonly { schema: string; name: string }[] } }) => r.manifest.tables.map((t) => `${t.schema}.${t.name}`);

describe('runBackup', () => {
  it('writes <database>-<UTC timestamp>.zip, mode 0600, with a manifest that describes every table', async () => {
    const r = await backup(app);
    expect(path.basename(r.archive)).toMatch(new RegExp(`^${app.name}-\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}-\\d{2}-\\d{3}Z\\.zip$`));
    expect(fs.statSync(r.archive).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(r.dir)).toEqual([path.basename(r.archive)]);
    const m = r.manifest;
    expect(m.server.major).toBeGreaterThanOrEqual(13);
    expect(Date.parse(m.finishedAt)).toBeGreaterThanOrEqual(Date.parse(m.startedAt));
    const projects = m.tables.find((t) => t.name === 'projects');
    expect(projects?.key).toEqual({ kind: 'primary', name: 'projects_pkey', columns: ['id'] });
    expect(projects?.columns.map((c) => c.name)).toEqual(['id', 'owner_id', 'name', 'status', 'metadata', 'created_at', 'updated_at']);
    expect(projects?.columns.find((c) => c.name === 'status')?.type).toBe('public.project_status');
    expect(m.tables.find((t) => t.name === 'error_logs')?.key).toBeNull();
    const seq = m.sequences.find((s) => s.name === 'projects_id_seq');
    expect(Number(seq?.value)).toBeGreaterThanOrEqual(40);
  });

  it('takes an auth schema the application owns; from a platform-owned one the accounts, not the bookkeeping', async () => {
    const own = await backup(app);
    expect(names(own)).toContain('auth.users');
    // the same layout, but `auth` owned by a Supabase service role, as on Supabase itself
    const platform = await createFixtureDatabase('bk_platform');
    try {
      await platform.query(
        `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'supabase_admin') THEN CREATE ROLE supabase_admin NOLOGIN; END IF;
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`,
      );
      await platform.query('ALTER SCHEMA auth OWNER TO supabase_admin');
      await platform.query('CREATE TABLE auth.schema_migrations (version text PRIMARY KEY)');
      const r = await backup(platform);
      // On Supabase auth.users is the application's accounts: captured; the platform's bookkeeping is not.
      expect(names(r)).toContain('auth.users');
      expect(names(r)).not.toContain('auth.schema_migrations');
      expect(names(await backup(platform, { selection: { ...none, exclude: [parsePattern('auth.*')] } }))).not.toContain('auth.users');
      const both = await backup(platform, { selection: { ...none, schemas: ['auth', 'public'] } });
      expect(names(both)).toContain('auth.users');
      expect(both.manifest.tables.find((t) => t.name === 'users')?.rows).toBe(25);
    } finally {
      await platform.drop();
    }
  });

  it('captures a partitioned table once, through its parent; views and inheritance children are not mixed in', async () => {
    const r = await backup(app);
    const all = names(r);
    expect(all).toContain('public.events');
    expect(all).not.toContain('public.events_2024');
    expect(all).not.toContain('public.events_2025');
    expect(all).not.toContain('public.project_summaries');
    expect(all).not.toContain('public.project_counts');
    expect(r.manifest.tables.find((t) => t.name === 'events')).toMatchObject({ rows: 10, partitioned: true });
    const a = await openArchive(r.archive);
    expect((await linesOf(a, 'public.base_items')).map((x) => x.id)).toEqual([1]);
    expect((await linesOf(a, 'public.special_items')).map((x) => x.id)).toEqual([2]);
    const schema = await a.schema();
    expect(schema.tables.map((t) => t.name)).toEqual(expect.arrayContaining(['events', 'events_2024', 'events_2025']));
    await a.close();
  });

  it('selects with --table patterns and globs; --exclude wins; a pattern naming a partition takes its parent', async () => {
    const r = await backup(app, { selection: { ...none, tables: ['public.pro*', 'error_logs', 'events_2025'].map(parsePattern), exclude: [parsePattern('*.profiles')] } });
    expect(names(r).sort()).toEqual(['public.error_logs', 'public.events', 'public.projects']);
    await expect(backup(app, { selection: { ...none, tables: [parsePattern('nope.*')] } })).rejects.toMatchObject({ code: 'usage' });
  });

  it('splits a large table into several entries at line boundaries', async () => {
    const r = await backup(app, { selection: { ...none, tables: [parsePattern('public.error_logs')] }, limits: { rowsPerEntry: 120, bytesPerEntry: 1 << 30 } });
    const t = r.manifest.tables[0];
    expect(t?.entries.map((e) => e.rows)).toEqual([120, 120, 120, 120, 20]);
    expect(t?.entries.map((e) => e.name)).toEqual([1, 2, 3, 4, 5].map((n) => `data/public.error_logs.000${n}.ndjson`));
    const bySize = await backup(app, { selection: { ...none, tables: [parsePattern('public.error_logs')] }, limits: { rowsPerEntry: 1e9, bytesPerEntry: 10_000 } });
    const parts = bySize.manifest.tables[0]?.entries ?? [];
    expect(parts.length).toBeGreaterThan(3);
    expect(parts.reduce((n, e) => n + e.rows, 0)).toBe(500);
    const a = await openArchive(bySize.archive);
    expect(await linesOf(a, 'public.error_logs')).toHaveLength(500);
    await a.close();
    // same rows, same fingerprint, however they were split
    expect(bySize.manifest.tables[0]?.fingerprint).toBe(t?.fingerprint);
  });

  it('with --jobs 3 writes the same rows as one connection, and leaves no spool files', async () => {
    const one = await backup(app);
    const three = await backup(app, { jobs: 3 });
    const summary = (r: typeof one) => r.manifest.tables.map((t) => [t.schema, t.name, t.rows, t.fingerprint]);
    expect(summary(three)).toEqual(summary(one));
    expect(fs.readdirSync(three.dir)).toEqual([path.basename(three.archive)]);
    // entries deflated by the workers ahead of their turn in the zip hold the same bytes, and read back through
    // the archive reader with every checksum right
    const entries = (r: typeof one) => r.manifest.tables.flatMap((t) => t.entries);
    expect(entries(three)).toEqual(entries(one));
    const verified = await verifyArchive(three.archive);
    expect(verified.problems).toEqual([]);
    expect(verified.ok).toBe(true);
    expect(verified.rows).toBe(three.rows);
  });

  it('backs up an empty database', async () => {
    const empty = await createTestDatabase('bkempty');
    try {
      const r = await backup(empty);
      expect(r.tables).toBe(0);
      const a = await openArchive(r.archive);
      expect(a.manifest.tables).toEqual([]);
      await a.close();
    } finally {
      await empty.drop();
    }
  });

  it('[fault] removes temporary files of dead runs, and keeps those of running ones', async () => {
    const dir = fs.mkdtempSync(path.join(work, 'stale-'));
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const stale = `${app.name}-2025-01-01T00-00-00-000Z.zip.${dead}.tmp`;
    const staleSpool = `${app.name}-2025-01-01T00-00-00-000Z.zip.${dead}.s1.tmp`;
    const running = `${app.name}-2025-01-02T00-00-00-000Z.zip.${process.ppid}.tmp`;
    for (const f of [stale, staleSpool, running]) fs.writeFileSync(path.join(dir, f), 'partial');
    await runBackup({ target: resolveTarget(app.url), dir, selection: none, logger: silentLogger });
    const left = fs.readdirSync(dir);
    expect(left).not.toContain(stale);
    expect(left).not.toContain(staleSpool);
    expect(left).toContain(running);
  });

  it('[fault] leaves nothing behind when the connection dies in the middle of a table', async () => {
    const big = await createTestDatabase('bkbig');
    try {
      await big.query(`CREATE TABLE big (id int PRIMARY KEY, pad text); INSERT INTO big SELECT i, repeat('x', 200) FROM generate_series(1, 400000) i`);
      const dir = fs.mkdtempSync(path.join(work, 'killed-'));
      const running = runBackup({ target: resolveTarget(big.url), dir, selection: none, logger: silentLogger });
      const settled = running.then(
        () => null,
        (e: unknown) => e,
      );
      // wait for the COPY, then end its backend
      let killed = false;
      for (let i = 0; i < 200 && !killed; i++) {
        const rows = await big.query<{ ok: boolean }>(
          `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY%' AND pid <> pg_backend_pid()`,
        );
        killed = rows.some((r) => r.ok);
        if (!killed) await new Promise((r) => setTimeout(r, 10));
      }
      expect(killed).toBe(true);
      const error = await settled;
      expect(error).toBeInstanceOf(PgsnapError);
      expect((error as PgsnapError).exitCode).toBe(2);
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      await big.drop();
    }
  });
});

describe('--jobs spools', () => {
  let two: TestDatabase;
  beforeAll(async () => {
    // two tables of about 30 MB of archive lines each that deflate only about 2:1 (hex): the one read while the
    // other holds the zip passes the 8 MiB kept in memory and goes to a spool file
    two = await createTestDatabase('bkspool');
    const hex = `md5(i::text) || md5((i * 7)::text) || md5((i * 13)::text) || md5((i * 31)::text)`;
    await two.query(`
      CREATE TABLE a_first (id int PRIMARY KEY, h text); INSERT INTO a_first SELECT i, ${hex} FROM generate_series(1, 200000) i;
      CREATE TABLE b_second (id int PRIMARY KEY, h text); INSERT INTO b_second SELECT i, ${hex} FROM generate_series(1, 200000) i;`);
  });
  afterAll(async () => {
    await two?.drop();
  });

  /** the spool files seen in `dir` while `running` runs, and the most bytes they held at once */
  async function watchSpools(dir: string, running: Promise<unknown>, onSpool: () => Promise<void> = async () => {}): Promise<{ seen: string[]; most: number }> {
    let over = false;
    const end = () => {
      over = true;
    };
    running.then(end, end);
    const seen = new Set<string>();
    let most = 0;
    while (!over) {
      const spools = fs.readdirSync(dir).filter((f) => /\.s\d+\.tmp$/.test(f));
      let bytes = 0;
      for (const f of spools) {
        seen.add(f);
        try {
          bytes += fs.statSync(path.join(dir, f)).size;
        } catch {
          // removed meanwhile
        }
      }
      most = Math.max(most, bytes);
      if (spools.length > 0) await onSpool();
      await new Promise((r) => setTimeout(r, 5));
    }
    return { seen: [...seen], most };
  }

  it('a table prepared past the memory cap goes through a spool file into the archive, and the spool goes', async () => {
    const dir = fs.mkdtempSync(path.join(work, 'spool-'));
    const running = runBackup({ target: resolveTarget(two.url), dir, selection: none, jobs: 2, logger: silentLogger });
    const { seen, most } = await watchSpools(dir, running);
    const r = await running;
    expect(seen.length).toBeGreaterThan(0);
    // the spool holds the table's entry deflated (hex: about half its size, less what stayed in memory), not its lines
    const largest = Math.max(...r.manifest.tables.map((t) => t.entries.reduce((n, e) => n + e.bytes, 0)));
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThan(0.7 * largest);
    expect(fs.readdirSync(dir)).toEqual([path.basename(r.archive)]);
    const one = await backup(two);
    const entries = (m: typeof r.manifest) => m.tables.map((t) => [t.name, t.rows, t.fingerprint, t.entries]);
    expect(entries(r.manifest)).toEqual(entries(one.manifest));
    const verified = await verifyArchive(r.archive);
    expect(verified.problems).toEqual([]);
    expect(verified.ok).toBe(true);
  });

  it('[fault] leaves neither spool nor archive when a connection dies while a table is spooled', async () => {
    const dir = fs.mkdtempSync(path.join(work, 'spool-killed-'));
    const running = runBackup({ target: resolveTarget(two.url), dir, selection: none, jobs: 2, logger: silentLogger });
    const settled = running.then(
      () => null,
      (e: unknown) => e,
    );
    let killed = false;
    const { seen } = await watchSpools(dir, running, async () => {
      if (killed) return;
      const rows = await two.query<{ ok: boolean }>(
        `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY%' AND pid <> pg_backend_pid()`,
      );
      killed = rows.some((x) => x.ok);
    });
    expect(seen.length).toBeGreaterThan(0);
    expect(killed).toBe(true);
    const error = await settled;
    expect(error).toBeInstanceOf(PgsnapError);
    expect((error as PgsnapError).exitCode).toBe(2);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('one snapshot across tables', () => {
  e2e('[load] never archives a child row whose parent row is missing, while a writer keeps inserting both', async () => {
    const db = await createTestDatabase('bksnap');
    try {
      await db.query(`
        CREATE TABLE a_parent (id bigint PRIMARY KEY, pad text);
        CREATE TABLE b_child (id bigint PRIMARY KEY, parent_id bigint NOT NULL REFERENCES a_parent (id));
        INSERT INTO a_parent SELECT i, repeat('p', 300) FROM generate_series(1, 150000) i;
        INSERT INTO b_child SELECT i, i FROM generate_series(1, 1000) i;`);
      const writer = new pg.Client({ connectionString: db.url });
      await writer.connect();
      let stop = false;
      let next = 10_000_000;
      const writing = (async () => {
        while (!stop) {
          next++;
          await writer.query(`BEGIN; INSERT INTO a_parent VALUES (${next}, 'new'); INSERT INTO b_child VALUES (${next}, ${next}); COMMIT;`);
        }
      })();
      try {
        while (next < 10_000_020) await new Promise((r) => setTimeout(r, 5));
        for (const jobs of [1, 2]) {
          const r = await backup(db, { jobs });
          const a = await openArchive(r.archive);
          const parents = new Set((await linesOf(a, 'public.a_parent')).map((x) => x.id));
          const children = await linesOf(a, 'public.b_child');
          await a.close();
          const orphans = children.filter((c) => !parents.has(c.parent_id));
          expect(orphans, `jobs ${jobs}`).toEqual([]);
          // the writer really did run during the backup: some of its rows are in, and more came after
          expect(children.length).toBeGreaterThan(1000);
        }
      } finally {
        stop = true;
        await writing;
        await writer.end();
      }
      const [after] = await db.query<{ n: string }>('SELECT count(*) AS n FROM b_child');
      expect(Number(after?.n)).toBeGreaterThan(1000);
    } finally {
      await db.drop();
    }
  });
});
