import type {
  CatalogModel,
  ColumnDef,
  ConstraintDef,
  EnumDef,
  FunctionDef,
  GrantDef,
  IndexDef,
  PolicyDef,
  SequenceDef,
  TableDef,
  TriggerDef,
  ViewDef,
} from '../catalog/model.js';
import { qualifiedName } from '../catalog/model.js';

/**
 * The objects of one catalog model under the `object` names the catalog diff gives them (src/catalog/diff.ts),
 * so the planner finds the definition a difference is about without parsing dotted names (a name may hold dots).
 */
export interface ModelIndex {
  readonly model: CatalogModel;
  readonly schemas: ReadonlySet<string>;
  readonly extensions: ReadonlyMap<string, CatalogModel['extensions'][number]>;
  readonly enums: ReadonlyMap<string, EnumDef>;
  readonly domains: ReadonlyMap<string, CatalogModel['domains'][number]>;
  readonly composites: ReadonlyMap<string, CatalogModel['compositeTypes'][number]>;
  readonly sequences: ReadonlyMap<string, SequenceDef>;
  readonly functions: ReadonlyMap<string, FunctionDef>;
  readonly tables: ReadonlyMap<string, TableDef>;
  readonly views: ReadonlyMap<string, ViewDef>;
  readonly columns: ReadonlyMap<string, { table: TableDef; column: ColumnDef }>;
  readonly constraints: ReadonlyMap<string, { table: TableDef; constraint: ConstraintDef }>;
  /** `schema.index` → the table or view it is on */
  readonly indexes: ReadonlyMap<string, { on: TableDef | ViewDef; index: IndexDef }>;
  readonly triggers: ReadonlyMap<string, { table: TableDef; trigger: TriggerDef }>;
  readonly policies: ReadonlyMap<string, { table: TableDef; policy: PolicyDef }>;
  readonly grants: ReadonlyMap<string, { on: TableDef | ViewDef; grant: GrantDef }>;
}

function functionKey(f: FunctionDef): string {
  return `${f.schema}.${f.name}(${f.identityArgs})`;
}

export function indexModel(model: CatalogModel): ModelIndex {
  const by = <T>(list: readonly T[], key: (x: T) => string) => new Map(list.map((x) => [key(x), x]));
  const columns = new Map<string, { table: TableDef; column: ColumnDef }>();
  const constraints = new Map<string, { table: TableDef; constraint: ConstraintDef }>();
  const indexes = new Map<string, { on: TableDef | ViewDef; index: IndexDef }>();
  const triggers = new Map<string, { table: TableDef; trigger: TriggerDef }>();
  const policies = new Map<string, { table: TableDef; policy: PolicyDef }>();
  const grants = new Map<string, { on: TableDef | ViewDef; grant: GrantDef }>();
  for (const t of model.tables) {
    const p = `${qualifiedName(t)}.`;
    for (const c of t.columns) columns.set(p + c.name, { table: t, column: c });
    for (const c of t.constraints) constraints.set(p + c.name, { table: t, constraint: c });
    for (const tr of t.triggers) triggers.set(p + tr.name, { table: t, trigger: tr });
    for (const po of t.policies) policies.set(p + po.name, { table: t, policy: po });
  }
  for (const on of [...model.tables, ...model.views]) {
    for (const i of on.indexes) indexes.set(`${on.schema}.${i.name}`, { on, index: i });
    for (const g of on.grants ?? []) grants.set(`${qualifiedName(on)}.${g.grantee}.${g.privilege}`, { on, grant: g });
  }
  return {
    model,
    schemas: new Set(model.schemas.map((s) => s.name)),
    extensions: by(model.extensions, (e) => e.name),
    enums: by(model.enums, qualifiedName),
    domains: by(model.domains, qualifiedName),
    composites: by(model.compositeTypes, qualifiedName),
    sequences: by(
      model.sequences.filter((s) => !s.identity),
      qualifiedName,
    ),
    functions: by(model.functions, functionKey),
    tables: by(model.tables, qualifiedName),
    views: by(model.views, qualifiedName),
    columns,
    constraints,
    indexes,
    triggers,
    policies,
    grants,
  };
}
