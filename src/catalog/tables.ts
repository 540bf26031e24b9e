import type { ColumnDef, TableDef } from './model.js';

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
