import type {
  SchemaDef,
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
import { functionTarget } from '../catalog/render.js';
import { qualify, quoteIdent } from '../sql/quote.js';

/**
 * The objects of one catalog model under the `object` names the catalog diff gives them (src/catalog/diff.ts),
 * so the planner finds the definition a difference is about without parsing dotted names (a name may hold dots).
 */
export interface ModelIndex {
  readonly model: CatalogModel;
  readonly schemas: ReadonlyMap<string, SchemaDef>;
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
  /** triggers on tables and (INSTEAD OF) on views */
  readonly triggers: ReadonlyMap<string, { table: TableDef | ViewDef; trigger: TriggerDef }>;
  readonly policies: ReadonlyMap<string, { table: TableDef; policy: PolicyDef }>;
  /** grants on tables, views, schemas, types and functions; `target` is the GRANT's object (`FUNCTION "s"."f"(int)`) */
  readonly grants: ReadonlyMap<string, { target: string; grant: GrantDef }>;
  /** column privileges, `schema.table.column.grantee.PRIVILEGE` */
  readonly columnGrants: ReadonlyMap<string, { table: TableDef; column: ColumnDef; grant: GrantDef }>;
}

function functionKey(f: FunctionDef): string {
  return `${f.schema}.${f.name}(${f.identityArgs})`;
}

export function indexModel(model: CatalogModel): ModelIndex {
  const by = <T>(list: readonly T[], key: (x: T) => string) => new Map(list.map((x) => [key(x), x]));
  const columns = new Map<string, { table: TableDef; column: ColumnDef }>();
  const constraints = new Map<string, { table: TableDef; constraint: ConstraintDef }>();
  const indexes = new Map<string, { on: TableDef | ViewDef; index: IndexDef }>();
  const triggers = new Map<string, { table: TableDef | ViewDef; trigger: TriggerDef }>();
  const policies = new Map<string, { table: TableDef; policy: PolicyDef }>();
  const grants = new Map<string, { target: string; grant: GrantDef }>();
  const columnGrants = new Map<string, { table: TableDef; column: ColumnDef; grant: GrantDef }>();
  const addGrants = (object: string, target: string, list: readonly GrantDef[] | undefined) => {
    for (const g of list ?? []) grants.set(`${object}.${g.grantee}.${g.privilege}`, { target, grant: g });
  };
  for (const t of model.tables) {
    const p = `${qualifiedName(t)}.`;
    for (const c of t.columns) {
      columns.set(p + c.name, { table: t, column: c });
      for (const g of c.grants ?? []) columnGrants.set(`${p}${c.name}.${g.grantee}.${g.privilege}`, { table: t, column: c, grant: g });
    }
    for (const c of t.constraints) constraints.set(p + c.name, { table: t, constraint: c });
    for (const tr of t.triggers) triggers.set(p + tr.name, { table: t, trigger: tr });
    for (const po of t.policies) policies.set(p + po.name, { table: t, policy: po });
  }
  for (const v of model.views) for (const tr of v.triggers ?? []) triggers.set(`${qualifiedName(v)}.${tr.name}`, { table: v, trigger: tr });
  for (const on of [...model.tables, ...model.views]) {
    for (const i of on.indexes) indexes.set(`${on.schema}.${i.name}`, { on, index: i });
    addGrants(qualifiedName(on), `TABLE ${qualify(on.schema, on.name)}`, on.grants);
  }
  // keyed as catalog/diff.ts objectGrants keys them: `object.grantee.PRIVILEGE`
  for (const s of model.schemas) addGrants(s.name, `SCHEMA ${quoteIdent(s.name)}`, s.grants);
  for (const t of [...model.enums, ...model.compositeTypes, ...(model.rangeTypes ?? [])])
    addGrants(qualifiedName(t), `TYPE ${qualify(t.schema, t.name)}`, t.grants);
  for (const t of model.domains) addGrants(qualifiedName(t), `DOMAIN ${qualify(t.schema, t.name)}`, t.grants);
  for (const f of model.functions) if (f.kind !== 'aggregate') addGrants(functionKey(f), functionTarget(f), f.grants);
  return {
    model,
    schemas: new Map(model.schemas.map((s) => [s.name, s])),
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
    columnGrants,
  };
}
