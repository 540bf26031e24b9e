import type { ArchivedSequence, ArchivedTable, Manifest } from '../archive/format.js';
import { pairKey } from '../archive/table-id.js';
import type { CatalogModel, ConstraintDef, TableDef, TriggerDef } from '../catalog/model.js';
import { tableKey } from '../catalog/tables.js';
import { type TableSelection, selects } from '../patterns.js';
import { orderForRestore } from './order.js';

/**
 * The restore planner: a pure function from what the archive holds and what the target has to what restore will
 * do, table by table, plus everything that must stop it before any change (blockers). The executor only follows
 * the plan; everything worth a unit test is decided here.
 */

export type OnConflict = 'nothing' | 'update';

export interface PlanOptions {
  readonly onConflict: OnConflict;
  readonly selection: TableSelection;
  readonly createMissing: boolean;
}

/** How a row that may already be there is recognised. */
export type ConflictRule =
  /** ON CONFLICT on these key columns (the primary key, else a unique constraint over NOT NULL columns) */
  | { readonly kind: 'key'; readonly constraint: string; readonly columns: readonly string[] }
  /** no key: insert only the copies of a row (compared by its text) that the target does not hold yet */
  | { readonly kind: 'multiset' };

export interface ForeignKeyRef {
  readonly name: string;
  readonly columns: readonly string[];
  readonly references: { readonly table: string; readonly columns: readonly string[] };
  readonly deferrable: boolean;
  readonly notValid: boolean;
}

export interface TablePlan {
  /** "schema.name" */
  readonly table: string;
  readonly schema: string;
  readonly name: string;
  readonly archived: ArchivedTable;
  /** the columns restored, in the archive's order, named as in the target */
  readonly columns: readonly string[];
  readonly conflict: ConflictRule;
  /** an identity ALWAYS column is among `columns`: INSERT needs OVERRIDING SYSTEM VALUE */
  readonly overridingSystemValue: boolean;
  /**
   * FK columns that close a cycle of non-deferrable foreign keys between tables: inserted as NULL first and set
   * once every table of the cycle has its rows.
   */
  readonly deferredColumns: readonly string[];
  /** every deferred column may hold NULL in the target (else only session_replication_role can load the cycle) */
  readonly deferredNullable: boolean;
  /** user triggers of the target table, with their enabled state */
  readonly triggers: readonly Pick<TriggerDef, 'name' | 'enabled'>[];
  readonly rowSecurity: boolean;
  readonly forceRowSecurity: boolean;
  /** foreign keys of the target table (checked after loading when triggers are off for the session) */
  readonly foreignKeys: readonly ForeignKeyRef[];
  /** things the user should know (extra or missing columns, type changes); not fatal */
  readonly notes: readonly string[];
}

export interface SequencePlan {
  readonly sequence: string;
  readonly schema: string;
  readonly name: string;
  readonly archived: ArchivedSequence;
  readonly increment: bigint;
}

export interface RestorePlan {
  /** in foreign-key order: referenced tables first */
  readonly tables: readonly TablePlan[];
  /** selected archive tables the target lacks */
  readonly missing: readonly string[];
  readonly sequences: readonly SequencePlan[];
  /** each one stops the restore before it changes anything */
  readonly blockers: readonly string[];
}

const qn = (o: { readonly schema: string; readonly name: string }) => `${o.schema}.${o.name}`;

export function planRestore(manifest: Manifest, archivedModel: CatalogModel, target: CatalogModel, options: PlanOptions): RestorePlan {
  const blockers: string[] = [];
  const selected = manifest.tables.filter((t) => selects(options.selection, t.schema, t.name));
  for (const p of options.selection.include) {
    if (!manifest.tables.some((t) => selects({ include: [p], exclude: [] }, t.schema, t.name))) {
      blockers.push(`--table ${p.source} matches no table in the archive`);
    }
  }
  // keyed by the (schema, name) pair: `a.b`.`c` and `a`.`b.c` are two tables
  const targetTables = new Map(target.tables.map((t) => [pairKey(t), t]));
  const missing = selected.filter((t) => !targetTables.has(pairKey(t))).map(qn);
  if (missing.length > 0 && !options.createMissing) {
    blockers.push(
      `the target database has no table ${missing.join(', ')} (use --create-missing to create ${missing.length === 1 ? 'it' : 'them'} from the archived schema, or leave ${missing.length === 1 ? 'it' : 'them'} out with --table)`,
    );
  }
  const present = selected.filter((t) => targetTables.has(pairKey(t)));
  const defs = present.map((t) => targetTables.get(pairKey(t)) as TableDef);
  const { order, cycleEdges } = orderForRestore(defs);

  const plans: TablePlan[] = [];
  for (const name of order) {
    const def = targetTables.get(name) as TableDef;
    const archived = present.find((t) => pairKey(t) === name) as ArchivedTable;
    const deferred = new Set<string>();
    for (const e of cycleEdges) {
      if (e.from === name && !e.constraint.deferrable) for (const c of e.constraint.columns) deferred.add(c);
    }
    plans.push(planTable(archived, def, options.onConflict, [...deferred], blockers));
  }
  void archivedModel;
  return { tables: plans, missing, sequences: planSequences(manifest, target, plans, options), blockers };
}

function planTable(archived: ArchivedTable, def: TableDef, onConflict: OnConflict, deferredColumns: string[], blockers: string[]): TablePlan {
  const table = qn(def);
  const notes: string[] = [];
  const byName = new Map(def.columns.map((c) => [c.name, c]));
  const archivedNames = new Set(archived.columns.map((c) => c.name));
  const columns: string[] = [];
  for (const a of archived.columns) {
    const c = byName.get(a.name);
    if (!c) {
      notes.push(`column ${a.name} is in the archive but not in the target; its values are not restored`);
    } else if (c.generated !== null) {
      notes.push(`column ${a.name} is generated in the target; it is recomputed, not restored`);
    } else {
      if (normaliseType(c.type) !== normaliseType(a.type)) {
        notes.push(`column ${a.name} changed type from ${a.type} to ${c.type}; values are converted by the new type's input`);
      }
      columns.push(a.name);
    }
  }
  for (const c of def.columns) {
    if (archivedNames.has(c.name) || c.generated !== null) continue;
    if (c.notNull && c.default === null && c.identity === null) {
      blockers.push(`${table}.${c.name} is NOT NULL without a default, and the archive has no values for it`);
    } else {
      notes.push(`column ${c.name} is not in the archive; restored rows get its default`);
    }
  }
  const key = tableKey(def);
  let conflict: ConflictRule = { kind: 'multiset' };
  if (key?.columns.every((c) => columns.includes(c))) {
    conflict = { kind: 'key', constraint: key.name, columns: key.columns };
  } else if (key) {
    notes.push(`the archive lacks key column(s) of ${key.name}; rows are compared whole instead`);
  }
  if (conflict.kind === 'multiset' && onConflict === 'update') {
    notes.push('no primary key or unique constraint: rows cannot be matched for --on-conflict update; missing rows are inserted');
  }
  if (deferredColumns.length > 0 && conflict.kind === 'multiset') {
    blockers.push(`${table} is part of a cycle of foreign keys but has no key to set ${deferredColumns.join(', ')} after loading`);
  }
  const foreignKeys = def.constraints.filter((c) => c.kind === 'foreign' && c.references).map(toForeignKeyRef);
  return {
    table,
    schema: def.schema,
    name: def.name,
    archived,
    columns,
    conflict,
    overridingSystemValue: columns.some((n) => byName.get(n)?.identity === 'always'),
    deferredColumns: deferredColumns.filter((c) => columns.includes(c)),
    deferredNullable: deferredColumns.every((c) => !byName.get(c)?.notNull),
    triggers: def.triggers.map((t) => ({ name: t.name, enabled: t.enabled })),
    rowSecurity: def.rowSecurity,
    forceRowSecurity: def.forceRowSecurity,
    foreignKeys,
    notes,
  };
}

function toForeignKeyRef(c: ConstraintDef): ForeignKeyRef {
  const r = c.references as NonNullable<ConstraintDef['references']>;
  return {
    name: c.name,
    columns: c.columns,
    references: { table: `${r.schema}.${r.table}`, columns: r.columns },
    deferrable: c.deferrable,
    notValid: c.notValid,
  };
}

/** `character varying(20)` and `varchar(20)` are one type; schema prefixes of pg_catalog types are noise. */
function normaliseType(t: string): string {
  return t.replace(/^pg_catalog\./, '').replace(/\s+/g, ' ').trim();
}

/**
 * Sequences to move forward: those owned by a restored table's column or named in a restored column's default;
 * with no --table filter, every archived sequence the target has.
 */
function planSequences(manifest: Manifest, target: CatalogModel, plans: readonly TablePlan[], options: PlanOptions): SequencePlan[] {
  const restored = new Set(plans.map((p) => p.table));
  const everything = options.selection.include.length === 0 && options.selection.exclude.length === 0;
  const defaults = target.tables
    .filter((t) => restored.has(qn(t)))
    .flatMap((t) => t.columns.map((c) => c.default ?? ''))
    .join('\n');
  const out: SequencePlan[] = [];
  for (const s of manifest.sequences) {
    const def = target.sequences.find((d) => d.schema === s.schema && d.name === s.name);
    if (!def) continue;
    const ownerTable = def.ownedBy ? def.ownedBy.split('.').slice(0, 2).join('.') : null;
    const wanted =
      everything ||
      (ownerTable !== null && restored.has(ownerTable)) ||
      defaults.includes(`'${s.name}'`) ||
      defaults.includes(`.${s.name}'`) ||
      defaults.includes(`"${s.name}"`);
    if (wanted) out.push({ sequence: qn(s), schema: s.schema, name: s.name, archived: s, increment: BigInt(def.increment) });
  }
  return out;
}
