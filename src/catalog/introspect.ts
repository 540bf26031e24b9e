import type { Session } from '../db/client.js';
import { type SchemaFilter, schemaMatcher } from './filter.js';
import type {
  CaptureCatalog,
  CatalogModel,
  ColumnDef,
  ConstraintDef,
  DefaultPrivilegeDef,
  FkAction,
  FunctionDef,
  GrantDef,
  IndexDef,
  PolicyDef,
  RuleDef,
  TableCatalog,
  TableDef,
  TriggerDef,
  ViewDef,
} from './model.js';
import * as q from './queries.js';

export { PLATFORM_SCHEMAS, type SchemaFilter } from './filter.js';
export { storedColumns, tableKey } from './tables.js';

/**
 * Read a database's schema into the catalog model: one set-based query per object kind (a thousand tables cost
 * the same fifteen round trips as one), then grouping and sorting here. Objects created by extensions and the
 * system schemas are never read. Everything is sorted by identity with a byte-order comparison, so two
 * databases built from the same SQL give deep-equal models.
 *
 * Runs in whatever transaction the caller has open (backup reads it inside its snapshot); the session's
 * search_path is set to pg_catalog while reading, so every printed name is schema-qualified, and put back after.
 */
export async function introspect(s: Session, filter: SchemaFilter = {}): Promise<CatalogModel> {
  return withCatalogPath(s, (serverMajor) => read(s, serverMajor, filter, new Set()));
}

/**
 * Kinds a narrowed read leaves out. A list of what to skip, not of what to read, so that a misspelt or new kind is
 * read rather than silently missing.
 */
const CAPTURE_SKIPS: ReadonlySet<string> = new Set([
  'views',
  'collations',
  'ranges',
  'defaultPrivileges',
  'publications',
  'eventTriggers',
  'foreignServers',
  'foreignTables',
]);
const TABLE_SKIPS: ReadonlySet<string> = new Set([
  ...CAPTURE_SKIPS,
  'extensions',
  'enums',
  'domains',
  'composites',
  'functions',
  'functionGrants',
  'typeGrants',
]);

/**
 * introspect() narrowed to TableCatalog: 12 of the 27 queries. Each query costs a round trip and, in the fresh
 * backend every command starts, the catalog caches it is the first to touch (41 → 23 ms on a 14-table database).
 */
export async function introspectTables(s: Session): Promise<TableCatalog> {
  const m = await withCatalogPath(s, (serverMajor) => read(s, serverMajor, {}, TABLE_SKIPS));
  return deepFreeze({ serverMajor: m.serverMajor, schemas: m.schemas, sequences: m.sequences, tables: m.tables });
}

/** introspect() narrowed to CaptureCatalog: 19 of the 27 queries (no views, publications, foreign servers…). */
export async function introspectForCapture(s: Session): Promise<CaptureCatalog> {
  const m = await withCatalogPath(s, (serverMajor) => read(s, serverMajor, {}, CAPTURE_SKIPS));
  const { serverMajor, schemas, sequences, tables, extensions, enums, domains, compositeTypes, functions } = m;
  return deepFreeze({ serverMajor, schemas, sequences, tables, extensions, enums, domains, compositeTypes, functions });
}

async function withCatalogPath<T>(s: Session, fn: (serverMajor: number) => Promise<T>): Promise<T> {
  const serverMajor = await s.serverMajor();
  const saved = await s.query<{ path: string }>(`SELECT current_setting('search_path') AS path`);
  await s.query(`SELECT set_config('search_path', 'pg_catalog', false)`);
  try {
    return await fn(serverMajor);
  } finally {
    // If the caller's transaction failed meanwhile, its ROLLBACK restores the setting anyway.
    await s.query(`SELECT set_config('search_path', $1, false)`, [saved.rows[0]?.path ?? '"$user", public']).catch(() => {});
  }
}

/** The model without the kinds in `skip`, which come back empty: only the narrowed readers above, which drop them, skip any. */
async function read(s: Session, serverMajor: number, filter: SchemaFilter, skip: ReadonlySet<string>): Promise<CatalogModel> {
  const matches = schemaMatcher(filter);
  const rawSchemas = (await rows<q.RawSchema>(s, q.schemasSql, null)).filter((r) => !r.extension_member && matches(r.name));
  const names = rawSchemas.map((r) => r.name);
  const get = async <T>(kind: string, sql: string, schemas: readonly string[] | null = names): Promise<T[]> => (skip.has(kind) ? [] : rows<T>(s, sql, schemas));

  const extensions = await get<q.RawExtension>('extensions', q.extensionsSql);
  const enums = await get<q.RawEnum>('enums', q.enumsSql);
  const domains = await get<q.RawDomain>('domains', q.domainsSql);
  const composites = await get<q.RawComposite>('composites', q.compositesSql);
  const sequences = await get<q.RawSequence>('sequences', q.sequencesSql);
  const tables = await get<q.RawTable>('tables', q.tablesSql);
  const columns = await get<q.RawColumn>('columns', q.columnsSql);
  const constraints = await get<q.RawConstraint>('constraints', q.constraintsSql);
  const indexes = await get<q.RawIndex>('indexes', q.indexesSql);
  const triggers = await get<q.RawTrigger>('triggers', q.triggersSql);
  const policies = await get<q.RawPolicy>('policies', q.policiesSql);
  const grants = await get<q.RawGrant>('grants', q.grantsSql);
  const views = await get<q.RawView>('views', q.viewsSql);
  const functions = await get<q.RawFunction>('functions', q.functionsSql(serverMajor));
  const collations = await get<q.RawCollation>('collations', q.collationsSql(serverMajor));
  const ranges = await get<q.RawRange>('ranges', q.rangesSql(serverMajor));
  const defaultPrivileges = await get<q.RawDefaultPrivilege>('defaultPrivileges', q.defaultPrivilegesSql);
  const publications = await get<q.RawPublication>('publications', q.publicationsSql(serverMajor));
  const rules = await get<q.RawRule>('rules', q.rulesSql);
  const eventTriggers = await get<q.RawEventTrigger>('eventTriggers', q.eventTriggersSql);
  const foreignServers = await get<q.RawForeignServer>('foreignServers', q.foreignServersSql, null);
  const foreignTables = await get<q.RawForeignTable>('foreignTables', q.foreignTablesSql);
  const objectGrants = groupGrants([
    ...(await get<q.RawObjectGrant>('functionGrants', q.functionGrantsSql)).map((g) => ({ ...g, key: `f ${g.schema}.${g.name}(${g.detail})` })),
    ...(await get<q.RawObjectGrant>('typeGrants', q.typeGrantsSql)).map((g) => ({ ...g, key: `t ${g.schema}.${g.name}` })),
    ...(await get<q.RawObjectGrant>('schemaGrants', q.schemaGrantsSql)).map((g) => ({ ...g, key: `n ${g.schema}` })),
    ...(await get<q.RawObjectGrant>('columnGrants', q.columnGrantsSql)).map((g) => ({ ...g, key: `c ${g.schema}.${g.name}.${g.detail}` })),
  ]);
  // Functions and types always carry their list: an empty one means PUBLIC's default EXECUTE / USAGE was revoked.
  const typeGrants = (r: { schema: string; name: string }) => ({ grants: objectGrants(`t ${r.schema}.${r.name}`).grants ?? [] });

  const byTable = <R extends { schema: string; table: string }, T>(raw: R[], map: (r: R) => T) => {
    const m = new Map<string, T[]>();
    for (const r of raw) {
      const k = key(r.schema, r.table);
      const list = m.get(k);
      if (list) list.push(map(r));
      else m.set(k, [map(r)]);
    }
    return (schema: string, table: string): T[] => m.get(key(schema, table)) ?? [];
  };
  const columnsOf = byTable(columns, toColumn);
  const constraintsOf = byTable(constraints, toConstraint);
  const indexesOf = byTable(indexes, toIndex);
  const triggersOf = byTable(triggers, toTrigger);
  const policiesOf = byTable(policies, toPolicy);
  const grantsOf = byTable(grants, toGrant);
  const rulesOf = byTable(rules, (r): RuleDef => ({ name: r.name, definition: trimStatement(r.definition), enabled: r.enabled }));
  const withRules = (schema: string, name: string) => {
    const list = rulesOf(schema, name);
    return list.length ? { rules: sortBy(list, (r) => r.name) } : {};
  };

  return deepFreeze({
    serverMajor,
    schemas: sortBy(
      rawSchemas.map((r) => ({ name: r.name, owner: r.owner, comment: r.comment, ...objectGrants(`n ${r.name}`) })),
      (x) => x.name,
    ),
    extensions: sortBy(
      extensions.map((r) => ({ name: r.name, schema: r.schema, version: r.version })),
      (x) => x.name,
    ),
    enums: sortBy(
      enums.map((r) => ({ schema: r.schema, name: r.name, labels: r.labels ?? [], comment: r.comment, ...typeGrants(r) })),
      qualified,
    ),
    domains: sortBy(
      domains.map((r) => ({
        schema: r.schema,
        name: r.name,
        baseType: r.base_type,
        notNull: r.not_null,
        default: r.default,
        collation: r.collation,
        checks: sortBy(r.checks ?? [], (c) => c.name),
        comment: r.comment,
        ...typeGrants(r),
      })),
      qualified,
    ),
    compositeTypes: sortBy(
      composites.map((r) => ({ schema: r.schema, name: r.name, attributes: r.attributes ?? [], comment: r.comment, ...typeGrants(r) })),
      qualified,
    ),
    sequences: sortBy(
      sequences.map((r) => ({
        schema: r.schema,
        name: r.name,
        dataType: r.data_type,
        start: r.start,
        increment: r.increment,
        min: r.min,
        max: r.max,
        cache: r.cache,
        cycle: r.cycle,
        ownedBy: r.owned_by,
        identity: r.identity,
      })),
      qualified,
    ),
    tables: sortBy(
      tables.map(
        (r): TableDef => ({
          schema: r.schema,
          name: r.name,
          kind: r.is_partition ? 'partition' : r.relkind === 'p' ? 'partitioned' : 'table',
          unlogged: r.unlogged,
          partitionOf: r.parent,
          partitionBound: r.bound,
          partitionKey: r.partition_key,
          columns: sortBy(columnsOf(r.schema, r.name), (c) => c.position).map((c) => ({ ...c, ...objectGrants(`c ${r.schema}.${r.name}.${c.name}`) })),
          constraints: sortBy(constraintsOf(r.schema, r.name), (c) => c.name),
          indexes: sortBy(indexesOf(r.schema, r.name), (i) => i.name),
          triggers: sortBy(triggersOf(r.schema, r.name), (t) => t.name),
          rowSecurity: r.rls,
          forceRowSecurity: r.force_rls,
          ...(r.storage && r.storage.length > 0 ? { storage: r.storage } : {}),
          policies: sortBy(policiesOf(r.schema, r.name), (p) => p.name),
          grants: sortBy(grantsOf(r.schema, r.name), grantKey),
          comment: r.comment,
          ...replicaIdentity(r),
          ...withRules(r.schema, r.name),
          ...(r.inherits?.length ? { inherits: r.inherits } : {}),
        }),
      ),
      qualified,
    ),
    views: sortBy(
      views.map(
        (r): ViewDef => ({
          schema: r.schema,
          name: r.name,
          materialized: r.materialized,
          definition: trimStatement(r.definition),
          indexes: sortBy(indexesOf(r.schema, r.name), (i) => i.name),
          comment: r.comment,
          dependsOn: sortBy(r.depends_on ?? [], (x) => x),
          grants: sortBy(grantsOf(r.schema, r.name), grantKey),
          ...(r.options?.length ? { options: sortBy(r.options, (o) => o) } : {}),
          ...withRules(r.schema, r.name),
          ...(triggersOf(r.schema, r.name).length ? { triggers: sortBy(triggersOf(r.schema, r.name), (t) => t.name) } : {}),
        }),
      ),
      qualified,
    ),
    functions: sortBy(
      functions.map((r) => ({ ...toFunction(r), grants: objectGrants(`f ${r.schema}.${r.name}(${r.identity_args})`).grants ?? [] })),
      (f) => `${f.schema}.${f.name}(${f.identityArgs})`,
    ),
    collations: sortBy(
      collations.map((r) => ({
        schema: r.schema,
        name: r.name,
        provider: COLLATION_PROVIDERS[r.provider],
        collate: r.collate,
        ctype: r.ctype,
        locale: r.locale,
        deterministic: r.deterministic,
        comment: r.comment,
      })),
      qualified,
    ),
    rangeTypes: sortBy(
      ranges.map((r) => ({
        schema: r.schema,
        name: r.name,
        subtype: r.subtype,
        opclass: r.opclass,
        collation: r.collation,
        canonical: r.canonical,
        subtypeDiff: r.subtype_diff,
        multirange: r.multirange,
        comment: r.comment,
        ...typeGrants(r),
      })),
      qualified,
    ),
    defaultPrivileges: sortBy(
      defaultPrivileges.map((r) => ({
        role: r.role,
        schema: r.schema,
        objectType: DEFAULT_ACL_TYPES[r.object_type],
        grantee: r.grantee,
        privilege: r.privilege,
        grantable: r.grantable,
        revoked: r.revoked,
      })),
      defaultPrivilegeKey,
    ),
    publications: sortBy(
      publications.map((r) => ({
        name: r.name,
        allTables: r.all_tables,
        operations: (['insert', 'update', 'delete', 'truncate'] as const).filter((op) => r[op]),
        viaRoot: r.via_root,
        schemas: sortedText(r.schemas),
        tables: sortBy(
          (r.tables ?? []).map((t) => ({ schema: t.schema, name: t.name, columns: t.columns, rowFilter: t.row_filter })),
          qualified,
        ),
      })),
      (p) => p.name,
    ),
    eventTriggers: sortBy(
      eventTriggers.map((r) => ({
        name: r.name,
        event: r.event,
        tags: r.tags ? sortedText(r.tags) : null,
        function: r.function,
        enabled: r.enabled,
        comment: r.comment,
      })),
      (e) => e.name,
    ),
    foreignServers: sortBy(
      foreignServers.map((r) => ({
        name: r.name,
        wrapper: r.wrapper,
        type: r.type,
        version: r.version,
        options: sortedText(r.options),
        userMappings: sortedText(r.mappings),
      })),
      (s) => s.name,
    ),
    foreignTables: sortBy(
      foreignTables.map((r) => ({
        schema: r.schema,
        name: r.name,
        server: r.server,
        options: sortedText(r.options),
        columns: (r.columns ?? []).map((c) => ({ name: c.name, type: c.type, notNull: c.not_null, default: c.default, options: sortedText(c.options) })),
        comment: r.comment,
      })),
      qualified,
    ),
  });
}

/** Run one catalog query and return its rows, delivered as a single JSON document (typed booleans and arrays). */
async function rows<T>(s: Session, sql: string, schemas: readonly string[] | null): Promise<T[]> {
  const wrapped = `SELECT coalesce(json_agg(q), '[]'::json)::text AS j FROM (${sql}) q`;
  const r = schemas === null ? await s.query<{ j: string }>(wrapped) : await s.query<{ j: string }>(wrapped, [schemas]);
  return JSON.parse(r.rows[0]?.j ?? '[]') as T[];
}

function toColumn(r: q.RawColumn): ColumnDef {
  return {
    name: r.name,
    position: r.position,
    type: r.type,
    typeName: r.type_name,
    typeCategory: r.category,
    isArray: r.is_array,
    notNull: r.not_null,
    default: r.default,
    collation: r.collation,
    identity: r.identity === 'a' ? 'always' : r.identity === 'd' ? 'by default' : null,
    generated: r.generated === '' ? null : r.generated_expr,
    ...(r.generated === 'v' ? { virtual: true } : {}),
    ...(r.storage ? { storage: STORAGE[r.storage] } : {}),
    comment: r.comment,
  };
}

const STORAGE = { p: 'plain', e: 'external', m: 'main', x: 'extended' } as const;
const REPLICA_IDENTITY = { n: 'nothing', f: 'full' } as const;

function replicaIdentity(r: q.RawTable): { replicaIdentity?: string } {
  if (r.replica_identity === 'n' || r.replica_identity === 'f') return { replicaIdentity: REPLICA_IDENTITY[r.replica_identity] };
  // 'i' with the index dropped behaves as NOTHING; PostgreSQL keeps the flag, we report what it does.
  if (r.replica_identity === 'i') return { replicaIdentity: r.replica_index ? `index ${r.replica_index}` : 'nothing' };
  return {};
}

const withComment = (comment: string | null) => (comment === null ? {} : { comment });

const FK_ACTIONS: Record<string, FkAction> = { a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' };
const MATCH: Record<string, 'simple' | 'full' | 'partial'> = { s: 'simple', f: 'full', p: 'partial' };
const CONSTRAINT_KINDS = { p: 'primary', u: 'unique', c: 'check', x: 'exclusion', f: 'foreign' } as const;

function toConstraint(r: q.RawConstraint): ConstraintDef {
  const kind = CONSTRAINT_KINDS[r.type];
  return {
    name: r.name,
    kind,
    definition: r.definition,
    columns: kind === 'check' || kind === 'exclusion' ? [] : (r.columns ?? []),
    deferrable: r.deferrable,
    initiallyDeferred: r.deferred,
    references:
      kind === 'foreign' && r.ref_schema !== null && r.ref_table !== null
        ? {
            schema: r.ref_schema,
            table: r.ref_table,
            columns: r.ref_columns ?? [],
            onUpdate: FK_ACTIONS[r.on_update] ?? 'no action',
            onDelete: FK_ACTIONS[r.on_delete] ?? 'no action',
            match: MATCH[r.match] ?? 'simple',
          }
        : null,
    notValid: r.not_valid,
    ...withComment(r.comment),
  };
}

function toIndex(r: q.RawIndex): IndexDef {
  return {
    name: r.name,
    definition: r.definition,
    unique: r.unique,
    method: r.method,
    predicate: r.predicate,
    constraint: r.constraint,
    ...(r.columns ? { columns: r.columns } : {}),
    ...withComment(r.comment),
  };
}

// pg_trigger.tgtype bits (src/include/catalog/pg_trigger.h)
const TRIGGER_ROW = 1;
const TRIGGER_BEFORE = 2;
const TRIGGER_INSTEAD = 64;
const TRIGGER_EVENTS = [
  [4, 'insert'],
  [8, 'delete'],
  [16, 'update'],
  [32, 'truncate'],
] as const;

function toTrigger(r: q.RawTrigger): TriggerDef {
  return {
    name: r.name,
    timing: r.type & TRIGGER_INSTEAD ? 'instead of' : r.type & TRIGGER_BEFORE ? 'before' : 'after',
    events: TRIGGER_EVENTS.filter(([bit]) => r.type & bit).map(([, event]) => event),
    level: r.type & TRIGGER_ROW ? 'row' : 'statement',
    function: r.function,
    definition: r.definition,
    enabled: r.enabled,
    ...withComment(r.comment),
  };
}

const POLICY_COMMANDS = { r: 'select', a: 'insert', w: 'update', d: 'delete', '*': 'all' } as const;

function toPolicy(r: q.RawPolicy): PolicyDef {
  return {
    name: r.name,
    command: POLICY_COMMANDS[r.cmd],
    permissive: r.permissive,
    roles: sortedText(r.roles),
    using: r.using,
    withCheck: r.with_check,
    ...withComment(r.comment),
  };
}

function toGrant(r: q.RawGrant): GrantDef {
  return { grantee: r.grantee, privilege: r.privilege, grantable: r.grantable };
}

const FUNCTION_KINDS = { f: 'function', p: 'procedure', a: 'aggregate', w: 'window' } as const;
const VOLATILITY = { i: 'immutable', s: 'stable', v: 'volatile' } as const;

function toFunction(r: q.RawFunction): FunctionDef {
  return {
    schema: r.schema,
    name: r.name,
    identityArgs: r.identity_args,
    kind: FUNCTION_KINDS[r.kind],
    returns: r.returns,
    language: r.language,
    body: r.body.trimEnd(),
    securityDefiner: r.security_definer,
    volatility: VOLATILITY[r.volatility],
    definition: (r.definition ?? '').trimEnd(),
    ...(r.sql_body ? { sqlStandardBody: true } : {}),
    ...(r.calls?.length ? { calls: sortedText(r.calls) } : {}),
    comment: r.comment,
  };
}

const COLLATION_PROVIDERS = { c: 'libc', i: 'icu', b: 'builtin', d: 'default' } as const;
const DEFAULT_ACL_TYPES = { r: 'tables', S: 'sequences', f: 'functions', T: 'types', n: 'schemas' } as const;

function defaultPrivilegeKey(p: DefaultPrivilegeDef): string {
  return [p.role ?? '', p.schema ?? '', p.objectType, p.grantee, p.privilege, p.revoked ? 'revoked' : 'granted'].join('\u0000');
}

/** Grants on schemas, types, functions and columns by object key, as `{ grants }` to spread (nothing when none). */
function groupGrants(raw: readonly (q.RawObjectGrant & { key: string })[]): (key: string) => { grants?: GrantDef[] } {
  const m = new Map<string, GrantDef[]>();
  for (const r of raw) m.set(r.key, [...(m.get(r.key) ?? []), toGrant({ ...r, table: '' })]);
  return (key) => {
    const list = m.get(key);
    return list ? { grants: sortBy(list, grantKey) } : {};
  };
}

function grantKey(g: GrantDef): string {
  return `${g.grantee}\u0000${g.privilege}`;
}

/** pg_get_viewdef ends with `;` and a newline: neither is part of the definition */
function trimStatement(sql: string): string {
  return sql.trim().replace(/;$/, '').trimEnd();
}

function key(schema: string, name: string): string {
  return `${schema}\u0000${name}`;
}

function qualified(o: { schema: string; name: string }): string {
  return key(o.schema, o.name);
}

function sortedText(items: readonly string[] | null): string[] {
  return sortBy(items ?? [], (x) => x);
}

/** Sort by a string or number key in byte order (never locale order, which differs between machines). */
function sortBy<T>(items: readonly T[], by: (x: T) => string | number): T[] {
  return [...items].sort((a, b) => {
    const x = by(a);
    const y = by(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
