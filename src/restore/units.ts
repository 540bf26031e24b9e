import type { TablePlan } from './plan.js';

/**
 * restore --commit-each-table: what is loaded and committed together. A table on its own, or the tables of a
 * foreign-key cycle (a strongly connected component of the foreign keys among the restored tables), which no
 * order can load one at a time.
 */
export interface Unit<T = TablePlan> {
  /** plan tables, in the plan's order */
  readonly tables: readonly T[];
  /** indexes of the units this one references: they must be committed before it starts */
  readonly dependsOn: readonly number[];
}

/** Group the plan's tables into units (Tarjan's strongly connected components), in the plan's order. */
type Linked = Pick<TablePlan, 'table'> & { readonly foreignKeys: readonly { readonly references: { readonly table: string } }[] };

export function restoreUnits<T extends Linked>(tables: readonly T[]): Unit<T>[] {
  const index = new Map(tables.map((t, i) => [t.table, i]));
  // a self-reference is loaded by one COPY or INSERT and needs no other table: not an edge
  const edges = tables.map((t) => [...new Set(t.foreignKeys.map((fk) => index.get(fk.references.table)))].filter((j): j is number => j !== undefined && tables[j] !== t));
  const component = new Array<number>(tables.length).fill(-1);
  const low = new Array<number>(tables.length).fill(0);
  const seen = new Array<number>(tables.length).fill(-1);
  const stack: number[] = [];
  let counter = 0;
  let components = 0;
  // iterative, so that a long chain of foreign keys cannot overflow the call stack
  for (let root = 0; root < tables.length; root++) {
    if (seen[root] !== -1) continue;
    const work: [number, number][] = [[root, 0]];
    while (work.length > 0) {
      const frame = work[work.length - 1] as [number, number];
      const [v, next] = frame;
      if (next === 0) {
        seen[v] = low[v] = counter++;
        stack.push(v);
      }
      const out = edges[v] as number[];
      if (next < out.length) {
        frame[1]++;
        const w = out[next] as number;
        if (seen[w] === -1) work.push([w, 0]);
        else if (component[w] === -1) low[v] = Math.min(low[v] as number, seen[w] as number);
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low[parent[0]] = Math.min(low[parent[0]] as number, low[v] as number);
      if (low[v] === seen[v]) {
        for (let w = -1; w !== v; ) {
          w = stack.pop() as number;
          component[w] = components;
        }
        components++;
      }
    }
  }
  // units numbered by their first table in the plan's order
  const first = new Map<number, number>();
  for (let i = 0; i < tables.length; i++) if (!first.has(component[i] as number)) first.set(component[i] as number, first.size);
  const unitOf = (i: number) => first.get(component[i] as number) as number;
  const members: number[][] = Array.from({ length: first.size }, () => []);
  for (let i = 0; i < tables.length; i++) members[unitOf(i)]?.push(i);
  return members.map((m, u) => ({
    tables: m.map((i) => tables[i] as T),
    dependsOn: [...new Set(m.flatMap((i) => (edges[i] as number[]).map(unitOf)))].filter((d) => d !== u).sort((a, b) => a - b),
  }));
}

export type UnitState = 'waiting' | 'running' | 'committed' | 'failed';

/**
 * Run the units on the workers (connections), each as soon as a worker is free and every unit it references is
 * committed, the largest (by `size`) among those ready first. `run` resolves true once its unit committed, false when it
 * failed: then no further unit starts, the ones running finish, and the states say how far it got.
 */
export function runUnits<U extends { readonly dependsOn: readonly number[] }, W>(
  units: readonly U[],
  workers: readonly W[],
  run: (unit: U, worker: W) => Promise<boolean>,
  size: (unit: U) => number = () => 0,
): Promise<UnitState[]> {
  const state: UnitState[] = units.map(() => 'waiting');
  const free = [...workers];
  let running = 0;
  let stopped = false;
  return new Promise((resolve) => {
    const next = (): void => {
      while (!stopped && free.length > 0) {
        // the largest ready unit first (as pg_restore -j orders its table data by size), so that no large table
        // is left to run alone at the end; among equals, the plan's order
        let i = -1;
        for (let k = 0; k < units.length; k++) {
          const u = units[k] as U;
          if (state[k] !== 'waiting' || !u.dependsOn.every((d) => state[d] === 'committed')) continue;
          if (i < 0 || size(u) > size(units[i] as U)) i = k;
        }
        if (i < 0) break;
        const worker = free.shift() as W;
        state[i] = 'running';
        running++;
        run(units[i] as U, worker)
          .catch(() => false)
          .then((ok) => {
            state[i] = ok ? 'committed' : 'failed';
            if (!ok) stopped = true;
            running--;
            free.push(worker);
            next();
          });
      }
      if (running === 0) resolve(state);
    };
    next();
  });
}
