import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { expectOneLine, spawnCli, tableState, waitFor } from '../helpers/faults.js';
import { backupTo, countsOf, damagedCopyOf, pgsnap, restore, tableTexts, tempDir } from './restore-helpers.js';

/**
 * restore --commit-each-table (restore/per-table.ts): each table, or a foreign-key cycle's tables together, in a
 * transaction of its own, with --jobs N on N connections. Its result must be the all-or-nothing restore's; a
 * failure or a kill leaves committed tables whole, the others empty, the sequences ahead; a re-run completes it.
 */
const FIXTURE = `
CREATE SCHEMA pt;
CREATE TABLE pt.customers (id serial PRIMARY KEY, name text NOT NULL);
CREATE TABLE pt.orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id int NOT NULL REFERENCES pt.customers, note text);
-- a cycle of deferrable foreign keys
CREATE TABLE pt.da (id int PRIMARY KEY, db_id int NOT NULL);
CREATE TABLE pt.db (id int PRIMARY KEY, da_id int NOT NULL REFERENCES pt.da DEFERRABLE INITIALLY DEFERRED);
ALTER TABLE pt.da ADD CONSTRAINT da_db_fk FOREIGN KEY (db_id) REFERENCES pt.db DEFERRABLE INITIALLY DEFERRED;
-- a cycle closed through a nullable column
CREATE TABLE pt.na (id int PRIMARY KEY, nb_id int);
CREATE TABLE pt.nb (id int PRIMARY KEY, na_id int NOT NULL REFERENCES pt.na);
ALTER TABLE pt.na ADD CONSTRAINT na_nb_fk FOREIGN KEY (nb_id) REFERENCES pt.nb;
CREATE TABLE pt.node (id int PRIMARY KEY, parent int REFERENCES pt.node, customer_id int REFERENCES pt.customers);
CREATE TABLE pt.events (id int, at date NOT NULL, order_id bigint REFERENCES pt.orders, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE pt.events_2025 PARTITION OF pt.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE pt.events_2026 PARTITION OF pt.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE pt.audit (n int);
INSERT INTO pt.customers (name) SELECT 'c' || i FROM generate_series(1, 200) i;
INSERT INTO pt.orders (customer_id, note) SELECT 1 + i % 200, 'o' || i FROM generate_series(1, 1000) i;
INSERT INTO pt.da SELECT i, i FROM generate_series(1, 300) i;
INSERT INTO pt.db SELECT i, i FROM generate_series(1, 300) i;
INSERT INTO pt.na SELECT i, NULL FROM generate_series(1, 300) i;
INSERT INTO pt.nb SELECT i, i FROM generate_series(1, 300) i;
UPDATE pt.na SET nb_id = id WHERE id % 3 <> 0;
INSERT INTO pt.node SELECT i, CASE WHEN i > 1 THEN i / 2 END, 1 + i % 200 FROM generate_series(1, 500) i;
INSERT INTO pt.events SELECT i, CASE WHEN i % 2 = 0 THEN date '2025-06-01' ELSE date '2026-06-01' END, 1 + i % 1000 FROM generate_series(1, 1000) i;
-- a user trigger that must not fire on restored rows (created after the rows above)
CREATE FUNCTION pt.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO pt.audit VALUES (1); NEW.note := 'rewritten'; RETURN NEW; END $$;
CREATE TRIGGER orders_touch BEFORE INSERT ON pt.orders FOR EACH ROW EXECUTE FUNCTION pt.touch();
`;
const TABLES = ['pt.customers', 'pt.orders', 'pt.da', 'pt.db', 'pt.na', 'pt.nb', 'pt.node', 'pt.events', 'pt.audit'];
const EMPTY = `TRUNCATE ${TABLES.join(', ')} RESTART IDENTITY`;

/**
 * Tables whose rows wait, at row 3000, for advisory lock 4242 whenever a test holds it: a COPY stopped half way,
 * on purpose, without timing. g.a_first has no gate, and is the largest: restore starts it first.
 */
const GATED = `
CREATE SCHEMA g;
CREATE FUNCTION g.gate(id int) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN IF id = 3000 THEN PERFORM pg_advisory_xact_lock_shared(4242); END IF; RETURN true; END $$;
CREATE TABLE g.a_first (id int PRIMARY KEY, v text);
CREATE TABLE g.left_side (id int PRIMARY KEY CHECK (g.gate(id)), v text);
CREATE TABLE g.right_side (id int PRIMARY KEY CHECK (g.gate(id)), v text);
INSERT INTO g.a_first SELECT i, 'a' || i FROM generate_series(1, 20000) i;
INSERT INTO g.left_side SELECT i, 'l' || i FROM generate_series(1, 6000) i;
INSERT INTO g.right_side SELECT i, 'r' || i FROM generate_series(1, 6000) i;
`;
const GATED_TABLES = ['g.a_first', 'g.left_side', 'g.right_side'];

const dbs: TestDatabase[] = [];
let source: TestDatabase;
let archive: string;
let gated: TestDatabase;
let gatedArchive: string;

beforeAll(async () => {
  source = await createTestDatabase('rpt_src');
  dbs.push(source);
  await source.query(FIXTURE);
  archive = await backupTo(source, tempDir('restore-per-table'), ['pt']);
  gated = await createTestDatabase('rpt_gate');
  dbs.push(gated);
  await gated.query(GATED);
  gatedArchive = await backupTo(gated, tempDir('restore-per-table-gate'), ['g']);
});
afterAll(async () => {
  for (const db of dbs) await db.drop();
});

const copyOf = (template: TestDatabase, prefix: string, damage: string) => damagedCopyOf(template, prefix, damage, dbs);

async function sequences(db: TestDatabase): Promise<string[]> {
  const rows = await db.query<{ s: string }>(
    `SELECT format('%s %s %s', 'customers', last_value, is_called) AS s FROM pt.customers_id_seq
     UNION ALL SELECT format('%s %s %s', 'orders', last_value, is_called) FROM pt.orders_id_seq`,
  );
  return rows.map((r) => r.s);
}

/** The transaction ids that wrote each table's rows. */
async function writers(db: TestDatabase, tables: readonly string[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const t of tables) out[t] = (await db.query<{ x: string }>(`SELECT DISTINCT xmin::text AS x FROM ${t}`)).map((r) => r.x);
  return out;
}

/** A session holding advisory lock 4242 in `db`: the gated tables' COPYs wait at row 3000 until it lets go. */
async function holdGate(db: TestDatabase): Promise<{ release(): Promise<void> }> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  await c.query('SELECT pg_advisory_lock(4242)');
  return { release: () => c.end() };
}

/** `pgsnap restore` backends of `db` in a COPY waiting at the gate. */
async function waitingAtGate(db: TestDatabase): Promise<string[]> {
  const rows = await db.query<{ q: string }>(
    `SELECT query AS q FROM pg_stat_activity
      WHERE datname = current_database() AND application_name = 'pgsnap restore' AND query LIKE 'COPY %' AND wait_event = 'advisory'`,
  );
  return rows.map((r) => r.q).sort();
}

describe('restore --commit-each-table', () => {
  it('gives what the all-or-nothing restore gives, committing each table (a cycle together) on its own', async () => {
    const atomic = await copyOf(source, 'rpt_atomic', EMPTY);
    const each = await copyOf(source, 'rpt_each', EMPTY);
    const a = await restore(atomic, archive, { jobs: 3 });
    const e = await restore(each, archive, { jobs: 3, commitEachTable: true });
    expect(a.code, a.error?.message).toBe(0);
    expect(e.code, e.error?.message).toBe(0);
    expect(countsOf(e)).toEqual(countsOf(a));
    expect(await tableTexts(each, TABLES)).toEqual(await tableTexts(atomic, TABLES));
    expect(await tableTexts(each, TABLES)).toEqual(await tableTexts(source, TABLES));
    expect(await sequences(each)).toEqual(await sequences(atomic));
    expect(await sequences(each)).toEqual(await sequences(source));
    // the trigger did not fire
    expect((await each.query<{ n: number }>('SELECT count(*)::int AS n FROM pt.audit'))[0]?.n).toBe(0);
    expect(e.report?.committed).toBe(true);
    expect(e.report?.tables.every((t) => t.committed === true)).toBe(true);
    // one transaction per unit: a cycle's tables share one, every other table has its own
    const w = await writers(each, ['pt.customers', 'pt.orders', 'pt.da', 'pt.db', 'pt.na', 'pt.nb', 'pt.node', 'pt.events']);
    for (const xs of Object.values(w)) expect(xs).toHaveLength(1);
    expect(w['pt.da']).toEqual(w['pt.db']);
    expect(w['pt.na']).toEqual(w['pt.nb']);
    const distinct = new Set([w['pt.customers'], w['pt.orders'], w['pt.da'], w['pt.na'], w['pt.node'], w['pt.events']].map((x) => x?.[0]));
    expect(distinct.size).toBe(6);
    // the all-or-nothing restore wrote everything in one
    expect(new Set(Object.values(await writers(atomic, ['pt.customers', 'pt.orders', 'pt.da', 'pt.events'])).flat()).size).toBe(1);
  });

  it('writes on two connections at once: both independent tables are in COPY together', async () => {
    const db = await copyOf(gated, 'rpt_two', `TRUNCATE ${GATED_TABLES.join(', ')}`);
    const gate = await holdGate(db);
    let released = false;
    try {
      const running = restore(db, gatedArchive, { jobs: 2, commitEachTable: true });
      // each COPY waits at row 3000 until the gate opens, so both must be seen waiting at the same time
      await waitFor(async () => (await waitingAtGate(db)).length === 2, 60_000, 'two pgsnap restore backends in COPY');
      const copying = await waitingAtGate(db);
      expect(copying[0]).toMatch(/^COPY "g"\."left_side"/);
      expect(copying[1]).toMatch(/^COPY "g"\."right_side"/);
      await gate.release();
      released = true;
      const r = await running;
      expect(r.code, r.error?.message).toBe(0);
    } finally {
      if (!released) await gate.release();
    }
    expect(await tableTexts(db, GATED_TABLES)).toEqual(await tableTexts(gated, GATED_TABLES));
  });

  it('[bad-input] a table the target refuses stops the restore there: committed tables keep their rows, a re-run completes', async () => {
    const db = await copyOf(source, 'rpt_fail', EMPTY);
    await db.query(`ALTER TABLE pt.orders ADD CONSTRAINT no_sevens CHECK (id % 7 <> 0)`);
    const r = await restore(db, archive, { jobs: 3, commitEachTable: true });
    expect(r.code).toBe(2);
    expect(r.error?.message).toMatch(/^restore stopped at pt\.orders \(.*no_sevens.*\): \d+ of 9 tables committed, \d+ not$/);
    expect(r.error?.hint).toMatch(/run the same command again/);
    const report = r.report;
    if (!report) throw new Error('no report');
    expect(report.committed).toBe(false);
    const state = Object.fromEntries(report.tables.map((t) => [t.table, t.committed]));
    // customers is referenced by orders, so it was committed before orders began; events references orders
    expect(state['pt.customers']).toBe(true);
    expect(state['pt.orders']).toBe(false);
    expect(state['pt.events']).toBe(false);
    expect(report.tables.find((t) => t.table === 'pt.orders')?.error).toMatch(/no_sevens/);
    for (const t of report.tables) {
      const n = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t.table}`))[0]?.n;
      expect(n, t.table).toBe(t.committed ? t.inArchive : 0);
    }
    // the sequences were moved forward first: not behind the archive's rows, though orders holds none
    expect(await sequences(db)).toEqual(await sequences(source));

    await db.query(`ALTER TABLE pt.orders DROP CONSTRAINT no_sevens`);
    const again = await restore(db, archive, { jobs: 3, commitEachTable: true });
    expect(again.code, again.error?.message).toBe(0);
    for (const t of again.report?.tables ?? []) expect(t.inserted, t.table).toBe(state[t.table] ? 0 : t.inArchive);
    expect(await tableTexts(db, TABLES)).toEqual(await tableTexts(source, TABLES));
  });

  it('[bad-input] a process killed in the middle of a table leaves the committed tables whole and no half table', async () => {
    const db = await copyOf(gated, 'rpt_kill', `TRUNCATE ${GATED_TABLES.join(', ')}`);
    const gate = await holdGate(db);
    let released = false;
    try {
      const run = spawnCli(['restore', gatedArchive, '--url', db.url, '--commit-each-table', '--jobs', '1']);
      // g.a_first is committed; g.left_side has 2999 rows sent inside its transaction and waits at the gate
      await waitFor(async () => (await waitingAtGate(db)).length === 1, 60_000, 'the restore in the middle of g.left_side');
      run.child.kill('SIGKILL');
      await run.done;
      await gate.release();
      released = true;
    } finally {
      if (!released) await gate.release();
    }
    // the backend finds its client gone once the gate lets the COPY go on, and rolls back
    await waitFor(
      async () => (await db.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'pgsnap restore'`)).length === 0,
      60_000,
      'the killed restore backend to exit',
    );
    const counts = await db.query<{ t: string; n: number }>(
      `SELECT 'a_first' AS t, count(*)::int AS n FROM g.a_first UNION ALL SELECT 'left', count(*)::int FROM g.left_side UNION ALL SELECT 'right', count(*)::int FROM g.right_side`,
    );
    expect(Object.fromEntries(counts.map((c) => [c.t, c.n]))).toEqual({ a_first: 20000, left: 0, right: 0 });
    const again = await restore(db, gatedArchive, { jobs: 2, commitEachTable: true });
    expect(again.code, again.error?.message).toBe(0);
    expect(countsOf(again)['g.a_first']?.inserted).toBe(0);
    expect(await tableTexts(db, GATED_TABLES)).toEqual(await tableTexts(gated, GATED_TABLES));
  });

  it('[bad-input] SIGTERM in the middle of a table rolls back the tables in flight and says which were committed', async () => {
    const db = await copyOf(gated, 'rpt_term', `TRUNCATE ${GATED_TABLES.join(', ')}`);
    const gate = await holdGate(db);
    let released = false;
    let r: Awaited<ReturnType<typeof spawnCli>['done']>;
    try {
      const run = spawnCli(['restore', gatedArchive, '--url', db.url, '--commit-each-table', '--jobs', '2']);
      await waitFor(async () => (await waitingAtGate(db)).length === 2, 60_000, 'the restore in the middle of both gated tables');
      run.child.kill('SIGTERM');
      r = await run.done;
      await gate.release();
      released = true;
    } finally {
      if (!released) await gate.release();
    }
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/interrupted by SIGTERM: .*stopped: 1 of 3 tables committed \(g\.a_first\), the tables being loaded rolled back; run the same command again/);
    await waitFor(
      async () => (await db.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'pgsnap restore'`)).length === 0,
      60_000,
      'the restore backends to exit',
    );
    const counts = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM g.left_side UNION ALL SELECT count(*)::int FROM g.right_side`);
    expect(counts.map((c) => c.n)).toEqual([0, 0]);
  });

  for (const [what, options] of [
    ['--where', { where: ['pt.customers: id < 5'] }],
    ['--with-dependents', { where: ['pt.customers: id < 5'], withDependents: true }],
    ['--create-missing', { createMissing: true }],
  ] as const) {
    it(`[bad-input] refuses ${what}, changing nothing`, async () => {
      const db = await copyOf(source, 'rpt_refuse', EMPTY);
      const before = await tableState(db, ['pt']);
      const r = await restore(db, archive, { commitEachTable: true, jobs: 2, ...options });
      expect(r.code).toBe(2);
      expect(r.error?.message).toMatch(/--commit-each-table cannot be combined with --(where|create-missing)/);
      expect(r.error?.hint).toMatch(/run without --commit-each-table/);
      expect(await tableState(db, ['pt'])).toEqual(before);
    });
  }

  it('through the CLI: the flag, the --json field, and a dry run that changes nothing', async () => {
    const db = await copyOf(source, 'rpt_cli', EMPTY);
    const before = await tableState(db, ['pt']);
    const dry = await pgsnap(['restore', archive, '--url', db.url, '--commit-each-table', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(await tableState(db, ['pt'])).toEqual(before);
    const r = await pgsnap(['restore', archive, '--url', db.url, '--commit-each-table', '--jobs', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { committed: boolean; commitEachTable: boolean; tables: { table: string; committed: boolean }[] };
    expect(report.committed).toBe(true);
    expect(report.commitEachTable).toBe(true);
    expect(report.tables.map((t) => t.committed)).toEqual(TABLES.map(() => true));
    const refused = await pgsnap(['restore', archive, '--url', db.url, '--commit-each-table', '--create-missing']);
    expectOneLine(refused, 2, /--commit-each-table cannot be combined with --create-missing — nothing was changed; run without --commit-each-table/);
  });

  it('[bad-input] through the CLI, a table that fails gives one line saying how far it got', async () => {
    const db = await copyOf(source, 'rpt_cli_fail', EMPTY);
    await db.query(`ALTER TABLE pt.node ADD CONSTRAINT small_nodes CHECK (id < 400)`);
    const r = await pgsnap(['restore', archive, '--url', db.url, '--commit-each-table', '--jobs', '2']);
    expectOneLine(r, 2, /^pgsnap: restore stopped at pt\.node \(.*small_nodes.*\): \d+ of 9 tables committed, \d+ not — run the same command again to finish/);
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pt.node'))[0]?.n).toBe(0);
  });
});
