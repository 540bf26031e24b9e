import type { CatalogModel, ConstraintDef, TableDef } from '../catalog/model.js';
import { qualifiedName } from '../catalog/model.js';
import { qualify, quoteIdent } from '../sql/quote.js';

/**
 * Foreign keys from archived tables into tables the archive does not hold: public.profiles → auth.users when a
 * backup left `auth` out (`--exclude 'auth.*'`, or an older default). The drill database has no auth.users, so
 * those constraints cannot be created as they are. The drill creates an empty stand-in for each referenced table
 * (just the referenced columns, with the referencing columns' types, and a unique key on them), restores without
 * the constraints, then adds them NOT VALID — present, not checked against rows the archive cannot supply — and
 * reports each one, so a passing drill never hides that those references went unchecked.
 */
export interface OutsideReference {
  readonly table: TableDef;
  readonly constraint: ConstraintDef;
  /** "schema.name" of the referenced table */
  readonly references: string;
}

export function outsideReferences(model: CatalogModel): OutsideReference[] {
  const held = new Set(model.tables.map(qualifiedName));
  const out: OutsideReference[] = [];
  for (const t of model.tables) {
    for (const c of t.constraints) {
      if (c.kind !== 'foreign' || c.references === null) continue;
      const references = `${c.references.schema}.${c.references.table}`;
      if (!held.has(references)) out.push({ table: t, constraint: c, references });
    }
  }
  return out;
}

/** The model without those constraints (what the drill creates before restoring). */
export function withoutOutsideReferences(model: CatalogModel, outside: readonly OutsideReference[]): CatalogModel {
  const drop = new Set(outside.map((o) => `${qualifiedName(o.table)}.${o.constraint.name}`));
  return { ...model, tables: model.tables.map((t) => ({ ...t, constraints: t.constraints.filter((c) => !drop.has(`${qualifiedName(t)}.${c.name}`)) })) };
}

/** SQL for the empty stand-ins (one table per referenced table, a unique key per referenced column list). */
export function standInSql(outside: readonly OutsideReference[]): string {
  const tables = new Map<string, { schema: string; table: string; columns: Map<string, string>; keys: Set<string> }>();
  for (const o of outside) {
    const ref = o.constraint.references as NonNullable<ConstraintDef['references']>;
    const entry = tables.get(o.references) ?? { schema: ref.schema, table: ref.table, columns: new Map(), keys: new Set() };
    ref.columns.forEach((col, i) => {
      const from = o.table.columns.find((c) => c.name === o.constraint.columns[i]);
      if (!entry.columns.has(col)) entry.columns.set(col, from?.type ?? 'text');
    });
    entry.keys.add(ref.columns.map(quoteIdent).join(', '));
    tables.set(o.references, entry);
  }
  const out: string[] = [];
  for (const t of tables.values()) {
    const cols = [...t.columns].map(([name, type]) => `${quoteIdent(name)} ${type}`);
    const keys = [...t.keys].map((k) => `UNIQUE (${k})`);
    out.push(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(t.schema)};`, `CREATE TABLE ${qualify(t.schema, t.table)} (${[...cols, ...keys].join(', ')});`);
  }
  return out.join('\n');
}

/** The constraints themselves, added NOT VALID after the rows are in. */
export function notValidSql(outside: readonly OutsideReference[]): string {
  return outside
    .map((o) => {
      const def = o.constraint.definition.replace(/\s+NOT VALID$/, '');
      return `ALTER TABLE ${qualify(o.table.schema, o.table.name)} ADD CONSTRAINT ${quoteIdent(o.constraint.name)} ${def} NOT VALID;`;
    })
    .join('\n');
}

export function standInNote(o: OutsideReference): string {
  return `${qualifiedName(o.table)}.${o.constraint.name} references ${o.references}, which the archive does not hold: the drill created an empty stand-in and added the constraint NOT VALID`;
}
