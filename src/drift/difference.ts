import type { CatalogModel } from '../catalog/model.js';

/**
 * The shape drift consumes from the catalog diff (src/catalog/diff.ts): structurally the same as its
 * `Difference`, declared here so the drift core stays a pure function of plain data.
 */
export interface DriftDifference {
  readonly kind: string;
  readonly change: 'missing' | 'extra' | 'changed';
  readonly object: string;
  /** the definition the schema files give (rendered DDL) */
  readonly desired?: string;
  /** the definition the live database has */
  readonly actual?: string;
}

/**
 * Which table each sub-object belongs to, from both models: `s.t.col`, `s.t.constraint`, `s.t.trigger`,
 * `s.t.policy` → `s.t`; index names are schema-wide (`s.idx` → its table). Tables and views map to themselves.
 */
export function tableIndex(...models: readonly CatalogModel[]): ReadonlyMap<string, string> {
  const m = new Map<string, string>();
  for (const model of models) {
    for (const t of model.tables) {
      const table = `${t.schema}.${t.name}`;
      m.set(table, table);
      for (const c of t.columns) m.set(`${table}.${c.name}`, table);
      for (const c of t.constraints) m.set(`${table}.${c.name}`, table);
      for (const tr of t.triggers) m.set(`${table}.${tr.name}`, table);
      for (const p of t.policies) m.set(`${table}.${p.name}`, table);
      for (const i of t.indexes) {
        m.set(`${t.schema}.${i.name}`, table);
        m.set(`${table}.${i.name}`, table);
      }
    }
    for (const v of model.views) {
      const view = `${v.schema}.${v.name}`;
      m.set(view, view);
      for (const i of v.indexes) m.set(`${v.schema}.${i.name}`, view);
    }
  }
  return m;
}

/** The table (or view) an object belongs to: exact match first, then the longest prefix that is a table. */
export function tableOf(tables: ReadonlyMap<string, string>, object: string): string | undefined {
  const exact = tables.get(object);
  if (exact) return exact;
  const parts = object.split('.');
  for (let n = parts.length - 1; n >= 2; n--) {
    const prefix = parts.slice(0, n).join('.');
    if (tables.get(prefix) === prefix) return prefix;
  }
  return undefined;
}
