import type { ArchivedSequence, ArchivedTable, Manifest } from '../archive/format.js';
import { pairKey } from '../archive/table-id.js';
import type { CatalogModel, ConstraintDef, TableCatalog, TableDef, TriggerDef } from '../catalog/model.js';
import { tableKey } from '../catalog/tables.js';
import { type TableSelection, matchesPattern, parsePattern, selects } from '../patterns.js';
import type { RowFilter } from './row-filter.js';
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
  /** --schema: every archived table of these schemas, besides those --table selects */
  readonly schemas?: readonly string[];
  readonly createMissing: boolean;
  /** --where: only the archived rows of these tables that match (row-filter.ts) */
  readonly filters?: readonly RowFilter[];
  /** --with-dependents: also the archived rows referencing selected rows through foreign keys, transitively */
  readonly withDependents?: boolean;
}

/** Which archived rows of a table restore takes, when not all (--where, --with-dependents). */
interface RowSelection {
  /** --where conditions on this table (any may match) */
  readonly conditions: readonly string[];
  /** foreign keys of this table to tables whose rows are selected: a row pointing at a selected row is taken */
  readonly via: readonly ForeignKeyRef[];
}

/** How a row that may already be there is recognised. */
type ConflictRule =
  /** ON CONFLICT on these key columns (the primary key, else a unique constraint over NOT NULL columns) */
  | { readonly kind: 'key'; readonly constraint: string; readonly columns: readonly string[] }
  /** no key: insert only the copies of a row (compared by its text) that the target does not hold yet */
  | { readonly kind: 'multiset' };

interface ForeignKeyRef {
  readonly name: string;
  /** the table that declares it: the restored table itself, or one of its partitions (FKs declared per partition) */
  readonly on: { readonly schema: string; readonly name: string };
  readonly columns: readonly string[];
  /** `table` is "schema.name" for messages; `schema` and `name` address it (never split the joined name) */
  readonly references: { readonly table: string; readonly schema: string; readonly name: string; readonly columns: readonly string[] };
  readonly deferrable: boolean;
  readonly notValid: boolean;
  readonly match: 'simple' | 'full' | 'partial';
  /**
   * the archive's schema has this very key, validated at backup time (same declaring table, columns in order,
   * referenced table and columns, MATCH type), and its columns on both sides are restored with their archived
   * types and collations: it held over the archived rows, so it holds over an exact copy of them
   * (execute.ts checkForeignKeys skips it when both tables were loaded whole by COPY in this transaction)
   */
  readonly heldInArchive: boolean;
}

/** A unique constraint or plain unique index of the target: a row clashing on it cannot be inserted. */
export interface UniqueKey {
  readonly name: string;
  readonly columns: readonly string[];
  /** DEFERRABLE: PostgreSQL refuses it as an ON CONFLICT arbiter, so restore matches it with an anti-join */
  readonly deferrable: boolean;
  /** NULLS NOT DISTINCT (PostgreSQL 15+): NULLs clash with each other */
  readonly nullsNotDistinct: boolean;
  /** absent from the archived table: the archived rows may clash with each other on it */
  readonly newSinceBackup: boolean;
}

export interface TablePlan {
  /** "schema.name" */
  readonly table: string;
  readonly schema: string;
  readonly name: string;
  readonly archived: ArchivedTable;
  /** the columns restored, in the archive's order, named as in the target */
  readonly columns: readonly string[];
  /**
   * for each of `columns`, the target column's pg_type name (`pg_catalog.int4`, `pg_catalog.text[]` for an array)
   * when its type is exactly the archived one (format_type equal, typmod included), else null: the archived text is
   * then that type's own output, which restore may send in binary form (binary-copy.ts)
   */
  readonly sameTypes?: readonly (string | null)[];
  readonly conflict: ConflictRule;
  /** every unique constraint and plain unique index of the target (the conflict key included) */
  readonly uniqueKeys: readonly UniqueKey[];
  /**
   * the target has a unique index restore cannot match by columns (partial or on expressions): ON CONFLICT DO
   * NOTHING must catch clashes with it, which is possible only when no unique constraint is deferrable
   */
  readonly opaqueUnique: boolean;
  /**
   * an empty target may take the archived rows with a plain COPY: every unique key of the target existed when the
   * archive was taken, so the archived rows cannot clash with each other on it
   */
  readonly directLoad: boolean;
  /** only some archived rows (--where, --with-dependents); absent: all of them */
  readonly rows?: RowSelection;
  /** an identity ALWAYS column is among `columns`: INSERT needs OVERRIDING SYSTEM VALUE */
  readonly overridingSystemValue: boolean;
  /**
   * FK columns that close a cycle of non-deferrable foreign keys between tables: inserted as NULL first and set
   * once every table of the cycle has its rows.
   */
  readonly deferredColumns: readonly string[];
  /** every deferred column may hold NULL in the target (else only session_replication_role can load the cycle) */
  readonly deferredNullable: boolean;
  /**
   * writing the table may write other tables too: a rule on it (COPY applies none, INSERT and UPDATE do), or an
   * ALWAYS or REPLICA trigger declared on one of its partitions (access.ts switches those off now; still counted,
   * which only costs an orphan check)
   */
  readonly writesElsewhere: boolean;
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
  readonly min: bigint;
  readonly max: bigint;
  readonly cache: bigint;
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

export function planRestore(manifest: Manifest, archivedModel: CatalogModel, target: TableCatalog, options: PlanOptions): RestorePlan {
  const blockers: string[] = [];
  // As on backup: --schema and --table each add tables (none of either: every table); --exclude always wins.
  const schemas = options.schemas ?? [];
  const { include, exclude } = options.selection;
  const rowSelections = selectRows(manifest, target, options, blockers);
  // --where alone restores just its tables (and their dependents); with --table/--schema, those too.
  const everything = include.length === 0 && schemas.length === 0 && rowSelections.size === 0;
  const selected = manifest.tables.filter(
    (t) =>
      selects({ include: [], exclude }, t.schema, t.name) &&
      (everything || rowSelections.has(pairKey(t)) || schemas.includes(t.schema) || include.some((p) => matchesPattern(p, t.schema, t.name))),
  );
  for (const p of include) {
    if (!manifest.tables.some((t) => matchesPattern(p, t.schema, t.name))) blockers.push(`--table ${p.source} matches no table in the archive`);
  }
  for (const schema of schemas) {
    if (!manifest.tables.some((t) => t.schema === schema)) blockers.push(`--schema ${schema} matches no table in the archive`);
  }
  // A forged or broken manifest that lists a table twice would restore it twice (and once looped for ever).
  const seen = new Set<string>();
  for (const t of manifest.tables) {
    if (seen.has(pairKey(t))) blockers.push(`the archive's manifest lists table ${qn(t)} twice; the archive is malformed (run pgsnap verify on it)`);
    seen.add(pairKey(t));
  }
  if (seen.size < manifest.tables.length) return { tables: [], missing: [], sequences: [], blockers };
  // keyed by the (schema, name) pair: `a.b`.`c` and `a`.`b.c` are two tables
  const targetTables = new Map(target.tables.map((t) => [pairKey(t), t]));
  const missing = selected.filter((t) => !targetTables.has(pairKey(t))).map(qn);
  if (missing.length > 0 && !options.createMissing) {
    blockers.push(
      `the target database has no table ${missing.join(', ')} (use --create-missing to create ${missing.length === 1 ? 'it' : 'them'} from the archived schema, or leave ${missing.length === 1 ? 'it' : 'them'} out with --table)`,
    );
  }
  const present = selected.filter((t) => targetTables.has(pairKey(t)));
  // Foreign keys declared on partitions rather than on the parent count for the parent, whose rows restore loads.
  const defs = present.map((t) => withPartitionForeignKeys(targetTables.get(pairKey(t)) as TableDef, target));
  const byName = new Map<string, PlannedDef>(defs.map((d) => [pairKey(d), d]));
  const { order, cycleEdges } = orderForRestore(defs);

  const plans: TablePlan[] = [];
  for (const name of order) {
    const def = byName.get(name) as PlannedDef;
    const archived = present.find((t) => pairKey(t) === name) as ArchivedTable;
    const deferred = new Set<string>();
    for (const e of cycleEdges) {
      if (e.from === name && !e.constraint.deferrable) for (const c of e.constraint.columns) deferred.add(c);
    }
    const archivedDef = archivedModel.tables.find((t) => t.schema === def.schema && t.name === def.name);
    const planned = { ...planTable(archived, def, archivedDef, options.onConflict, [...deferred], blockers), writesElsewhere: writesElsewhere(def, target) };
    const rows = rowSelections.get(name);
    plans.push(rows ? { ...planned, rows } : planned);
  }
  const tables = plans.map((p) => ({ ...p, foreignKeys: p.foreignKeys.map((fk) => ({ ...fk, heldInArchive: heldInArchive(fk, p, plans, target, archivedModel) })) }));
  return { tables, missing, sequences: planSequences(manifest, target, tables, options), blockers };
}

/** TablePlan.writesElsewhere: rules on the table, or ALWAYS / REPLICA triggers of its own on a partition (at any depth). */
function writesElsewhere(def: TableDef, target: TableCatalog): boolean {
  if ((def.rules ?? []).some((r) => r.enabled !== 'D')) return true;
  const queue = def.kind === 'partitioned' ? [qn(def)] : [];
  for (let parent = queue.shift(); parent !== undefined; parent = queue.shift()) {
    for (const part of target.tables.filter((x) => x.partitionOf === parent)) {
      queue.push(qn(part));
      if (part.triggers.some((t) => t.enabled === 'A' || t.enabled === 'R') || (part.rules ?? []).some((r) => r.enabled !== 'D')) return true;
    }
  }
  return false;
}

/** ForeignKeyRef.heldInArchive: the archived schema has the same key, validated, over unchanged columns. */
function heldInArchive(fk: ForeignKeyRef, child: TablePlan, plans: readonly TablePlan[], target: TableCatalog, archivedModel: CatalogModel): boolean {
  const parent = plans.find((p) => p.schema === fk.references.schema && p.name === fk.references.name);
  if (!parent || fk.notValid) return false;
  const find = (tables: readonly TableDef[], t: { schema: string; name: string }) => tables.find((x) => x.schema === t.schema && x.name === t.name);
  const archivedChild = find(archivedModel.tables, child);
  if (!archivedChild) return false;
  const lifted = withPartitionForeignKeys(archivedChild, archivedModel);
  const archivedKey = lifted.constraints.some((c) => {
    // strictly false: a schema.json without the field proves nothing
    if (c.kind !== 'foreign' || !c.references || c.notValid !== false) return false;
    const a = toForeignKeyRef(c, lifted.declaredOn.get(c) ?? lifted);
    return (
      a.on.schema === fk.on.schema &&
      a.on.name === fk.on.name &&
      sameColumns(a.columns, fk.columns) &&
      a.references.schema === fk.references.schema &&
      a.references.name === fk.references.name &&
      sameColumns(a.references.columns, fk.references.columns) &&
      a.match === fk.match
    );
  });
  // restored, and compared as they were: a changed type or collation can change which values are equal
  const unchanged = (plan: TablePlan, columns: readonly string[]) => {
    const now = find(target.tables, plan);
    const then = find(archivedModel.tables, plan);
    return columns.every((name) => {
      const c = now?.columns.find((x) => x.name === name);
      const a = then?.columns.find((x) => x.name === name);
      return plan.columns.includes(name) && c !== undefined && a !== undefined && c.type === a.type && c.collation === a.collation;
    });
  };
  return archivedKey && unchanged(child, fk.columns) && unchanged(parent, fk.references.columns);
}

/**
 * The table with the foreign keys its partitions declare (at any depth) added as its own, pointing at the roots of
 * the tables they reference: restore loads a partitioned table through its parent, so that is where they count
 * for load order and for the orphan check. Each keeps `on`, the relation that declares it.
 */
/**
 * The tables whose rows --where picks, and with --with-dependents every table holding rows that reference them
 * through a foreign key (of the target, partitions' included), transitively. A self-reference makes the table
 * take the rows under a selected row too.
 */
/** Keyed by pairKey. */
function selectRows(manifest: Manifest, target: TableCatalog, options: PlanOptions, blockers: string[]): Map<string, RowSelection> {
  const out = new Map<string, { conditions: string[]; via: ForeignKeyRef[] }>();
  for (const f of options.filters ?? []) {
    const pattern = parsePattern(f.table);
    const matches = manifest.tables.filter((t) => matchesPattern(pattern, t.schema, t.name));
    if (matches.length !== 1) {
      blockers.push(`--where ${f.table}: ${matches.length === 0 ? 'matches no table in the archive' : `matches ${matches.length} tables (${matches.map(qn).join(', ')}); name one`}`);
      continue;
    }
    const name = pairKey(matches[0] as ArchivedTable);
    const entry = out.get(name) ?? { conditions: [], via: [] };
    entry.conditions.push(f.condition);
    out.set(name, entry);
  }
  if (!options.withDependents) return out;
  const archivedNames = new Set(manifest.tables.map(pairKey));
  const defs = target.tables.filter((t) => archivedNames.has(pairKey(t))).map((t) => withPartitionForeignKeys(t, target));
  for (let grew = true; grew; ) {
    grew = false;
    for (const d of defs) {
      for (const c of d.constraints) {
        if (c.kind !== 'foreign' || !c.references || !out.has(pairKey({ schema: c.references.schema, name: c.references.table }))) continue;
        const entry = out.get(pairKey(d)) ?? { conditions: [], via: [] };
        if (entry.via.some((v) => v.name === c.name)) continue;
        entry.via.push(toForeignKeyRef(c, d.declaredOn.get(c) ?? d));
        out.set(pairKey(d), entry);
        grew = true;
      }
    }
  }
  return out;
}

type PlannedDef = TableDef & { readonly declaredOn: ReadonlyMap<ConstraintDef, TableDef> };

function withPartitionForeignKeys(def: TableDef, target: Pick<TableCatalog, 'tables'>): PlannedDef {
  const declaredOn = new Map<ConstraintDef, TableDef>();
  for (const c of def.constraints) declaredOn.set(c, def);
  const constraints = [...def.constraints];
  const rootOf = (schema: string, name: string): { schema: string; name: string } => {
    let t = target.tables.find((x) => x.schema === schema && x.name === name);
    for (let hops = 0; t?.partitionOf && hops < 64; hops++) {
      const parent = target.tables.find((x) => qn(x) === t?.partitionOf);
      if (!parent) break;
      t = parent;
    }
    return t ? { schema: t.schema, name: t.name } : { schema, name };
  };
  const queue = def.kind === 'partitioned' ? [qn(def)] : [];
  for (let parent = queue.shift(); parent !== undefined; parent = queue.shift()) {
    for (const part of target.tables.filter((x) => x.partitionOf === parent)) {
      queue.push(qn(part));
      for (const c of part.constraints) {
        if (c.kind !== 'foreign' || !c.references) continue;
        const root = rootOf(c.references.schema, c.references.table);
        const lifted = { ...c, references: { ...c.references, schema: root.schema, table: root.name } };
        constraints.push(lifted);
        declaredOn.set(lifted, part);
      }
    }
  }
  return { ...def, constraints, declaredOn };
}

const sameColumns = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((c, i) => c === b[i]);

function uniqueKeys(def: TableDef, archivedDef: TableDef | undefined): { keys: UniqueKey[]; opaque: boolean } {
  const archivedKeys = archivedDef
    ? [
        ...archivedDef.constraints.filter((c) => c.kind === 'primary' || c.kind === 'unique').map((c) => c.columns),
        ...archivedDef.indexes.filter((i) => i.unique && i.predicate === null && i.columns).map((i) => i.columns ?? []),
      ]
    : [];
  const isNew = (cols: readonly string[]) => !archivedKeys.some((k) => sameColumns(k, cols));
  const keys: UniqueKey[] = [];
  for (const c of def.constraints) {
    if (c.kind !== 'primary' && c.kind !== 'unique') continue;
    keys.push({
      name: c.name,
      columns: c.columns,
      deferrable: c.deferrable,
      nullsNotDistinct: /\bNULLS NOT DISTINCT\b/i.test(c.definition),
      newSinceBackup: isNew(c.columns),
    });
  }
  let opaque = false;
  for (const i of def.indexes) {
    if (!i.unique || i.constraint) continue;
    if (i.predicate !== null || !i.columns) {
      opaque = true;
      continue;
    }
    keys.push({ name: i.name, columns: i.columns, deferrable: false, nullsNotDistinct: /\bNULLS NOT DISTINCT\b/i.test(i.definition), newSinceBackup: isNew(i.columns) });
  }
  // a partial or expression unique index the archive did not have may be violated by archived rows among themselves
  const archivedOpaque = new Set((archivedDef?.indexes ?? []).filter((i) => i.unique && !i.constraint && (i.predicate !== null || !i.columns)).map((i) => i.definition));
  const newOpaque = def.indexes.some((i) => i.unique && !i.constraint && (i.predicate !== null || !i.columns) && !archivedOpaque.has(i.definition));
  return { keys, opaque: opaque || newOpaque };
}

function planTable(
  archived: ArchivedTable,
  def: PlannedDef,
  archivedDef: TableDef | undefined,
  onConflict: OnConflict,
  deferredColumns: string[],
  blockers: string[],
): Omit<TablePlan, 'writesElsewhere'> {
  const table = qn(def);
  const notes: string[] = [];
  const byName = new Map(def.columns.map((c) => [c.name, c]));
  const archivedNames = new Set(archived.columns.map((c) => c.name));
  const columns: string[] = [];
  const sameTypes: (string | null)[] = [];
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
      sameTypes.push(normaliseType(c.type) === normaliseType(a.type) ? `${c.typeName}${c.isArray ? '[]' : ''}` : null);
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
  const foreignKeys = def.constraints
    .filter((c) => c.kind === 'foreign' && c.references)
    .map((c) => toForeignKeyRef(c, def.declaredOn.get(c) ?? def));
  const unique = uniqueKeys(def, archivedDef);
  const opaqueUnique = unique.opaque;
  if (opaqueUnique && unique.keys.some((k) => k.deferrable)) {
    notes.push('a partial or expression unique index cannot be matched while a unique constraint is DEFERRABLE; a row clashing with it fails the restore');
  }
  return {
    table,
    schema: def.schema,
    name: def.name,
    archived,
    columns,
    sameTypes,
    conflict,
    uniqueKeys: unique.keys,
    opaqueUnique,
    directLoad: archivedDef !== undefined && !unique.keys.some((k) => k.newSinceBackup) && !unique.opaque,
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

function toForeignKeyRef(c: ConstraintDef, on: TableDef): ForeignKeyRef {
  const r = c.references as NonNullable<ConstraintDef['references']>;
  return {
    name: c.name,
    on: { schema: on.schema, name: on.name },
    columns: c.columns,
    references: { table: `${r.schema}.${r.table}`, schema: r.schema, name: r.table, columns: r.columns },
    deferrable: c.deferrable,
    notValid: c.notValid,
    match: r.match,
    heldInArchive: false,
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
function planSequences(manifest: Manifest, target: TableCatalog, plans: readonly TablePlan[], options: PlanOptions): SequencePlan[] {
  const restored = new Set(plans.map((p) => p.table));
  const everything =
    options.selection.include.length === 0 && options.selection.exclude.length === 0 && (options.schemas ?? []).length === 0 && (options.filters ?? []).length === 0;
  const restoredTables = target.tables.filter((t) => restored.has(qn(t)));
  const defaults = restoredTables.flatMap((t) => t.columns.map((c) => c.default ?? '')).join('\n');
  // ownedBy is "schema.table.column": compared whole with each restored column, never split (names may hold dots)
  const ownedColumns = new Set(restoredTables.flatMap((t) => t.columns.map((c) => `${t.schema}.${t.name}.${c.name}`)));
  const out: SequencePlan[] = [];
  for (const s of manifest.sequences) {
    const def = target.sequences.find((d) => d.schema === s.schema && d.name === s.name);
    if (!def) continue;
    const wanted =
      everything ||
      (def.ownedBy !== null && ownedColumns.has(def.ownedBy)) ||
      defaults.includes(`'${s.name}'`) ||
      defaults.includes(`.${s.name}'`) ||
      defaults.includes(`"${s.name}"`);
    if (wanted) out.push({ sequence: qn(s), schema: s.schema, name: s.name, archived: s, increment: BigInt(def.increment), min: BigInt(def.min), max: BigInt(def.max), cache: BigInt(def.cache) });
  }
  return out;
}
