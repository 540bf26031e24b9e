import { qualify, quoteIdent, quoteLiteral } from '../sql/quote.js';
import type {
  CollationDef,
  ColumnDef,
  CompositeTypeDef,
  ConstraintDef,
  DomainDef,
  EnumDef,
  ExtensionDef,
  FunctionDef,
  GrantDef,
  IndexDef,
  PolicyDef,
  DefaultPrivilegeDef,
  EventTriggerDef,
  ForeignServerDef,
  ForeignTableDef,
  PublicationDef,
  PublicationTableDef,
  RuleDef,
  RangeTypeDef,
  SchemaDef,
  SequenceDef,
  TableDef,
  TriggerDef,
  ViewDef,
} from './model.js';

/**
 * DDL for one object of the catalog model. Each function returns complete statements ending in `;`, so drift can
 * show them in a unified diff and `drift pull` can write them to a schema file. Definitions PostgreSQL printed
 * itself (pg_get_constraintdef, pg_get_indexdef, pg_get_triggerdef, pg_get_functiondef, pg_get_viewdef) are used
 * as they are: they already quote and qualify correctly. Every other identifier goes through quoteIdent.
 */

export function renderSchema(s: SchemaDef): string {
  return `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(s.name)};`;
}

export function renderExtension(e: ExtensionDef): string {
  return `CREATE EXTENSION IF NOT EXISTS ${quoteIdent(e.name)} WITH SCHEMA ${quoteIdent(e.schema)};`;
}

export function renderEnum(e: EnumDef): string {
  return `CREATE TYPE ${qualify(e.schema, e.name)} AS ENUM (${e.labels.map(quoteLiteral).join(', ')});`;
}

export function renderDomain(d: DomainDef): string {
  const parts = [`CREATE DOMAIN ${qualify(d.schema, d.name)} AS ${d.baseType}`];
  if (d.collation) parts.push(`COLLATE ${d.collation}`);
  if (d.default !== null) parts.push(`DEFAULT ${d.default}`);
  if (d.notNull) parts.push('NOT NULL');
  for (const c of d.checks) parts.push(`CONSTRAINT ${quoteIdent(c.name)} ${c.definition}`);
  return `${parts.join(' ')};`;
}

export function renderCompositeType(t: CompositeTypeDef): string {
  const attrs = t.attributes.map((a) => `  ${quoteIdent(a.name)} ${a.type}${a.collation ? ` COLLATE ${a.collation}` : ''}`);
  return `CREATE TYPE ${qualify(t.schema, t.name)} AS (\n${attrs.join(',\n')}\n);`;
}

function sequenceOptions(s: SequenceDef): string {
  return [
    `START WITH ${s.start}`,
    `INCREMENT BY ${s.increment}`,
    `MINVALUE ${s.min}`,
    `MAXVALUE ${s.max}`,
    `CACHE ${s.cache}`,
    s.cycle ? 'CYCLE' : 'NO CYCLE',
  ].join(' ');
}

/** A stand-alone sequence (serial's included); OWNED BY is rendered separately, once the table exists. */
export function renderSequence(s: SequenceDef): string {
  return `CREATE SEQUENCE IF NOT EXISTS ${qualify(s.schema, s.name)} AS ${s.dataType} ${sequenceOptions(s)};`;
}

export function renderSequenceOwner(s: SequenceDef, table: TableDef, column: string): string {
  return `ALTER SEQUENCE ${qualify(s.schema, s.name)} OWNED BY ${qualify(table.schema, table.name)}.${quoteIdent(column)};`;
}

export function renderFunction(f: FunctionDef): string {
  if (f.kind === 'aggregate' || f.definition === '') {
    return `-- aggregate ${f.schema}.${f.name}(${f.identityArgs}) is not rendered by pgsnap`;
  }
  return `${f.definition.trimEnd()};`;
}

/** One column as it appears inside CREATE TABLE; `identitySequence` names an identity column's sequence. */
export function renderColumn(c: ColumnDef, identitySequence?: SequenceDef): string {
  const parts = [quoteIdent(c.name), c.type];
  if (c.collation) parts.push(`COLLATE ${c.collation}`);
  if (c.generated !== null) parts.push(`GENERATED ALWAYS AS (${c.generated}) ${c.virtual ? 'VIRTUAL' : 'STORED'}`);
  if (c.identity) {
    const options = identitySequence
      ? ` (SEQUENCE NAME ${qualify(identitySequence.schema, identitySequence.name)} ${sequenceOptions(identitySequence)})`
      : '';
    parts.push(`GENERATED ${c.identity === 'always' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY${options}`);
  }
  if (c.default !== null) parts.push(`DEFAULT ${c.default}`);
  if (c.notNull) parts.push('NOT NULL');
  return parts.join(' ');
}

export function tableName(t: { schema: string; name: string }): string {
  return qualify(t.schema, t.name);
}

/** Constraints written inside CREATE TABLE: everything but foreign keys (which wait for every table) and NOT VALID. */
export function isInlineConstraint(c: ConstraintDef): boolean {
  return c.kind !== 'foreign' && !c.notValid;
}

/**
 * CREATE TABLE with columns and inline constraints; a partition is created PARTITION OF its parent (its columns
 * come from the parent). `identitySequences` maps column name to the sequence of an identity column.
 */
export function renderCreateTable(
  t: TableDef,
  parent: string | null,
  identitySequences: ReadonlyMap<string, SequenceDef> = new Map(),
  inherits: readonly string[] = [],
): string {
  const head = `CREATE ${t.unlogged ? 'UNLOGGED ' : ''}TABLE ${tableName(t)}`;
  const partitionBy = `${t.partitionKey ? ` PARTITION BY ${t.partitionKey}` : ''}${renderStorage(t)}`;
  if (t.kind === 'partition' && parent) {
    // The parent's constraints reach the partition by themselves; only the partition's own are added here.
    const own = t.constraints.filter(isInlineConstraint).map((c) => `\n${renderConstraint(t, c)}`);
    return `${head} PARTITION OF ${parent} ${t.partitionBound ?? 'DEFAULT'}${partitionBy};${own.join('')}`;
  }
  const lines = [
    ...[...t.columns].sort((a, b) => a.position - b.position).map((c) => renderColumn(c, identitySequences.get(c.name))),
    ...t.constraints.filter(isInlineConstraint).map((c) => `CONSTRAINT ${quoteIdent(c.name)} ${c.definition}`),
  ];
  const parents = inherits.length ? ` INHERITS (${inherits.join(', ')})` : '';
  return `${head} (\n${lines.map((l) => `  ${l}`).join(',\n')}\n)${parents}${partitionBy};`;
}

/** ` WITH (fillfactor = '70', …)`: names quoted as identifiers, values as literals (archived text is data). */
function renderStorage(t: TableDef): string {
  if (!t.storage || t.storage.length === 0) return '';
  const params = t.storage.map((o) => {
    const eq = o.indexOf('=');
    return eq < 0 ? quoteIdent(o) : `${quoteIdent(o.slice(0, eq))} = ${quoteLiteral(o.slice(eq + 1))}`;
  });
  return ` WITH (${params.join(', ')})`;
}

export function renderConstraint(t: TableDef, c: ConstraintDef): string {
  return `ALTER TABLE ${tableName(t)} ADD CONSTRAINT ${quoteIdent(c.name)} ${c.definition};`;
}

export function renderIndex(i: IndexDef): string {
  return `${i.definition};`;
}

export function renderView(v: ViewDef): string {
  // reloptions print as they are set: `security_invoker=true`, `check_option=local` (WITH LOCAL CHECK OPTION).
  const options = v.options?.length ? ` WITH (${v.options.join(', ')})` : '';
  return `CREATE ${v.materialized ? 'MATERIALIZED ' : ''}VIEW ${tableName(v)}${options} AS\n${v.definition};`;
}

/** ALTER TABLE … REPLICA IDENTITY, or '' for DEFAULT */
export function renderReplicaIdentity(t: TableDef): string {
  const r = t.replicaIdentity;
  if (r === undefined) return '';
  const what = r.startsWith('index ') ? `USING INDEX ${quoteIdent(r.slice('index '.length))}` : r.toUpperCase();
  return `ALTER TABLE ${tableName(t)} REPLICA IDENTITY ${what};`;
}

/** SET STORAGE is not part of a column definition before PostgreSQL 16: it is an ALTER after CREATE TABLE. */
export function renderColumnStorage(t: { schema: string; name: string }, c: ColumnDef): string {
  return c.storage
    ? `ALTER TABLE ${tableName(t)} ALTER COLUMN ${quoteIdent(c.name)} SET STORAGE ${c.storage.toUpperCase()};`
    : `-- ${tableName(t)}.${quoteIdent(c.name)} uses its type's default storage`;
}

const TRIGGER_STATE = { O: null, D: 'DISABLE TRIGGER', R: 'ENABLE REPLICA TRIGGER', A: 'ENABLE ALWAYS TRIGGER' } as const;

export function renderTrigger(t: { schema: string; name: string }, tr: TriggerDef): string {
  const state = TRIGGER_STATE[tr.enabled];
  const create = `${tr.definition};`;
  return state ? `${create}\nALTER TABLE ${tableName(t)} ${state} ${quoteIdent(tr.name)};` : create;
}

export function renderRowSecurity(t: TableDef): string {
  const lines: string[] = [];
  if (t.rowSecurity) lines.push(`ALTER TABLE ${tableName(t)} ENABLE ROW LEVEL SECURITY;`);
  if (t.forceRowSecurity) lines.push(`ALTER TABLE ${tableName(t)} FORCE ROW LEVEL SECURITY;`);
  return lines.join('\n');
}

function roleName(role: string): string {
  return role === 'public' ? 'PUBLIC' : quoteIdent(role);
}

export function renderPolicy(t: TableDef, p: PolicyDef): string {
  const parts = [
    `CREATE POLICY ${quoteIdent(p.name)} ON ${tableName(t)}`,
    `AS ${p.permissive ? 'PERMISSIVE' : 'RESTRICTIVE'}`,
    `FOR ${p.command.toUpperCase()}`,
    `TO ${p.roles.length ? p.roles.map(roleName).join(', ') : 'PUBLIC'}`,
  ];
  if (p.using !== null) parts.push(`USING (${p.using})`);
  if (p.withCheck !== null) parts.push(`WITH CHECK (${p.withCheck})`);
  return `${parts.join(' ')};`;
}

export function renderCollation(c: CollationDef): string {
  const options =
    c.provider === 'libc' || c.provider === 'default'
      ? [`provider = libc`, `lc_collate = ${quoteLiteral(c.collate ?? '')}`, `lc_ctype = ${quoteLiteral(c.ctype ?? '')}`]
      : [`provider = ${c.provider}`, `locale = ${quoteLiteral(c.locale ?? c.collate ?? '')}`];
  if (!c.deterministic) options.push('deterministic = false');
  return `CREATE COLLATION ${qualify(c.schema, c.name)} (${options.join(', ')});`;
}

export function renderRangeType(r: RangeTypeDef): string {
  const options = [`SUBTYPE = ${r.subtype}`];
  if (r.opclass) options.push(`SUBTYPE_OPCLASS = ${r.opclass}`);
  if (r.collation) options.push(`COLLATION = ${r.collation}`);
  if (r.canonical) options.push(`CANONICAL = ${r.canonical}`);
  if (r.subtypeDiff) options.push(`SUBTYPE_DIFF = ${r.subtypeDiff}`);
  if (r.multirange) {
    const dot = r.multirange.indexOf('.');
    options.push(`MULTIRANGE_TYPE_NAME = ${qualify(r.multirange.slice(0, dot), r.multirange.slice(dot + 1))}`);
  }
  return `CREATE TYPE ${qualify(r.schema, r.name)} AS RANGE (${options.join(', ')});`;
}

/**
 * GRANT / REVOKE for an object whose built-in default gives PUBLIC a privilege (EXECUTE on functions, USAGE on
 * types): the default is left implicit, and its absence is written as a REVOKE. `grants` undefined (a model read
 * before privileges were) writes nothing.
 */
export function renderObjectGrants(target: string, grants: readonly GrantDef[] | undefined, publicDefault: string | null): string[] {
  if (grants === undefined) return [];
  const out = grants
    .filter((g) => !(g.grantee === 'public' && g.privilege === publicDefault && !g.grantable))
    .map((g) => renderObjectGrant(target, g));
  if (publicDefault && !grants.some((g) => g.grantee === 'public' && g.privilege === publicDefault)) {
    out.unshift(`REVOKE ${publicDefault} ON ${target} FROM PUBLIC;`);
  }
  return out;
}

export function renderObjectGrant(target: string, g: GrantDef): string {
  return `GRANT ${g.privilege} ON ${target} TO ${roleName(g.grantee)}${g.grantable ? ' WITH GRANT OPTION' : ''};`;
}

export function renderColumnGrant(t: { schema: string; name: string }, column: string, g: GrantDef): string {
  return `GRANT ${g.privilege} (${quoteIdent(column)}) ON TABLE ${tableName(t)} TO ${roleName(g.grantee)}${g.grantable ? ' WITH GRANT OPTION' : ''};`;
}

export function renderDefaultPrivilege(p: DefaultPrivilegeDef): string {
  const scope = `${p.role === null ? '' : ` FOR ROLE ${quoteIdent(p.role)}`}${p.schema === null ? '' : ` IN SCHEMA ${quoteIdent(p.schema)}`}`;
  const what = `${p.privilege} ON ${p.objectType.toUpperCase()}`;
  return p.revoked
    ? `ALTER DEFAULT PRIVILEGES${scope} REVOKE ${what} FROM ${roleName(p.grantee)};`
    : `ALTER DEFAULT PRIVILEGES${scope} GRANT ${what} TO ${roleName(p.grantee)}${p.grantable ? ' WITH GRANT OPTION' : ''};`;
}

export function functionTarget(f: FunctionDef): string {
  return `${f.kind === 'procedure' ? 'PROCEDURE' : 'FUNCTION'} ${qualify(f.schema, f.name)}(${f.identityArgs})`;
}

/** CREATE PUBLICATION with what it publishes; its tables are added one statement each (publicationTable). */
export function renderPublication(p: PublicationDef): string {
  const scope = p.allTables ? ' FOR ALL TABLES' : p.schemas.length ? ` FOR TABLES IN SCHEMA ${p.schemas.map(quoteIdent).join(', ')}` : '';
  const publish = `publish = ${quoteLiteral(p.operations.join(', '))}`;
  return `CREATE PUBLICATION ${quoteIdent(p.name)}${scope} WITH (${publish}${p.viaRoot ? ', publish_via_partition_root = true' : ''});`;
}

export function renderPublicationTable(p: PublicationDef, t: PublicationTableDef): string {
  const columns = t.columns ? ` (${t.columns.map(quoteIdent).join(', ')})` : '';
  const where = t.rowFilter ? ` WHERE (${t.rowFilter})` : '';
  return `ALTER PUBLICATION ${quoteIdent(p.name)} ADD TABLE ${tableName(t)}${columns}${where};`;
}

const RULE_STATE = { O: null, D: 'DISABLE RULE', R: 'ENABLE REPLICA RULE', A: 'ENABLE ALWAYS RULE' } as const;

export function renderRule(on: { schema: string; name: string }, r: RuleDef): string {
  const state = RULE_STATE[r.enabled];
  return `${r.definition};${state ? `\nALTER TABLE ${tableName(on)} ${state} ${quoteIdent(r.name)};` : ''}`;
}

const EVENT_TRIGGER_STATE = { O: null, D: 'DISABLE', R: 'ENABLE REPLICA', A: 'ENABLE ALWAYS' } as const;

export function renderEventTrigger(e: EventTriggerDef): string {
  const dot = e.function.indexOf('.');
  const when = e.tags ? ` WHEN TAG IN (${e.tags.map(quoteLiteral).join(', ')})` : '';
  const create = `CREATE EVENT TRIGGER ${quoteIdent(e.name)} ON ${e.event}${when} EXECUTE FUNCTION ${qualify(e.function.slice(0, dot), e.function.slice(dot + 1))}();`;
  const state = EVENT_TRIGGER_STATE[e.enabled];
  return state ? `${create}\nALTER EVENT TRIGGER ${quoteIdent(e.name)} ${state};` : create;
}

/** `key=value` option strings as an OPTIONS (…) clause */
function fdwOptions(options: readonly string[]): string {
  if (options.length === 0) return '';
  const pairs = options.map((o) => {
    const eq = o.indexOf('=');
    return `${quoteIdent(o.slice(0, eq))} ${quoteLiteral(o.slice(eq + 1))}`;
  });
  return ` OPTIONS (${pairs.join(', ')})`;
}

/** The server, then its user mappings without options: those hold passwords, which pgsnap never reads or writes. */
export function renderForeignServer(s: ForeignServerDef): string {
  const type = s.type ? ` TYPE ${quoteLiteral(s.type)}` : '';
  const version = s.version ? ` VERSION ${quoteLiteral(s.version)}` : '';
  return `CREATE SERVER ${quoteIdent(s.name)}${type}${version} FOREIGN DATA WRAPPER ${quoteIdent(s.wrapper)}${fdwOptions(s.options)};`;
}

export function renderUserMapping(server: string, role: string): string {
  return `CREATE USER MAPPING FOR ${role === 'public' ? 'PUBLIC' : quoteIdent(role)} SERVER ${quoteIdent(server)}; -- OPTIONS (user, password …) are not pulled: add them outside the schema files`;
}

export function renderForeignTable(t: ForeignTableDef): string {
  const columns = t.columns.map(
    (c) => `  ${quoteIdent(c.name)} ${c.type}${fdwOptions(c.options)}${c.default !== null ? ` DEFAULT ${c.default}` : ''}${c.notNull ? ' NOT NULL' : ''}`,
  );
  return `CREATE FOREIGN TABLE ${tableName(t)} (\n${columns.join(',\n')}\n) SERVER ${quoteIdent(t.server)}${fdwOptions(t.options)};`;
}

export function renderGrant(on: { schema: string; name: string }, g: GrantDef): string {
  return `GRANT ${g.privilege} ON TABLE ${tableName(on)} TO ${roleName(g.grantee)}${g.grantable ? ' WITH GRANT OPTION' : ''};`;
}

/** COMMENT ON …; `target` is the SQL object reference, e.g. `TABLE "public"."t"` or `COLUMN "public"."t"."c"`. */
export function renderComment(target: string, comment: string | null): string {
  return `COMMENT ON ${target} IS ${comment === null ? 'NULL' : quoteLiteral(comment)};`;
}

export function functionCommentTarget(f: FunctionDef): string {
  return `${f.kind === 'procedure' ? 'PROCEDURE' : f.kind === 'aggregate' ? 'AGGREGATE' : 'FUNCTION'} ${qualify(f.schema, f.name)}(${f.identityArgs})`;
}
