import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArchive } from '../../src/archive/reader.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cliInProcess } from '../helpers/cli.js';
import { scratchDir } from '../helpers/faults.js';

/**
 * Load: a backup while writers commit hundreds of transactions per second, and a restore while the application
 * keeps writing to the same tables. Loopback only; every loop is bounded by a flag and a deadline; the rates
 * measured are printed (and asserted, so a test that measured nothing cannot pass).
 */
const SCHEMA = `
CREATE TABLE public.orders (id bigint PRIMARY KEY, customer text NOT NULL, total numeric(12,2) NOT NULL DEFAULT 0);
CREATE TABLE public.order_items (id bigserial PRIMARY KEY, order_id bigint NOT NULL REFERENCES public.orders (id) ON DELETE CASCADE,
                                 sku text NOT NULL, qty int NOT NULL);
CREATE INDEX ON public.order_items (order_id);
INSERT INTO public.orders SELECT i, 'customer ' || (i % 997), 0 FROM generate_series(1, 60000) i;
INSERT INTO public.order_items (order_id, sku, qty) SELECT 1 + (i % 60000), md5(i::text), 1 + i % 5 FROM generate_series(1, 240000) i;
`;

interface Writers {
  /** transactions committed (acknowledged by the server) */
  readonly committed: () => number;
  /** the order ids the writers created and saw committed */
  readonly created: () => readonly number[];
  /** transactions the server rolled back as deadlock victims (each then retried) */
  readonly deadlocks: () => number;
  stop(): Promise<void>;
}

/**
 * `n` connections, each committing: a new order with three items and a total update; every fifth transaction
 * also deletes an old order (its items go by cascade). Ids come from `firstId` up, disjoint per writer.
 */
async function startWriters(db: TestDatabase, n: number, firstId: number, deleteBelow: number, deadlineMs: number): Promise<Writers> {
  const clients = await Promise.all(
    Array.from({ length: n }, async () => {
      const c = new pg.Client({ connectionString: db.url, application_name: 'rel load writer' });
      await c.connect();
      return c;
    }),
  );
  let stopping = false;
  let committed = 0;
  let deadlocks = 0;
  const created: number[] = [];
  const deadline = Date.now() + deadlineMs;
  const loops = clients.map(async (c, w) => {
    for (let i = 0; !stopping && Date.now() < deadline; i++) {
      const id = firstId + i * n + w;
      const victim = 1 + ((id * 7919) % deleteBelow);
      const tx = () =>
        c.query(
        `BEGIN;
         INSERT INTO public.orders VALUES (${id}, 'load ${w}', 0);
         INSERT INTO public.order_items (order_id, sku, qty) VALUES (${id}, 'a', 1), (${id}, 'b', 2), (${id}, 'c', 3);
         UPDATE public.orders SET total = 6 WHERE id = ${id};
         ${i % 5 === 0 ? `DELETE FROM public.orders WHERE id = ${victim};` : ''}
         COMMIT;`,
      );
      // Like a well-behaved application: a transaction chosen as a deadlock victim is rolled back and retried.
      for (let attempt = 1; ; attempt++) {
        try {
          await tx();
          break;
        } catch (e) {
          await c.query('ROLLBACK').catch(() => {});
          if ((e as { code?: string }).code !== '40P01' || attempt >= 5) throw e;
          deadlocks++;
        }
      }
      committed++;
      created.push(id);
    }
  });
  return {
    committed: () => committed,
    created: () => created,
    deadlocks: () => deadlocks,
    async stop() {
      stopping = true;
      await Promise.all(loops);
      await Promise.all(clients.map((c) => c.end()));
    },
  };
}

let source: TestDatabase;
let root: string;

beforeAll(async () => {
  source = await createTestDatabase('rel_load');
  await source.query(SCHEMA);
  root = scratchDir('rel-load');
});

afterAll(async () => {
  await source?.drop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

async function rowsOf(file: string, table: string): Promise<Record<string, unknown>[]> {
  const a = await openArchive(file);
  try {
    const t = a.manifest.tables.find((x) => `${x.schema}.${x.name}` === table);
    const out: Record<string, unknown>[] = [];
    for (const e of t?.entries ?? []) for await (const l of a.readLines(e.name)) out.push(JSON.parse(l) as Record<string, unknown>);
    return out;
  } finally {
    await a.close();
  }
}

describe('backup under load', () => {
  for (const jobs of ['1', '2']) {
    it(`[load] completes while 4 writers commit hundreds of transactions per second; foreign keys hold inside the archive (--jobs ${jobs})`, async () => {
      const dir = path.join(root, `backup-${jobs}`);
      const writers = await startWriters(source, 4, 10_000_000 * Number(jobs), 60_000, 90_000);
      let archive: string;
      let rate: number;
      try {
        // let the writers reach their pace, then back up while they keep going
        await new Promise((r) => setTimeout(r, 500));
        const before = writers.committed();
        const t0 = performance.now();
        const r = await cliInProcess(['backup', '--url', source.url, '--dir', dir, '--jobs', jobs, '--json']);
        const seconds = (performance.now() - t0) / 1000;
        rate = (writers.committed() - before) / seconds;
        expect(r.code, r.stderr).toBe(0);
        archive = (JSON.parse(r.stdout) as { archive: string }).archive;
        console.log(`backup --jobs ${jobs}: ${seconds.toFixed(1)} s while writers committed ${rate.toFixed(0)} transactions/s`);
      } finally {
        await writers.stop();
      }
      expect(rate).toBeGreaterThan(100);

      const orders = new Set((await rowsOf(archive, 'public.orders')).map((o) => o.id));
      const items = await rowsOf(archive, 'public.order_items');
      const orphans = items.filter((i) => !orders.has(i.order_id));
      expect(orphans.slice(0, 3)).toEqual([]);
      // the writers' work is in it, as of one instant: every archived new order has all three of its items
      const fresh = [...orders].filter((id) => Number(id) >= 10_000_000);
      expect(fresh.length).toBeGreaterThan(0);
      const perOrder = new Map<unknown, number>();
      for (const i of items) if (Number(i.order_id) >= 10_000_000) perOrder.set(i.order_id, (perOrder.get(i.order_id) ?? 0) + 1);
      expect([...perOrder.values()].filter((n) => n !== 3)).toEqual([]);
      expect(perOrder.size).toBe(fresh.length);

      // and PostgreSQL agrees: the archive restores into an empty database with the foreign key enforced
      const empty = await createTestDatabase('rel_load_empty');
      try {
        const restored = await cliInProcess(['restore', archive, '--url', empty.url, '--create-missing', '--json']);
        expect(restored.code, restored.stderr).toBe(0);
        const [n] = await empty.query<{ n: string }>(`SELECT count(*) AS n FROM public.order_items i LEFT JOIN public.orders o ON o.id = i.order_id WHERE o.id IS NULL`);
        expect(Number(n?.n)).toBe(0);
        const [c] = await empty.query<{ n: string }>(`SELECT count(*) AS n FROM public.order_items`);
        expect(Number(c?.n)).toBe(items.length);
      } finally {
        await empty.drop();
      }
    });
  }
});

describe('restore under load', () => {
  it('[load] a restore while the application writes to the same tables finishes in bounded time and loses none of its writes', async () => {
    const dir = path.join(root, 'for-restore');
    const b = await cliInProcess(['backup', '--url', source.url, '--dir', dir, '--json']);
    expect(b.code, b.stderr).toBe(0);
    const archive = (JSON.parse(b.stdout) as { archive: string }).archive;
    const archivedOrders = (await rowsOf(archive, 'public.orders')).length;
    // the incident: a third of the orders (and their items, by cascade) deleted by mistake
    await source.query(`DELETE FROM public.orders WHERE id % 3 = 0 AND id <= 60000`);

    const writers = await startWriters(source, 4, 50_000_000, 1, 90_000);
    let seconds: number;
    let committedDuring: number;
    const refusals: string[] = [];
    try {
      await new Promise((r) => setTimeout(r, 300));
      const before = writers.committed();
      const t0 = performance.now();
      // Restore and the writers lock the two tables in different orders, so PostgreSQL may pick restore as a
      // deadlock victim: then it must say so in one line, change nothing, and the same command must finish later.
      let r = await cliInProcess(['restore', archive, '--url', source.url, '--json']);
      while (r.code !== 0 && refusals.length < 10) {
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
        expect(r.stderr).toMatch(/(could not lock|deadlock while locking) .* — nothing was changed/);
        const [still] = await source.query<{ n: string }>(`SELECT count(*) AS n FROM public.orders WHERE id % 3 = 0 AND id <= 60000`);
        expect(Number(still?.n)).toBe(0);
        refusals.push(r.stderr.trim());
        r = await cliInProcess(['restore', archive, '--url', source.url, '--json']);
      }
      seconds = (performance.now() - t0) / 1000;
      committedDuring = writers.committed() - before;
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout) as { tables: { table: string; inserted: number }[] };
      expect(report.tables.find((t) => t.table === 'public.orders')?.inserted).toBeGreaterThan(15_000);
      // keep writing a moment after the restore committed: the application goes on
      await new Promise((r2) => setTimeout(r2, 300));
    } finally {
      await writers.stop();
    }
    console.log(
      `restore under load: ${seconds.toFixed(1)} s after ${refusals.length} refused attempt(s); the writers committed ${committedDuring} transactions meanwhile, ${writers.committed()} in all; ${writers.deadlocks()} deadlock victims retried`,
    );
    expect(seconds).toBeLessThan(60);
    expect(writers.committed()).toBeGreaterThan(50);

    // every acknowledged write of the application is there, with its three items and its total
    const created = writers.created();
    const rows = await source.query<{ n: string; items: string; totals: string }>(
      `SELECT count(*) AS n, (SELECT count(*) FROM public.order_items WHERE order_id = ANY($1::bigint[])) AS items,
              count(*) FILTER (WHERE total = 6) AS totals
         FROM public.orders WHERE id = ANY($1::bigint[])`,
      [created],
    );
    expect(Number(rows[0]?.n)).toBe(created.length);
    expect(Number(rows[0]?.items)).toBe(3 * created.length);
    expect(Number(rows[0]?.totals)).toBe(created.length);
    // and every archived order is back (the writers deleted none: deleteBelow = 1 only ever names order 1)
    const [back] = await source.query<{ n: string }>(`SELECT count(*) AS n FROM public.orders WHERE id < 50000000 AND id <> 1`);
    expect(Number(back?.n)).toBeGreaterThanOrEqual(archivedOrders - 1);
  });
});
