import { describe, expect, it } from 'vitest';
import { restoreUnits, runUnits } from '../../src/restore/units.js';

/** A plan table as restoreUnits sees it: its name and what its foreign keys reference. */
const t = (table: string, ...references: string[]) => ({ table, foreignKeys: references.map((r) => ({ references: { table: r } })) });
const names = (units: ReturnType<typeof restoreUnits<ReturnType<typeof t>>>) => units.map((u) => ({ tables: u.tables.map((x) => x.table), dependsOn: u.dependsOn }));

describe('restoreUnits', () => {
  it('puts a table on its own unless it is in a cycle, and a cycle (of any length) in one unit', () => {
    const units = restoreUnits([
      t('s.customers'),
      t('s.a', 's.c', 's.customers'),
      t('s.b', 's.a'),
      t('s.c', 's.b'),
      t('s.node', 's.node', 's.customers'),
      t('s.orders', 's.customers', 's.elsewhere'),
      t('s.lines', 's.orders', 's.b'),
    ]);
    expect(names(units)).toEqual([
      { tables: ['s.customers'], dependsOn: [] },
      { tables: ['s.a', 's.b', 's.c'], dependsOn: [0] },
      // a self-reference is no dependency; a table outside the restore is none either
      { tables: ['s.node'], dependsOn: [0] },
      { tables: ['s.orders'], dependsOn: [0] },
      { tables: ['s.lines'], dependsOn: [1, 3] },
    ]);
  });

  it('handles a long chain without recursion', () => {
    const chain = Array.from({ length: 20_000 }, (_, i) => (i === 0 ? t('s.t0') : t(`s.t${i}`, `s.t${i - 1}`)));
    const units = restoreUnits(chain);
    expect(units).toHaveLength(20_000);
    expect(units[19_999]?.dependsOn).toEqual([19_998]);
  });
});

describe('runUnits', () => {
  const deferred = () => {
    let resolve!: (ok: boolean) => void;
    const promise = new Promise<boolean>((r) => (resolve = r));
    return { promise, resolve };
  };

  it('starts a unit only once every unit it references is committed, up to one per worker', async () => {
    const units = [{ dependsOn: [] }, { dependsOn: [] }, { dependsOn: [0] }, { dependsOn: [1, 2] }];
    const running = new Map<number, ReturnType<typeof deferred>>();
    const log: string[] = [];
    const done = runUnits(units, ['w1', 'w2'], (u, w) => {
      const i = units.indexOf(u);
      log.push(`${i}@${w}`);
      const d = deferred();
      running.set(i, d);
      return d.promise;
    });
    const tick = () => new Promise((r) => setTimeout(r, 0));
    await tick();
    expect(log).toEqual(['0@w1', '1@w2']);
    running.get(1)?.resolve(true);
    await tick();
    // unit 2 waits on 0, unit 3 on 2: a free worker with nothing ready stays idle
    expect(log).toEqual(['0@w1', '1@w2']);
    running.get(0)?.resolve(true);
    await tick();
    expect(log).toEqual(['0@w1', '1@w2', '2@w2']);
    running.get(2)?.resolve(true);
    await tick();
    running.get(3)?.resolve(true);
    expect(await done).toEqual(['committed', 'committed', 'committed', 'committed']);
  });

  it('among the ready units starts the largest first', async () => {
    const units = [{ dependsOn: [], size: 1 }, { dependsOn: [], size: 5 }, { dependsOn: [], size: 3 }, { dependsOn: [1], size: 9 }];
    const order: number[] = [];
    const states = await runUnits(
      units,
      ['w'],
      async (u) => {
        order.push(units.indexOf(u));
        return true;
      },
      (u) => u.size,
    );
    // unit 3 is the largest but waits for unit 1
    expect(order).toEqual([1, 3, 2, 0]);
    expect(states).toEqual(['committed', 'committed', 'committed', 'committed']);
  });

  it('after a failure starts nothing more, lets the running units finish, and says how far it got', async () => {
    const units = [{ dependsOn: [] }, { dependsOn: [] }, { dependsOn: [] }, { dependsOn: [0] }];
    const running = new Map<number, ReturnType<typeof deferred>>();
    const done = runUnits(units, ['w1', 'w2'], (u) => {
      const d = deferred();
      running.set(units.indexOf(u), d);
      return d.promise;
    });
    await new Promise((r) => setTimeout(r, 0));
    running.get(1)?.resolve(false);
    await new Promise((r) => setTimeout(r, 0));
    running.get(0)?.resolve(true);
    expect(await done).toEqual(['committed', 'failed', 'waiting', 'waiting']);
  });
});
