import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseArchiveName } from '../../src/archive/naming.js';
import { openArchive } from '../../src/archive/reader.js';
import { verifyArchive } from '../../src/verify/offline.js';
import { runBackup } from '../../src/backup/backup.js';
import { resolveTarget } from '../../src/db/connection.js';
import { PgsnapError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { adminQuery, createTestDatabase, type TestDatabase } from '../helpers/db.js';

/** Capture exactly what the tables hold: row level security and DDL that commits while the backup waits. */
const suffix = randomBytes(3).toString('hex');
const reader = `bk_reader_${suffix}`;
const owner = `bk_owner_${suffix}`;
const password = randomBytes(8).toString('hex');
const none = { schemas: [] as string[], tables: [], exclude: [] };
let db: TestDatabase;
let work: string;

function urlAs(role: string): string {
  const u = new URL(db.url);
  u.username = role;
  u.password = password;
  return u.toString();
}

beforeAll(async () => {
  await adminQuery(`CREATE ROLE ${reader} LOGIN PASSWORD '${password}'`);
  await adminQuery(`CREATE ROLE ${owner} LOGIN PASSWORD '${password}'`);
  db = await createTestDatabase('bk_capture');
  await db.query(`
    CREATE SCHEMA app AUTHORIZATION ${owner};
    GRANT USAGE ON SCHEMA app TO ${reader};
    CREATE TABLE app.notes (id int PRIMARY KEY, tenant int NOT NULL, body text);
    INSERT INTO app.notes SELECT i, i % 3, 'n' || i FROM generate_series(1, 30) i;
    ALTER TABLE app.notes OWNER TO ${owner};
    ALTER TABLE app.notes ENABLE ROW LEVEL SECURITY;
    CREATE POLICY tenant_zero ON app.notes USING (tenant = 0);
    GRANT SELECT ON app.notes TO ${reader};
    CREATE TABLE app.plain (id int PRIMARY KEY);
    INSERT INTO app.plain SELECT generate_series(1, 5);
    ALTER TABLE app.plain OWNER TO ${owner};
    GRANT SELECT ON app.plain TO ${reader};
  `);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-capture-'));
});

afterAll(async () => {
  await db?.drop();
  await adminQuery(`DROP ROLE IF EXISTS ${reader}`);
  await adminQuery(`DROP ROLE IF EXISTS ${owner}`);
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

function freshDir(): string {
  return fs.mkdtempSync(path.join(work, 'run-'));
}

async function refusal(url: string): Promise<{ error: PgsnapError; dir: string }> {
  const dir = freshDir();
  const error = await runBackup({ target: resolveTarget(url), dir, selection: { ...none, schemas: ['app'] }, logger: silentLogger }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PgsnapError);
  return { error: error as PgsnapError, dir };
}

async function rowsIn(archive: string, table: string): Promise<number> {
  const a = await openArchive(archive);
  try {
    let n = 0;
    const t = a.manifest.tables.find((x) => x.name === table);
    for (const e of t?.entries ?? []) for await (const _ of a.readLines(e.name)) n++;
    return n;
  } finally {
    await a.close();
  }
}

describe('row level security', () => {
  it('refuses a SELECT-only role whose reads policies filter, naming the table and the fix; writes nothing', async () => {
    const { error, dir } = await refusal(urlAs(reader));
    expect(error.code).toBe('permission');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('app.notes');
    expect(error.message).not.toContain('app.plain');
    expect(error.hint).toMatch(/BYPASSRLS/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('refuses the owner of a FORCE ROW LEVEL SECURITY table', async () => {
    await db.query('ALTER TABLE app.notes FORCE ROW LEVEL SECURITY');
    try {
      const { error, dir } = await refusal(urlAs(owner));
      expect(error.message).toMatch(/app\.notes \(FORCE ROW LEVEL SECURITY\)/);
      expect(error.hint).toMatch(/NO FORCE ROW LEVEL SECURITY/);
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      await db.query('ALTER TABLE app.notes NO FORCE ROW LEVEL SECURITY');
    }
  });

  it('captures every row as the owner (policies do not apply) and as a BYPASSRLS role', async () => {
    const asOwner = await runBackup({ target: resolveTarget(urlAs(owner)), dir: freshDir(), selection: { ...none, schemas: ['app'] }, logger: silentLogger });
    expect(await rowsIn(asOwner.archive, 'notes')).toBe(30);
    await adminQuery(`ALTER ROLE ${reader} BYPASSRLS`);
    try {
      const asReader = await runBackup({ target: resolveTarget(urlAs(reader)), dir: freshDir(), selection: { ...none, schemas: ['app'] }, logger: silentLogger });
      expect(asReader.manifest.tables.find((t) => t.name === 'notes')?.rows).toBe(30);
      expect(await rowsIn(asReader.archive, 'notes')).toBe(30);
    } finally {
      await adminQuery(`ALTER ROLE ${reader} NOBYPASSRLS`);
    }
  });
});

describe('DDL that commits while the backup waits for its lock', () => {
  // A second connection holds the conflicting lock; the backup (which has already taken its snapshot) waits
  // behind it; then the DDL commits. A snapshot taken before the rewrite sees the rewritten table as empty.
  interface Case {
    readonly hold: (c: pg.Client) => Promise<() => Promise<unknown>>;
  }
  const inTransaction = (sql: string): Case['hold'] => async (c) => {
    await c.query('BEGIN');
    await c.query(sql);
    return () => c.query('COMMIT');
  };
  const cases: [string, Case['hold']][] = [
    ['ALTER COLUMN TYPE', inTransaction('ALTER TABLE public.victim ALTER COLUMN v TYPE bigint')],
    [
      'TRUNCATE + reload',
      inTransaction('CREATE TEMP TABLE keep AS SELECT * FROM public.victim; TRUNCATE public.victim; INSERT INTO public.victim SELECT * FROM keep'),
    ],
    [
      'VACUUM FULL',
      async (c) => {
        // VACUUM FULL cannot run in a transaction: an expression index with a slow function keeps it (and its
        // ACCESS EXCLUSIVE lock) busy for about two seconds.
        const running = c.query('VACUUM FULL public.victim');
        await waitFor(`SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'victim' AND l.mode = 'AccessExclusiveLock' AND l.granted`);
        return () => running;
      },
    ],
  ];
  for (const [label, hold] of cases) {
    it(`${label}: the archive holds the table's rows, not an empty table`, async () => {
      await db.query(`
        DROP TABLE IF EXISTS public.victim;
        CREATE TABLE public.victim (id int PRIMARY KEY, v int);
        INSERT INTO public.victim SELECT i, i FROM generate_series(1, 200) i;
        CREATE OR REPLACE FUNCTION public.slow(int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS 'BEGIN PERFORM pg_sleep(0.01); RETURN $1; END';
      `);
      if (label === 'VACUUM FULL') await db.query('CREATE INDEX victim_slow ON public.victim (public.slow(id))');
      const blocker = new pg.Client({ connectionString: db.url });
      await blocker.connect();
      try {
        const release = await hold(blocker);
        const running = runBackup({
          target: resolveTarget(db.url),
          dir: freshDir(),
          selection: { ...none, tables: [{ schema: /^public$/, table: /^victim$/, source: 'public.victim' }] },
          logger: silentLogger,
        });
        await waitFor(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'pgsnap backup' AND wait_event_type = 'Lock'`);
        await release();
        const r = await running;
        expect(r.manifest.tables.find((t) => t.name === 'victim')?.rows).toBe(200);
        expect(await rowsIn(r.archive, 'victim')).toBe(200);
      } finally {
        await blocker.end();
      }
    });
  }
});

describe('two backups of one database started in the same millisecond', () => {
  it('never overwrite each other: the later takes the next free millisecond', async () => {
    const dir = freshDir();
    const at = new Date('2026-03-01T03:00:00.000Z');
    vi.useFakeTimers({ toFake: ['Date'], now: at });
    let results: Awaited<ReturnType<typeof runBackup>>[];
    try {
      const run = () => runBackup({ target: resolveTarget(db.url), dir, selection: { ...none, schemas: ['app'] }, logger: silentLogger });
      results = await Promise.all([run(), run(), run()]);
    } finally {
      vi.useRealTimers();
    }
    const files = fs.readdirSync(dir).sort();
    expect(files).toHaveLength(3);
    expect(new Set(results.map((r) => r.archive)).size).toBe(3);
    expect(files.map((f) => parseArchiveName(f)?.takenAt.getTime())).toEqual([0, 1, 2].map((ms) => at.getTime() + ms));
    for (const r of results) {
      expect(r.manifest.startedAt).toBe(at.toISOString());
      expect((await verifyArchive(r.archive)).ok).toBe(true);
    }
  });
});

async function waitFor(sql: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if ((await db.query(sql)).length > 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never true: ${sql}`);
}
