import type { ColumnDef, TableDef } from './model.js';
import { qualifiedName } from './model.js';

/** The columns that identify a row, as backup records them and restore uses for ON CONFLICT. */
export interface TableKey {
  readonly kind: 'primary' | 'unique';
  readonly name: string;
  readonly columns: readonly string[];
}

/**
 * The primary key; else a unique constraint whose columns are all NOT NULL; else such a unique index; else null.
 * Deferrable constraints and partial or expression indexes are skipped: PostgreSQL cannot use them as an
 * ON CONFLICT arbiter. Among several candidates: fewest columns, then name, so the choice is stable.
 */
export function tableKey(t: TableDef): TableKey | null {
  const pk = t.constraints.find((c) => c.kind === 'primary');
  if (pk) return { kind: 'primary', name: pk.name, columns: pk.columns };
  const notNull = new Set(t.columns.filter((c) => c.notNull).map((c) => c.name));
  const usable = (cols: readonly string[]) => cols.length > 0 && cols.every((c) => notNull.has(c));
  const best = (cands: TableKey[]) =>
    cands.sort((a, b) => a.columns.length - b.columns.length || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))[0];
  const fromConstraint = best(
    t.constraints
      .filter((c) => c.kind === 'unique' && !c.deferrable && usable(c.columns))
      .map((c) => ({ kind: 'unique' as const, name: c.name, columns: c.columns })),
  );
  if (fromConstraint) return fromConstraint;
  const fromIndex = best(
    t.indexes
      .filter((i) => i.unique && !i.constraint && i.predicate === null && i.columns !== undefined && usable(i.columns))
      .map((i) => ({ kind: 'unique' as const, name: i.name, columns: i.columns ?? [] })),
  );
  return fromIndex ?? null;
}

/** Columns that hold data, in table order: generated columns (stored or virtual) are computed, not stored. */
export function storedColumns(t: TableDef): readonly ColumnDef[] {
  return [...t.columns].filter((c) => c.generated === null).sort((a, b) => a.position - b.position);
}

/** A foreign key from one table to another ("schema.name" both). */
export interface ForeignKeyEdge {
  readonly from: string;
  readonly to: string;
  readonly constraint: string;
}

/**
 * Tables ordered so that every referenced table comes before the tables that reference it (restore inserts in
 * this order), plus the foreign keys that no order can satisfy: self-references, and one edge per cycle, chosen
 * deterministically. Restore must defer or post-fill those. Foreign keys to tables outside `tables` are ignored.
 */
export function foreignKeyOrder(tables: readonly TableDef[]): {
  readonly order: readonly TableDef[];
  readonly cycleEdges: readonly ForeignKeyEdge[];
} {
  const byName = new Map(tables.map((t) => [qualifiedName(t), t]));
  const edges: ForeignKeyEdge[] = [];
  for (const t of tables) {
    for (const c of t.constraints) {
      if (c.kind !== 'foreign' || !c.references) continue;
      const to = `${c.references.schema}.${c.references.table}`;
      if (byName.has(to)) edges.push({ from: qualifiedName(t), to, constraint: c.name });
    }
  }
  const cycleEdges: ForeignKeyEdge[] = edges.filter((e) => e.from === e.to);
  const parents = new Map<string, ForeignKeyEdge[]>();
  for (const e of edges) {
    if (e.from === e.to) continue;
    parents.set(e.from, [...(parents.get(e.from) ?? []), e]);
  }
  const remaining = new Set([...byName.keys()].sort());
  const placed = new Set<string>();
  const order: TableDef[] = [];
  const unplacedParents = (name: string) => (parents.get(name) ?? []).filter((e) => !placed.has(e.to));
  while (remaining.size > 0) {
    let next = [...remaining].find((n) => unplacedParents(n).length === 0);
    if (next === undefined) {
      // A cycle: take the table waiting on the fewest others (then by name) and break its open edges.
      next = [...remaining].reduce((a, b) => (unplacedParents(b).length < unplacedParents(a).length ? b : a));
      cycleEdges.push(...unplacedParents(next));
    }
    remaining.delete(next);
    placed.add(next);
    order.push(byName.get(next) as TableDef);
  }
  return { order, cycleEdges };
}
