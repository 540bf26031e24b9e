import { randomBytes } from 'node:crypto';
import { qualify, quoteIdent, quoteLiteral } from '../sql/quote.js';
import type { CatalogModel, ConstraintDef, FunctionDef, IndexDef, PolicyDef, SequenceDef, TableDef, TriggerDef, ViewDef } from './model.js';
import { qualifiedName } from './model.js';
import {
  functionCommentTarget,
  isInlineConstraint,
  renderComment,
  renderCompositeType,
  renderConstraint,
  renderCreateTable,
  renderDomain,
  renderEnum,
  renderExtension,
  renderFunction,
  renderGrant,
  renderIndex,
  functionTarget,
  renderCollation,
  renderColumnGrant,
  renderEventTrigger,
  renderForeignServer,
  renderForeignTable,
  renderPublication,
  renderPublicationTable,
  renderRule,
  renderUserMapping,
  renderColumnStorage,
  renderDefaultPrivilege,
  renderObjectGrants,
  renderRangeType,
  renderPolicy,
  renderReplicaIdentity,
  renderRowSecurity,
  renderSchema,
  renderSequence,
  renderSequenceOwner,
  renderTrigger,
  renderView,
} from './render-object.js';

export * from './render-object.js';

export interface RenderOptions {
  /** GRANT statements (default true); off when the target cluster may not have the roles */
  readonly grants?: boolean;
  /** COMMENT statements (default true) */
  readonly comments?: boolean;
}

/** The sections of a rendered model, in the order they must run. */
export const RENDER_STAGES = [
  'schemas',
  'extensions',
  'servers',
  'types',
  'sequences',
  'functions',
  'tables',
  'constraints',
  'ownership',
  'foreign_keys',
  'indexes',
  'late_functions',
  'views',
  'triggers',
  'row_security',
  'policies',
  'publications',
  'grants',
  'comments',
] as const;
export type RenderStage = (typeof RENDER_STAGES)[number];
export type RenderedStages = Readonly<Record<RenderStage, readonly string[]>>;

/**
 * The whole model as one SQL script that builds it in an empty database, in an order that satisfies every
 * dependency PostgreSQL checks at creation time: schemas, extensions, types, sequences, functions (bodies not
 * checked), tables, partitions, sequence ownership, foreign keys, indexes, functions that need tables, views in
 * dependency order, triggers, row level security, policies, grants, comments.
 */
export function renderModel(model: CatalogModel, options: RenderOptions = {}): string {
  const stages = renderStages(model, options);
  const out = RENDER_STAGES.flatMap((stage) =>
    // Bodies reference tables that do not exist yet; PostgreSQL checks them only when this is on.
    stage === 'functions' ? ['SET check_function_bodies = off;', ...stages[stage]] : stages[stage],
  );
  return `${[...out, 'RESET check_function_bodies;'].join('\n\n')}\n`;
}

/** renderModel's statements by section, so `drift pull` can slot single statements in where they belong. */
export function renderStages(model: CatalogModel, options: RenderOptions = {}): RenderedStages {
  const ctx = context(model);
  const tables = creationOrder(model.tables);
  const [early, late] = splitFunctions(model);
  return {
    schemas: model.schemas.map(renderSchema),
    extensions: model.extensions.map(renderExtension),
    servers: (model.foreignServers ?? []).flatMap((s) => [renderForeignServer(s), ...s.userMappings.map((r) => renderUserMapping(s.name, r))]),
    types: [
      ...(model.collations ?? []).map(renderCollation),
      ...model.enums.map(renderEnum),
      ...(model.rangeTypes ?? []).map(renderRangeType),
      ...model.domains.map(renderDomain),
      ...model.compositeTypes.map(renderCompositeType),
    ],
    sequences: model.sequences.filter((s) => !s.identity).map(renderSequence),
    functions: early.map(renderFunction),
    tables: [
      ...tables.map((t) => renderCreateTable(t, ctx.parentOf(t), ctx.identitySequences(t), ctx.inheritsOf(t))),
      ...(model.foreignTables ?? []).map(renderForeignTable),
    ],
    constraints: tables.flatMap((t) => [
      ...ctx.partitionLocal(t),
      ...t.constraints.filter((c) => c.kind !== 'foreign' && c.notValid).map((c) => renderConstraint(t, c)),
    ]),
    ownership: ownerships(model, ctx),
    foreign_keys: tables.flatMap((t) => t.constraints.filter((c) => c.kind === 'foreign').map((c) => renderConstraint(t, c))),
    // REPLICA IDENTITY USING INDEX needs the index.
    indexes: [...tables.flatMap((t) => t.indexes.filter((i) => !i.constraint).map(renderIndex)), ...tables.map(renderReplicaIdentity).filter((x) => x !== '')],
    late_functions: late.map(renderFunction),
    views: viewOrder(model.views).flatMap((v) => [renderView(v), ...v.indexes.filter((i) => !i.constraint).map(renderIndex)]),
    triggers: [
      ...[...tables, ...model.views].flatMap((t) => (t.triggers ?? []).map((tr) => renderTrigger(t, tr))),
      ...[...tables, ...model.views].flatMap((t) => (t.rules ?? []).map((r) => renderRule(t, r))),
      ...(model.eventTriggers ?? []).map(renderEventTrigger),
    ],
    row_security: tables.map(renderRowSecurity).filter((s) => s !== ''),
    policies: tables.flatMap((t) => t.policies.map((p) => renderPolicy(t, p))),
    publications: (model.publications ?? []).flatMap((p) => [renderPublication(p), ...p.tables.map((t) => renderPublicationTable(p, t))]),
    grants: options.grants === false ? [] : grants(model),
    comments: options.comments === false ? [] : comments(model),
  };
}

/**
 * Everything about one table in one script, for drift's diffs and `drift pull`: CREATE TABLE, constraints,
 * foreign keys, indexes, triggers, row level security, policies, grants and comments. Pass the model so a
 * partition names its parent and an identity column its sequence.
 */
export function renderTable(t: TableDef, model?: CatalogModel, options: RenderOptions = {}): string {
  const ctx = model ? context(model) : undefined;
  const out = [
    renderCreateTable(t, ctx ? ctx.parentOf(t) : partitionParentGuess(t), ctx?.identitySequences(t), ctx?.inheritsOf(t) ?? inheritsGuess(t)),
    ...(ctx ? ctx.partitionLocal(t) : columnStorage(t)),
    ...t.constraints.filter((c) => !isInlineConstraint(c)).map((c) => renderConstraint(t, c)),
    ...t.indexes.filter((i) => !i.constraint).map(renderIndex),
    renderReplicaIdentity(t),
    ...t.triggers.map((tr) => renderTrigger(t, tr)),
    ...(t.rules ?? []).map((r) => renderRule(t, r)),
    renderRowSecurity(t),
    ...t.policies.map((p) => renderPolicy(t, p)),
    ...(options.grants === false ? [] : t.grants.map((g) => renderGrant(t, g))),
    ...(options.grants === false ? [] : t.columns.flatMap((c) => (c.grants ?? []).map((g) => renderColumnGrant(t, c.name, g)))),
    ...(options.comments === false ? [] : tableComments(t)),
  ];
  return `${out.filter((s) => s !== '').join('\n')}\n`;
}

/**
 * The DDL that creates just these tables ("schema.name") in a database that may already hold everything else:
 * their schemas, the extensions, the types and sequences their columns use, the functions their defaults,
 * checks, triggers and policies call, then the tables themselves (restore's --create-missing). Objects that may
 * already exist are created only when missing, so it is safe to run against a live database.
 */
export function renderForTables(model: CatalogModel, tableNames: readonly string[], options: RenderOptions = {}): string {
  const wanted = new Set(tableNames);
  const tables = creationOrder(model.tables.filter((t) => wanted.has(qualifiedName(t))));
  const ctx = context(model);
  const text = tables.map((t) => JSON.stringify(t)).join('\n');
  const mentions = (o: { schema: string; name: string }) => mentionPatterns(o).some((p) => text.includes(p));
  const typeNames = new Set(tables.flatMap((t) => t.columns.map((c) => c.typeName)));
  const usesType = (o: { schema: string; name: string }) => typeNames.has(qualifiedName(o)) || mentions(o);
  const domains = model.domains.filter(usesType);
  // A domain over an enum or another domain needs that type too.
  const domainText = JSON.stringify(domains);
  const usesTypeDeep = (o: { schema: string; name: string }) =>
    usesType(o) || mentionPatterns(o).some((p) => domainText.includes(p));
  const schemas = new Set(tables.map((t) => t.schema));
  const functions = model.functions.filter(
    (f) => mentions(f) || tables.some((t) => t.triggers.some((tr) => tr.function === qualifiedName(f))),
  );
  const sequences = model.sequences.filter((s) => !s.identity && mentions(s));
  const guard = (sql: string) => {
    const tag = dollarTagFor(sql);
    return `DO ${tag} BEGIN\n${sql}\nEXCEPTION WHEN duplicate_object OR duplicate_function THEN NULL;\nEND ${tag};`;
  };
  const out = [
    ...model.schemas.filter((s) => schemas.has(s.name)).map(renderSchema),
    ...model.extensions.map(renderMissingExtension),
    ...model.enums.filter(usesTypeDeep).map((e) => guard(renderEnum(e))),
    ...model.domains.filter(usesTypeDeep).map((d) => guard(renderDomain(d))),
    ...model.compositeTypes.filter(usesTypeDeep).map((c) => guard(renderCompositeType(c))),
    ...sequences.map(renderSequence),
    'SET check_function_bodies = off;',
    ...functions
      .filter((f) => f.kind !== 'aggregate')
      .map((f) => guard(renderFunction(f).replace(/^CREATE OR REPLACE /, 'CREATE '))),
    ...tables.map((t) => renderCreateTable(t, ctx.parentOf(t), ctx.identitySequences(t))),
    ...ownerships(model, ctx, wanted),
    ...tables.flatMap((t) => t.constraints.filter((c) => !isInlineConstraint(c)).map((c) => renderConstraint(t, c))),
    ...attachedIndexes(tables),
    ...tables.flatMap((t) => t.triggers.map((tr) => renderTrigger(t, tr))),
    ...tables.map(renderRowSecurity).filter((s) => s !== ''),
    ...tables.flatMap((t) => t.policies.map((p) => renderPolicy(t, p))),
    ...(options.grants === false ? [] : tables.flatMap((t) => t.grants.map((g) => renderGrant(t, g)))),
    ...(options.comments === false ? [] : tables.flatMap(tableComments)),
    'RESET check_function_bodies;',
  ];
  return `${out.join('\n\n')}\n`;
}

/**
 * An extension, only when the target lacks it (under any schema), with its own schema first (Supabase keeps
 * extensions in `extensions`). When the role may not create it, the error says what to run as a superuser.
 * Names are quoted as identifiers and literals: they are data from the archive.
 */
function renderMissingExtension(e: { readonly name: string; readonly schema: string }): string {
  const message = `cannot create extension ${e.name} in schema ${e.schema}; as a superuser run: CREATE SCHEMA IF NOT EXISTS ${quoteIdent(e.schema)}; CREATE EXTENSION ${quoteIdent(e.name)} WITH SCHEMA ${quoteIdent(e.schema)}; then restore again`;
  const body = `
IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = ${quoteLiteral(e.name)}) THEN
  CREATE SCHEMA IF NOT EXISTS ${quoteIdent(e.schema)};
  CREATE EXTENSION ${quoteIdent(e.name)} WITH SCHEMA ${quoteIdent(e.schema)};
END IF;
EXCEPTION WHEN insufficient_privilege OR undefined_file OR feature_not_supported THEN
  RAISE EXCEPTION USING MESSAGE = ${quoteLiteral(message)}, DETAIL = SQLERRM;
`;
  const tag = dollarTagFor(body);
  return `DO ${tag} BEGIN${body}END ${tag};`;
}

/**
 * The tables' indexes, partitions' before their parents' (deepest first), and a partitioned table's without the
 * `ON ONLY` that pg_get_indexdef prints: CREATE INDEX on a partitioned table then attaches each partition's
 * matching index (creating any that is missing), so the parent index is valid and a unique one is enforced on
 * every partition and on partitions added later. With ON ONLY it would stay invalid and attached to nothing.
 */
function attachedIndexes(tables: readonly TableDef[]): string[] {
  const own = (t: TableDef) => t.indexes.filter((i) => !i.constraint);
  const partitioned = tables.filter((t) => t.kind === 'partitioned').reverse();
  const onOnly = /^(CREATE (?:UNIQUE )?INDEX (?:"(?:[^"]|"")*"|\S+) ON )ONLY /;
  return [
    ...tables.filter((t) => t.kind !== 'partitioned').flatMap((t) => own(t).map(renderIndex)),
    ...partitioned.flatMap((t) => own(t).map((i) => renderIndex({ ...i, definition: i.definition.replace(onOnly, '$1') }))),
  ];
}

/** How PostgreSQL prints a reference to this object in an expression, quoted only where it must be. */
function mentionPatterns(o: { schema: string; name: string }): string[] {
  const plain = `${o.schema}.${o.name}`;
  const quoted = `${quoteIfNeeded(o.schema)}.${quoteIfNeeded(o.name)}`;
  return plain === quoted ? [plain] : [plain, quoted, JSON.stringify(quoted).slice(1, -1)];
}

function quoteIfNeeded(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : quoteIdent(name);
}

interface Context {
  parentOf(t: TableDef): string | null;
  inheritsOf(t: TableDef): string[];
  /** what a child table sets on its own: SET STORAGE, and a partition's own NOT NULL and defaults */
  partitionLocal(t: TableDef): string[];
  identitySequences(t: TableDef): ReadonlyMap<string, SequenceDef>;
  table(qualified: string): TableDef | undefined;
}

function context(model: CatalogModel): Context {
  const tables = new Map(model.tables.map((t) => [qualifiedName(t), t]));
  const sequencesByOwner = new Map(model.sequences.filter((s) => s.ownedBy !== null).map((s) => [s.ownedBy as string, s]));
  return {
    parentOf(t) {
      if (t.partitionOf === null) return null;
      const parent = tables.get(t.partitionOf);
      return parent ? qualify(parent.schema, parent.name) : partitionParentGuess(t);
    },
    inheritsOf(t) {
      return (t.inherits ?? []).map((p) => {
        const parent = tables.get(p);
        return parent ? qualify(parent.schema, parent.name) : splitQualified(p);
      });
    },
    partitionLocal(t) {
      const parent = t.partitionOf === null ? undefined : tables.get(t.partitionOf);
      const out = columnStorage(t, parent);
      if (!parent) return out;
      const name = qualify(t.schema, t.name);
      for (const c of t.columns) {
        const pc = parent.columns.find((x) => x.name === c.name);
        if (!pc) continue;
        const col = quoteIdent(c.name);
        if (c.notNull && !pc.notNull) out.push(`ALTER TABLE ${name} ALTER COLUMN ${col} SET NOT NULL;`);
        if (c.default !== pc.default) {
          out.push(`ALTER TABLE ${name} ALTER COLUMN ${col} ${c.default === null ? 'DROP DEFAULT' : `SET DEFAULT ${c.default}`};`);
        }
      }
      return out;
    },
    identitySequences(t) {
      const m = new Map<string, SequenceDef>();
      for (const c of t.columns) {
        const s = c.identity ? sequencesByOwner.get(`${qualifiedName(t)}.${c.name}`) : undefined;
        if (s?.identity) m.set(c.name, s);
      }
      return m;
    },
    table: (q) => tables.get(q),
  };
}

/** Without a model, split "schema.name" at the first dot (right unless the schema name holds a dot). */
export function partitionParentGuess(t: TableDef): string | null {
  return t.partitionOf === null ? null : splitQualified(t.partitionOf);
}

function inheritsGuess(t: TableDef): string[] {
  return (t.inherits ?? []).map(splitQualified);
}

function splitQualified(name: string): string {
  const dot = name.indexOf('.');
  return qualify(name.slice(0, dot), name.slice(dot + 1));
}

/** SET STORAGE for columns whose storage differs from their type's default (and, on a child, from its parent's). */
function columnStorage(t: TableDef, parent?: TableDef): string[] {
  return t.columns
    .filter((c) => c.storage !== undefined && parent?.columns.find((p) => p.name === c.name)?.storage !== c.storage)
    .map((c) => renderColumnStorage(t, c));
}

/** Parents before partitions and INHERITS children (a partition may itself be partitioned); otherwise model order. */
function creationOrder(tables: readonly TableDef[]): TableDef[] {
  const byName = new Map(tables.map((t) => [qualifiedName(t), t]));
  const depth = (t: TableDef): number => {
    const parents = [t.partitionOf, ...(t.inherits ?? [])].flatMap((p) => (p ? [byName.get(p)] : [])).filter((p) => p !== undefined);
    return parents.length ? 1 + Math.max(...parents.map(depth)) : 0;
  };
  return tables.map((t, i) => ({ t, i, d: depth(t) })).sort((a, b) => a.d - b.d || a.i - b.i).map((x) => x.t);
}

/**
 * Functions are created before tables so defaults, checks and types can use them. Two kinds must wait for the
 * tables: SQL-standard bodies (parsed at creation whatever check_function_bodies says) and functions whose
 * arguments or result are a table's or view's row type.
 */
function splitFunctions(model: CatalogModel): [FunctionDef[], FunctionDef[]] {
  const relations = [...model.tables, ...model.views].flatMap(mentionPatterns);
  const late = (f: FunctionDef) =>
    f.sqlStandardBody === true || relations.some((r) => (f.returns ?? '').includes(r) || f.identityArgs.includes(r));
  return [model.functions.filter((f) => !late(f)), calleesFirst(model.functions.filter(late))];
}

/** A SQL-standard body is parsed at creation: the functions it calls must exist first. Cycles keep model order. */
function calleesFirst(functions: readonly FunctionDef[]): FunctionDef[] {
  const key = (f: FunctionDef) => `${f.schema}.${f.name}(${f.identityArgs})`;
  const names = new Set(functions.map(key));
  const done = new Set<string>();
  const out: FunctionDef[] = [];
  let pending = [...functions];
  while (pending.length > 0) {
    const ready = pending.filter((f) => (f.calls ?? []).every((c) => done.has(c) || !names.has(c)));
    for (const f of ready.length > 0 ? ready : pending) {
      out.push(f);
      done.add(key(f));
    }
    pending = pending.filter((f) => !done.has(key(f)));
  }
  return out;
}

/** Views after the views they read (dependsOn); a cycle cannot exist, so leftovers keep model order. */
function viewOrder(views: readonly ViewDef[]): ViewDef[] {
  const names = new Set(views.map(qualifiedName));
  const done = new Set<string>();
  const out: ViewDef[] = [];
  let pending = [...views];
  while (pending.length > 0) {
    const ready = pending.filter((v) => (v.dependsOn ?? []).every((d) => done.has(d) || !names.has(d) || d === qualifiedName(v)));
    const batch = ready.length > 0 ? ready : pending;
    for (const v of batch) {
      out.push(v);
      done.add(qualifiedName(v));
    }
    pending = pending.filter((v) => !done.has(qualifiedName(v)));
  }
  return out;
}

/** ALTER SEQUENCE … OWNED BY for serial-style sequences (of the `only` tables, when given) */
function ownerships(model: CatalogModel, ctx: Context, only?: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const s of model.sequences) {
    if (s.identity || s.ownedBy === null) continue;
    const dot = s.ownedBy.lastIndexOf('.');
    const table = s.ownedBy.slice(0, dot);
    const t = ctx.table(table);
    if (t && (only === undefined || only.has(table))) out.push(renderSequenceOwner(s, t, s.ownedBy.slice(dot + 1)));
  }
  return out;
}

function grants(model: CatalogModel): string[] {
  const q = (o: { schema: string; name: string }) => qualify(o.schema, o.name);
  return [
    ...model.schemas.flatMap((s) => renderObjectGrants(`SCHEMA ${quoteIdent(s.name)}`, s.grants ?? [], null)),
    ...model.enums.flatMap((t) => renderObjectGrants(`TYPE ${q(t)}`, t.grants, 'USAGE')),
    ...(model.rangeTypes ?? []).flatMap((t) => renderObjectGrants(`TYPE ${q(t)}`, t.grants, 'USAGE')),
    ...model.domains.flatMap((t) => renderObjectGrants(`DOMAIN ${q(t)}`, t.grants, 'USAGE')),
    ...model.compositeTypes.flatMap((t) => renderObjectGrants(`TYPE ${q(t)}`, t.grants, 'USAGE')),
    ...model.functions.filter((f) => f.kind !== 'aggregate').flatMap((f) => renderObjectGrants(functionTarget(f), f.grants, 'EXECUTE')),
    ...[...model.tables, ...model.views].flatMap((t) => (t.grants ?? []).map((g) => renderGrant(t, g))),
    ...model.tables.flatMap((t) => t.columns.flatMap((c) => (c.grants ?? []).map((g) => renderColumnGrant(t, c.name, g)))),
    // Last, as pg_dump does: they apply to objects created after them, and everything above is explicit.
    ...(model.defaultPrivileges ?? []).map(renderDefaultPrivilege),
  ];
}

function tableComments(t: TableDef): string[] {
  const out: string[] = [];
  const name = qualify(t.schema, t.name);
  if (t.comment !== null) out.push(renderComment(`TABLE ${name}`, t.comment));
  for (const c of t.columns) {
    if (c.comment !== null) out.push(renderComment(`COLUMN ${name}.${quoteIdent(c.name)}`, c.comment));
  }
  return [...out, ...partComments(t)];
}

/** COMMENT ON CONSTRAINT / INDEX / TRIGGER / POLICY for the parts of a table or view that carry one. */
function partComments(t: {
  schema: string;
  name: string;
  constraints?: readonly ConstraintDef[];
  indexes: readonly IndexDef[];
  triggers?: readonly TriggerDef[];
  policies?: readonly PolicyDef[];
}): string[] {
  const on = qualify(t.schema, t.name);
  const pick = <T extends { name: string; comment?: string }>(xs: readonly T[] | undefined, target: (x: T) => string) =>
    (xs ?? []).flatMap((x) => (x.comment === undefined ? [] : [renderComment(target(x), x.comment)]));
  return [
    ...pick(t.constraints, (c) => `CONSTRAINT ${quoteIdent(c.name)} ON ${on}`),
    ...pick(t.indexes, (i) => `INDEX ${qualify(t.schema, i.name)}`),
    ...pick(t.triggers, (tr) => `TRIGGER ${quoteIdent(tr.name)} ON ${on}`),
    ...pick(t.policies, (p) => `POLICY ${quoteIdent(p.name)} ON ${on}`),
  ];
}

function comments(model: CatalogModel): string[] {
  const q = (o: { schema: string; name: string }) => qualify(o.schema, o.name);
  return [
    ...model.schemas.filter((s) => s.comment !== null).map((s) => renderComment(`SCHEMA ${quoteIdent(s.name)}`, s.comment)),
    ...model.enums.filter((e) => e.comment !== null).map((e) => renderComment(`TYPE ${q(e)}`, e.comment)),
    ...model.domains.filter((d) => d.comment !== null).map((d) => renderComment(`DOMAIN ${q(d)}`, d.comment)),
    ...model.compositeTypes.filter((c) => c.comment !== null).map((c) => renderComment(`TYPE ${q(c)}`, c.comment)),
    ...model.tables.flatMap(tableComments),
    ...model.views
      .filter((v) => v.comment !== null)
      .map((v) => renderComment(`${v.materialized ? 'MATERIALIZED VIEW' : 'VIEW'} ${q(v)}`, v.comment)),
    ...model.views.flatMap(partComments),
    ...(model.eventTriggers ?? []).filter((e) => e.comment !== null).map((e) => renderComment(`EVENT TRIGGER ${quoteIdent(e.name)}`, e.comment)),
    ...(model.foreignTables ?? []).filter((t) => t.comment !== null).map((t) => renderComment(`FOREIGN TABLE ${q(t)}`, t.comment)),
    ...(model.collations ?? []).filter((c) => c.comment !== null).map((c) => renderComment(`COLLATION ${q(c)}`, c.comment)),
    ...(model.rangeTypes ?? []).filter((r) => r.comment !== null).map((r) => renderComment(`TYPE ${q(r)}`, r.comment)),
    ...model.functions.filter((f) => f.comment !== null).map((f) => renderComment(functionCommentTarget(f), f.comment)),
  ];
}

/**
 * A dollar-quote tag that does not occur in `sql`, so a body or value that holds the text `$pgsnap$` cannot end
 * the quote early: `$pgsnap$`, else one numbered past every numbered tag the text holds (one linear scan).
 */
function dollarTagFor(sql: string): string {
  if (!sql.includes('$pgsnap')) return '$pgsnap$';
  let highest = 0;
  for (const m of sql.matchAll(/\$pgsnap(\d{0,9})\$/g)) highest = Math.max(highest, Number(m[1] || 0) + 1);
  const tag = `$pgsnap${highest}$`;
  // only a text holding a ten-digit tag gets here; a 64-bit random tag is as good
  return sql.includes(tag) ? `$pgsnap_${randomBytes(8).toString('hex')}$` : tag;
}
