import { pairKey } from '../archive/table-id.js';
import type { ConstraintDef, TableDef } from '../catalog/model.js';

export interface CycleEdge {
  /** the referencing table, as archive/table-id.ts pairKey */
  readonly from: string;
  /** the referenced table */
  readonly to: string;
  readonly constraint: ConstraintDef;
}

/**
 * Order tables so that referenced tables come before the tables that reference them. Only foreign keys between
 * the given tables count. A self-reference needs nothing: PostgreSQL checks a non-deferred foreign key at the end
 * of each statement, so one INSERT (or COPY) may hold both the row and the row it points at. A cycle between
 * tables is broken at the table that sorts first among those left; the edges that close cycles are returned so
 * the caller can load those columns later. Tables are named by pairKey: `a.b`.`c` and `a`.`b.c` are two tables.
 */
export function orderForRestore(tables: readonly TableDef[]): { order: string[]; cycleEdges: CycleEdge[] } {
  // deduplicated: a name listed twice would never count as placed, and the loop below would never end
  const names = [...new Set(tables.map(pairKey))].sort();
  const known = new Set(names);
  const byName = new Map(tables.map((t) => [pairKey(t), t]));
  const edges: CycleEdge[] = [];
  for (const t of tables) {
    const from = pairKey(t);
    for (const c of t.constraints) {
      if (c.kind !== 'foreign' || !c.references) continue;
      const to = pairKey({ schema: c.references.schema, name: c.references.table });
      if (to !== from && known.has(to)) edges.push({ from, to, constraint: c });
    }
  }
  const order: string[] = [];
  const placed = new Set<string>();
  const cycleEdges: CycleEdge[] = [];
  const waitingOn = (n: string) => edges.filter((e) => e.from === n && !placed.has(e.to) && !cycleEdges.includes(e));
  while (order.length < names.length) {
    const ready = names.find((n) => !placed.has(n) && waitingOn(n).length === 0);
    if (ready !== undefined) {
      order.push(ready);
      placed.add(ready);
      continue;
    }
    // Every table left waits on another: a cycle. Break it where that is cheapest: at a table whose pending
    // foreign keys are deferrable (checked at commit), else whose pending FK columns are nullable (loaded as NULL,
    // set afterwards), else at the first by name.
    const left = names.filter((n) => !placed.has(n));
    const nullable = (e: CycleEdge) => e.constraint.columns.every((c) => !byName.get(e.from)?.columns.find((d) => d.name === c)?.notNull);
    const breakAt =
      left.find((n) => waitingOn(n).every((e) => e.constraint.deferrable)) ??
      left.find((n) => waitingOn(n).every((e) => e.constraint.deferrable || nullable(e))) ??
      (left[0] as string);
    cycleEdges.push(...waitingOn(breakAt));
  }
  return { order, cycleEdges };
}
