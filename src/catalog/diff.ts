import { qualify, quoteIdent } from '../sql/quote.js';
import type {
  CatalogModel,
  ColumnDef,
  ConstraintDef,
  DefaultPrivilegeDef,
  FunctionDef,
  GrantDef,
  IndexDef,
  PolicyDef,
  RuleDef,
  SchemaDef,
  SequenceDef,
  TableDef,
  TriggerDef,
  ViewDef,
} from './model.js';
import { qualifiedName } from './model.js';
import { canonicalViewDefinition, collapseWhitespace, normalizeBody } from './normalize.js';
import {
  functionCommentTarget,
  functionTarget,
  renderCollation,
  renderDomain,
  renderEventTrigger,
  renderForeignServer,
  renderForeignTable,
  renderPublication,
  renderRangeType,
  renderRule,
} from './render-object.js';
import type { Fact } from './render-difference.js';
import { serialDifferences, serialSequenceNames } from './serial.js';

/**
 * Every kind of difference `diff` reports. A dotted kind is one aspect of its parent (`column.type` is a column
 * whose type differs), so an ignore rule on `column` can cover them all.
 */
export const DIFFERENCE_KINDS = [
  'schema',
  'extension',
  // only where the schema files pin a version (drift/extension-versions.ts), never here
  'extension.version',
  'collation',
  'enum',
  'range_type',
  'domain',
  'composite_type',
  'sequence',
  'function',
  'procedure',
  'aggregate',
  'table',
  'column',
  'column.type',
  'column.nullability',
  'column.default',
  'column.identity',
  'column.generated',
  'column.collation',
  'column.storage',
  'primary_key',
  'unique',
  'check',
  'exclusion',
  'foreign_key',
  'constraint.validated',
  'index',
  'replica_identity',
  'view',
  'view.options',
  'materialized_view',
  'materialized_view.options',
  'trigger',
  'trigger.enabled',
  'rule',
  'event_trigger',
  'publication',
  'publication.table',
  'foreign_server',
  'user_mapping',
  'foreign_table',
  'rls',
  'rls.forced',
  'policy',
  'grant',
  'column.grant',
  'default_privilege',
  'comment',
] as const;
type DifferenceKind = (typeof DIFFERENCE_KINDS)[number];

/**
 * One difference between the desired model (schema files) and the actual one (live database).
 * `missing`: only in desired; `extra`: only in actual; `changed`: in both, different. `desired` / `actual` are
 * the facts of each side (absent on the side that lacks it): the model objects that define what differs, with
 * the form they are shown in. The diff renders nothing; whoever makes findings of it renders the facts
 * (render-difference.ts), so the core stays a comparison of models.
 *
 * `object` is fully qualified: `schema` for schemas, `name` for extensions, `schema.name` for types, sequences,
 * tables, views and indexes (index names are schema-wide), `schema.name(identity args)` for functions,
 * `schema.table.name` for columns, constraints, triggers and policies, and `schema.table.grantee.PRIVILEGE` for
 * grants. A comment difference names the commented object.
 */
export interface Difference {
  readonly kind: DifferenceKind;
  readonly change: 'missing' | 'extra' | 'changed';
  readonly object: string;
  readonly desired?: Fact;
  readonly actual?: Fact;
}

/**
 * Compare two catalog models by identity, never by position. Pure. Inside an object that exists on one side
 * only, nothing more is reported (a missing table is one difference, not one per column).
 */
export function diff(desired: CatalogModel, actual: CatalogModel): Difference[] {
  const out: Difference[] = [];
  const cmp = comparer(out);
  const sides: Sides = { desired: lookups(desired), actual: lookups(actual) };
  const acrossPg15 = desired.serverMajor < 15 !== actual.serverMajor < 15;

  cmp(desired.schemas, actual.schemas, {
    kind: () => 'schema',
    key: (s) => s.name,
    fact: (s) => ({ form: 'schema', of: [s] }),
    same: () => true,
    inBoth: (d, a) => {
      comment(out, d.name, `SCHEMA ${quoteIdent(d.name)}`, d.comment, a.comment);
      objectGrants(out, d.name, `SCHEMA ${quoteIdent(d.name)}`, schemaGrants(d, acrossPg15), schemaGrants(a, acrossPg15));
    },
  });
  cmp(desired.collations ?? [], actual.collations ?? [], {
    kind: () => 'collation',
    key: qualifiedName,
    fact: (c) => ({ form: 'collation', of: [c] }),
    same: (d, a) => renderCollation(d) === renderCollation(a),
    inBoth: (d, a) => comment(out, qualifiedName(d), `COLLATION ${qualify(d.schema, d.name)}`, d.comment, a.comment),
  });
  cmp(desired.rangeTypes ?? [], actual.rangeTypes ?? [], {
    kind: () => 'range_type',
    key: qualifiedName,
    fact: (r) => ({ form: 'range_type', of: [r] }),
    same: (d, a) => renderRangeType(d) === renderRangeType(a),
    inBoth: (d, a) => typeParts(out, d, a, 'TYPE'),
  });
  cmp(desired.publications ?? [], actual.publications ?? [], {
    kind: () => 'publication',
    key: (p) => p.name,
    fact: (p) => ({ form: 'publication', of: [p] }),
    same: (d, a) => renderPublication(d) === renderPublication(a),
    changedFact: (p) => ({ form: 'publication_header', of: [p] }),
    inBoth: (d, a) =>
      comparer(out)(
        d.tables,
        a.tables,
        {
          kind: () => 'publication.table',
          key: qualifiedName,
          fact: (t) => ({ form: 'publication_table', of: [d, t] }),
          same: (x, y) => sameJson(x, y),
        },
        `${d.name}.`,
      ),
  });
  cmp(desired.eventTriggers ?? [], actual.eventTriggers ?? [], {
    kind: () => 'event_trigger',
    key: (e) => e.name,
    fact: (e) => ({ form: 'event_trigger', of: [e] }),
    same: (d, a) => renderEventTrigger(d) === renderEventTrigger(a),
    inBoth: (d, a) => comment(out, d.name, `EVENT TRIGGER ${quoteIdent(d.name)}`, d.comment, a.comment),
  });
  cmp(desired.foreignServers ?? [], actual.foreignServers ?? [], {
    kind: () => 'foreign_server',
    key: (s) => s.name,
    fact: (f) => ({ form: 'foreign_server', of: [f] }),
    same: (d, a) => renderForeignServer(d) === renderForeignServer(a),
    inBoth: (d, a) =>
      // Only whether a mapping exists: its options hold passwords, which are never read.
      comparer(out)(
        d.userMappings,
        a.userMappings,
        { kind: () => 'user_mapping', key: (r) => r, fact: (r) => ({ form: 'user_mapping', of: [d.name, r] }), same: () => true },
        `${d.name}.`,
      ),
  });
  cmp(desired.foreignTables ?? [], actual.foreignTables ?? [], {
    kind: () => 'foreign_table',
    key: qualifiedName,
    fact: (f) => ({ form: 'foreign_table', of: [f] }),
    same: (d, a) => renderForeignTable(d) === renderForeignTable(a),
    inBoth: (d, a) => comment(out, qualifiedName(d), `FOREIGN TABLE ${qualify(d.schema, d.name)}`, d.comment, a.comment),
  });
  cmp(desired.defaultPrivileges ?? [], actual.defaultPrivileges ?? [], {
    kind: () => 'default_privilege',
    key: defaultPrivilegeObject,
    fact: (p) => ({ form: 'default_privilege', of: [p] }),
    same: (d, a) => d.grantable === a.grantable,
  });
  // Versions are not compared here: the shadow's bundled versions need not match the live one's (drift/extension-versions.ts compares pinned ones).
  cmp(desired.extensions, actual.extensions, {
    kind: () => 'extension',
    key: (e) => e.name,
    fact: (e) => ({ form: 'extension', of: [e] }),
    same: (d, a) => d.schema === a.schema,
  });
  cmp(desired.enums, actual.enums, {
    kind: () => 'enum',
    key: qualifiedName,
    fact: (e) => ({ form: 'enum', of: [e] }),
    same: (d, a) => sameJson(d.labels, a.labels),
    inBoth: (d, a) => typeParts(out, d, a, 'TYPE'),
  });
  cmp(desired.domains, actual.domains, {
    kind: () => 'domain',
    key: qualifiedName,
    fact: (x) => ({ form: 'domain', of: [x] }),
    same: (d, a) => renderDomain(d) === renderDomain(a),
    inBoth: (d, a) => typeParts(out, d, a, 'DOMAIN'),
  });
  cmp(desired.compositeTypes, actual.compositeTypes, {
    kind: () => 'composite_type',
    key: qualifiedName,
    fact: (c) => ({ form: 'composite_type', of: [c] }),
    same: (d, a) => sameJson(d.attributes, a.attributes),
    inBoth: (d, a) => typeParts(out, d, a, 'TYPE'),
  });
  // An identity column's sequence is compared through the column (column.identity), a serial column's with its
  // column (serial.ts): neither is a finding of its own.
  const serial = serialSequenceNames(desired, actual);
  const ownSequence = (s: SequenceDef) => !s.identity && !serial.has(qualifiedName(s));
  cmp(desired.sequences.filter(ownSequence), actual.sequences.filter(ownSequence), {
    kind: () => 'sequence',
    key: qualifiedName,
    fact: (s) => ({ form: 'sequence', of: [s] }),
    same: (d, a) => sameJson(d, a),
  });
  for (const x of serialDifferences(desired, actual, serial)) {
    out.push({
      kind: 'column',
      change: 'changed',
      object: x.column,
      desired: { form: 'sequence', of: [x.desired] },
      actual: { form: 'sequence', of: [x.actual] },
    });
  }
  cmp(desired.functions, actual.functions, {
    kind: (f) => (f.kind === 'window' ? 'function' : f.kind),
    key: functionKey,
    fact: (f) => ({ form: 'function', of: [f] }),
    same: sameFunction,
    inBoth: (d, a) => {
      comment(out, functionKey(d), functionCommentTarget(d), d.comment, a.comment);
      if (d.kind !== 'aggregate') objectGrants(out, functionKey(d), functionTarget(d), d.grants, a.grants);
    },
  });
  cmp(desired.tables, actual.tables, {
    kind: () => 'table',
    key: qualifiedName,
    fact: (t) => ({ form: 'table', of: [t] }),
    same: (d, a) =>
      d.kind === a.kind &&
      d.unlogged === a.unlogged &&
      d.partitionOf === a.partitionOf &&
      d.partitionBound === a.partitionBound &&
      d.partitionKey === a.partitionKey &&
      sameJson(d.inherits ?? [], a.inherits ?? []),
    changedFact: (t) => ({ form: 'table_header', of: [t] }),
    inBoth: (d, a) => tableParts(out, d, a, sides),
  });
  cmp(desired.views, actual.views, {
    kind: (v) => (v.materialized ? 'materialized_view' : 'view'),
    key: qualifiedName,
    fact: (v) => ({ form: 'view', of: [v] }),
    same: (d, a) => d.materialized === a.materialized && canonicalViewDefinition(d.definition) === canonicalViewDefinition(a.definition),
    inBoth: (d, a) => viewParts(out, d, a),
  });
  return out;
}

/** What comparing a table needs from the rest of its model: its parent, and its identity columns' sequences. */
interface Lookups {
  table(qualified: string): TableDef | undefined;
  identitySequence(column: string): SequenceDef | undefined;
}
interface Sides {
  readonly desired: Lookups;
  readonly actual: Lookups;
}

function lookups(m: CatalogModel): Lookups {
  const tables = new Map(m.tables.map((t) => [qualifiedName(t), t]));
  const sequences = new Map(m.sequences.filter((s) => s.identity && s.ownedBy !== null).map((s) => [s.ownedBy as string, s]));
  return { table: (q) => tables.get(q), identitySequence: (c) => sequences.get(c) };
}

/** The sequence options of an identity column that change behaviour (the sequence's name does not). */
function identityOptions(s: SequenceDef | undefined): unknown {
  return s ? [s.dataType, s.start, s.increment, s.min, s.max, s.cache, s.cycle] : null;
}

/** The parents a child table takes columns from: its partitioned parent, or its INHERITS parents. */
function parentsOf(t: TableDef, l: Lookups): TableDef[] {
  return [t.partitionOf, ...(t.inherits ?? [])].flatMap((p) => {
    const parent = p ? l.table(p) : undefined;
    return parent ? [parent] : [];
  });
}

/**
 * A child's column difference that its parent has too (the same aspect, same values on each side) has one cause,
 * the parent: report it there once, not once per partition.
 */
function inheritedDifference(
  column: string,
  aspect: (c: ColumnDef) => unknown,
  dParents: readonly TableDef[],
  aParents: readonly TableDef[],
  dValue: unknown,
  aValue: unknown,
): boolean {
  const from = (parents: readonly TableDef[]) => parents.map((p) => p.columns.find((c) => c.name === column)).find((c) => c !== undefined);
  const dp = from(dParents);
  const ap = from(aParents);
  return dp !== undefined && ap !== undefined && sameJson(aspect(dp), dValue) && sameJson(aspect(ap), aValue);
}

/**
 * PostgreSQL 15 stopped giving PUBLIC CREATE on schema `public`. Between a 14-or-older and a 15-or-newer model
 * that grant is the versions' difference, not drift: it is left out of both sides then.
 */
function schemaGrants(s: SchemaDef, acrossPg15: boolean): readonly GrantDef[] {
  const grants = s.grants ?? [];
  return s.name === 'public' && acrossPg15 ? grants.filter((g) => !(g.grantee === 'public' && g.privilege === 'CREATE')) : grants;
}

/** `role.schema.objects.grantee.PRIVILEGE` with `owner` for the database owner's defaults and `*` for database-wide */
export function defaultPrivilegeObject(p: DefaultPrivilegeDef): string {
  return `${p.role ?? 'owner'}.${p.schema ?? '*'}.${p.objectType}.${p.grantee}.${p.privilege}${p.revoked ? '.revoked' : ''}`;
}

function typeParts(out: Difference[], d: TypeLike, a: TypeLike, word: 'TYPE' | 'DOMAIN'): void {
  const target = `${word} ${qualify(d.schema, d.name)}`;
  comment(out, qualifiedName(d), target, d.comment, a.comment);
  objectGrants(out, qualifiedName(d), target, d.grants, a.grants);
}
type TypeLike = { schema: string; name: string; comment: string | null; grants?: readonly GrantDef[] };

/**
 * Grants on a schema, type or function, keyed `object.grantee.PRIVILEGE`. A side read before privileges were
 * (undefined) is not compared.
 */
function objectGrants(
  out: Difference[],
  object: string,
  target: string,
  desired: readonly GrantDef[] | undefined,
  actual: readonly GrantDef[] | undefined,
): void {
  if (desired === undefined || actual === undefined) return;
  comparer(out)(
    desired,
    actual,
    {
      kind: () => 'grant',
      key: (g) => `${g.grantee}.${g.privilege}`,
      fact: (g) => ({ form: 'object_grant', of: [target, g] }),
      same: (x, y) => x.grantable === y.grantable,
    },
    `${object}.`,
  );
}

interface Spec<T> {
  kind(x: T): DifferenceKind;
  key(x: T): string;
  /** what a side of a difference shows of the object */
  fact(x: T): Fact;
  same(d: T, a: T): boolean;
  /** a shorter fact for `changed` (defaults to fact) */
  changedFact?(x: T): Fact;
  /** compare what lives inside an object present on both sides */
  inBoth?(d: T, a: T): void;
}

/** missing / extra / changed for two lists of one kind of object, keyed by identity */
function comparer(out: Difference[]) {
  return <T>(desired: readonly T[], actual: readonly T[], spec: Spec<NoInfer<T>>, prefix = ''): void => {
    const actualByKey = new Map(actual.map((a) => [spec.key(a), a]));
    const desiredKeys = new Set(desired.map(spec.key));
    for (const d of desired) {
      const object = prefix + spec.key(d);
      const a = actualByKey.get(spec.key(d));
      if (a === undefined) {
        out.push({ kind: spec.kind(d), change: 'missing', object, desired: spec.fact(d) });
        continue;
      }
      if (!spec.same(d, a)) {
        const fact = spec.changedFact ?? spec.fact;
        out.push({ kind: spec.kind(d), change: 'changed', object, desired: fact(d), actual: fact(a) });
      }
      spec.inBoth?.(d, a);
    }
    for (const a of actual) {
      if (!desiredKeys.has(spec.key(a))) out.push({ kind: spec.kind(a), change: 'extra', object: prefix + spec.key(a), actual: spec.fact(a) });
    }
  };
}

function comment(out: Difference[], object: string, target: string, desired: string | null, actual: string | null): void {
  if (desired === actual) return;
  out.push({
    kind: 'comment',
    change: desired === null ? 'extra' : actual === null ? 'missing' : 'changed',
    object,
    ...(desired === null ? {} : { desired: { form: 'comment', of: [target, desired] } }),
    ...(actual === null ? {} : { actual: { form: 'comment', of: [target, actual] } }),
  });
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function functionKey(f: FunctionDef): string {
  return `${f.schema}.${f.name}(${f.identityArgs})`;
}

/** The definition without its body, so the body can be compared whitespace-insensitively on its own. */
function functionHeader(f: FunctionDef): string {
  const at = f.body === '' ? -1 : f.definition.indexOf(f.body);
  // The whitespace around the body belongs to the body: `$function$ x $function$` and `$function$x$function$` match.
  const header = at === -1 ? f.definition : `${f.definition.slice(0, at).trimEnd()} ${f.definition.slice(at + f.body.length).trimStart()}`;
  return collapseWhitespace(header);
}

function sameFunction(d: FunctionDef, a: FunctionDef): boolean {
  return (
    d.kind === a.kind &&
    d.returns === a.returns &&
    d.language === a.language &&
    d.securityDefiner === a.securityDefiner &&
    d.volatility === a.volatility &&
    normalizeBody(d.language, d.body) === normalizeBody(a.language, a.body) &&
    functionHeader(d) === functionHeader(a)
  );
}

const CONSTRAINT_KINDS = {
  primary: 'primary_key',
  unique: 'unique',
  check: 'check',
  exclusion: 'exclusion',
  foreign: 'foreign_key',
} as const;

/** NOT VALID says whether old rows were checked, not what the rule is: compared on its own (constraint.validated). */
function constraintRule(c: ConstraintDef): string {
  return c.definition.replace(/ NOT VALID$/, '');
}

const COLUMN_ASPECTS: readonly [DifferenceKind, (c: ColumnDef) => unknown][] = [
  ['column.type', (c) => c.type],
  ['column.nullability', (c) => c.notNull],
  ['column.default', (c) => c.default],
  ['column.identity', (c) => c.identity],
  ['column.generated', (c) => [c.generated, c.virtual ?? false]],
  ['column.collation', (c) => c.collation],
  ['column.storage', (c) => c.storage ?? null],
];

function tableParts(out: Difference[], d: TableDef, a: TableDef, sides: Sides): void {
  const table = `${qualifiedName(d)}.`;
  const name = qualify(d.schema, d.name);
  const cmp = comparer(out);
  comment(out, qualifiedName(d), `TABLE ${name}`, d.comment, a.comment);
  const dParents = parentsOf(d, sides.desired);
  const aParents = parentsOf(a, sides.actual);
  const seq = (l: Lookups, c: ColumnDef) => (c.identity ? l.identitySequence(table + c.name) : undefined);

  const actualColumns = new Map(a.columns.map((c) => [c.name, c]));
  for (const dc of d.columns) {
    const ac = actualColumns.get(dc.name);
    if (!ac) continue;
    const ds = seq(sides.desired, dc);
    const as = seq(sides.actual, ac);
    const aspects: [DifferenceKind, (c: ColumnDef) => unknown][] = [
      ...COLUMN_ASPECTS,
      // START, INCREMENT, MIN/MAX, CACHE, CYCLE of the identity's sequence (only when both are identity columns)
      ['column.identity', (c) => (dc.identity && ac.identity ? identityOptions(c === dc ? ds : as) : null)],
    ];
    for (const [kind, aspect] of aspects) {
      if (sameJson(aspect(dc), aspect(ac)) || inheritedDifference(dc.name, aspect, dParents, aParents, aspect(dc), aspect(ac))) continue;
      if (out.some((x) => x.kind === kind && x.object === table + dc.name)) continue;
      out.push({ kind, change: 'changed', object: table + dc.name, desired: columnFact(d, dc, ds, kind), actual: columnFact(a, ac, as, kind) });
    }
    comment(out, table + dc.name, `COLUMN ${name}.${quoteIdent(dc.name)}`, dc.comment, ac.comment);
    comparer(out)(
      dc.grants ?? [],
      ac.grants ?? [],
      {
        kind: () => 'column.grant',
        key: (g) => `${g.grantee}.${g.privilege}`,
        fact: (g) => ({ form: 'column_grant', of: [d, dc.name, g] }),
        same: (x, y) => x.grantable === y.grantable,
      },
      `${table}${dc.name}.`,
    );
  }
  // A column a child gets from its parent is added or dropped with the parent: one difference, on the parent.
  const fromParents = (parents: readonly TableDef[]) => new Set(parents.flatMap((p) => p.columns.map((c) => c.name)));
  const dInherited = fromParents(dParents);
  const aInherited = fromParents(aParents);
  const desiredColumns = new Set(d.columns.map((c) => c.name));
  cmp(
    d.columns.filter((c) => actualColumns.has(c.name) || !(dInherited.has(c.name) && !aInherited.has(c.name))),
    a.columns.filter((c) => desiredColumns.has(c.name) || !(aInherited.has(c.name) && !dInherited.has(c.name))),
    {
      kind: () => 'column',
      key: (c) => c.name,
      fact: (c) => ({ form: 'add_column', of: [d, c] }),
      // aspects are reported above, one difference each
      same: () => true,
    },
    table,
  );
  cmp(
    d.constraints,
    a.constraints,
    {
      kind: (c) => CONSTRAINT_KINDS[c.kind],
      key: (c) => c.name,
      fact: (c) => ({ form: 'constraint', of: [d, c] }),
      same: (x, y) => x.kind === y.kind && constraintRule(x) === constraintRule(y),
      inBoth: (x, y) => {
        // Validated or not is its own difference: NOT VALID means rows from before it may break the rule.
        if (x.kind === y.kind && constraintRule(x) === constraintRule(y) && x.notValid !== y.notValid) {
          out.push({
            kind: 'constraint.validated',
            change: 'changed',
            object: table + x.name,
            desired: { form: 'constraint', of: [d, x] },
            actual: { form: 'constraint', of: [a, y] },
          });
        }
        partComment(out, table + x.name, `CONSTRAINT ${quoteIdent(x.name)} ON ${name}`, x, y);
      },
    },
    table,
  );
  indexes(out, d.schema, d.indexes, a.indexes);
  cmp<TriggerDef>(
    d.triggers,
    a.triggers,
    {
      kind: () => 'trigger',
      key: (t) => t.name,
      fact: (t) => ({ form: 'trigger', of: [d, t] }),
      same: (x, y) => x.definition === y.definition,
      inBoth: (x, y) => {
        if (x.enabled !== y.enabled) {
          out.push({
            kind: 'trigger.enabled',
            change: 'changed',
            object: table + x.name,
            desired: { form: 'trigger', of: [d, x] },
            actual: { form: 'trigger', of: [a, y] },
          });
        }
        partComment(out, table + x.name, `TRIGGER ${quoteIdent(x.name)} ON ${name}`, x, y);
      },
    },
    table,
  );
  if (d.rowSecurity !== a.rowSecurity) out.push(rls('rls', d, d.rowSecurity, a.rowSecurity));
  if (d.forceRowSecurity !== a.forceRowSecurity) {
    out.push(rls('rls.forced', d, d.forceRowSecurity, a.forceRowSecurity));
  }
  cmp<PolicyDef>(
    d.policies,
    a.policies,
    {
      kind: () => 'policy',
      key: (p) => p.name,
      fact: (p) => ({ form: 'policy', of: [d, p] }),
      same: (x, y) => sameJson({ ...x, comment: null }, { ...y, comment: null }),
      inBoth: (x, y) => partComment(out, table + x.name, `POLICY ${quoteIdent(x.name)} ON ${name}`, x, y),
    },
    table,
  );
  rules(out, d, d.rules, a.rules);
  grants(out, d, d.grants, a.grants);
  if ((d.replicaIdentity ?? 'default') !== (a.replicaIdentity ?? 'default')) {
    out.push({
      kind: 'replica_identity',
      change: 'changed',
      object: qualifiedName(d),
      desired: { form: 'replica_identity', of: [d] },
      actual: { form: 'replica_identity', of: [a] },
    });
  }
}

function partComment(out: Difference[], object: string, target: string, d: { comment?: string }, a: { comment?: string }): void {
  comment(out, object, target, d.comment ?? null, a.comment ?? null);
}

/** A column's side of an aspect difference: its definition, with the sequence options or storage when they differ. */
function columnFact(t: TableDef, c: ColumnDef, identitySequence: SequenceDef | undefined, kind: DifferenceKind): Fact {
  if (kind === 'column.storage') return { form: 'column_storage', of: [t, c] };
  return { form: 'column', of: [c, kind === 'column.identity' ? identitySequence : undefined] };
}

function rls(kind: 'rls' | 'rls.forced', t: TableDef, desired: boolean, actual: boolean): Difference {
  return { kind, change: 'changed', object: qualifiedName(t), desired: { form: kind, of: [t, desired] }, actual: { form: kind, of: [t, actual] } };
}

/** Indexes are keyed schema + name; the ones behind constraints are compared as the constraint. */
function indexes(out: Difference[], schema: string, desired: readonly IndexDef[], actual: readonly IndexDef[]): void {
  comparer(out)(
    desired.filter((i) => !i.constraint),
    actual.filter((i) => !i.constraint),
    {
      kind: () => 'index',
      key: (i) => i.name,
      fact: (i) => ({ form: 'index', of: [i] }),
      same: (x, y) => x.definition === y.definition,
      inBoth: (x, y) => partComment(out, `${schema}.${x.name}`, `INDEX ${qualify(schema, x.name)}`, x, y),
    },
    `${schema}.`,
  );
}

function grants(out: Difference[], on: { schema: string; name: string }, desired: readonly GrantDef[], actual: readonly GrantDef[]): void {
  comparer(out)(
    desired,
    actual,
    {
      kind: () => 'grant',
      key: (g) => `${g.grantee}.${g.privilege}`,
      fact: (g) => ({ form: 'grant', of: [on, g] }),
      same: (x, y) => x.grantable === y.grantable,
    },
    `${qualifiedName(on)}.`,
  );
}

function viewParts(out: Difference[], d: ViewDef, a: ViewDef): void {
  const name = qualify(d.schema, d.name);
  comment(out, qualifiedName(d), `${d.materialized ? 'MATERIALIZED VIEW' : 'VIEW'} ${name}`, d.comment, a.comment);
  // security_invoker decides whose RLS applies; check_option, security_barrier and storage parameters change behaviour too.
  if (d.materialized === a.materialized && !sameJson(d.options ?? [], a.options ?? [])) {
    out.push({
      kind: d.materialized ? 'materialized_view.options' : 'view.options',
      change: 'changed',
      object: qualifiedName(d),
      desired: { form: 'view', of: [d] },
      actual: { form: 'view', of: [a] },
    });
  }
  indexes(out, d.schema, d.indexes, a.indexes);
  const view = `${qualifiedName(d)}.`;
  comparer(out)<TriggerDef>(
    d.triggers ?? [],
    a.triggers ?? [],
    {
      kind: () => 'trigger',
      key: (t) => t.name,
      fact: (t) => ({ form: 'trigger', of: [d, t] }),
      same: (x, y) => x.definition === y.definition && x.enabled === y.enabled,
      inBoth: (x, y) => partComment(out, view + x.name, `TRIGGER ${quoteIdent(x.name)} ON ${name}`, x, y),
    },
    view,
  );
  rules(out, d, d.rules, a.rules);
  grants(out, d, d.grants ?? [], a.grants ?? []);
}

function rules(out: Difference[], on: { schema: string; name: string }, desired: readonly RuleDef[] | undefined, actual: readonly RuleDef[] | undefined): void {
  comparer(out)(
    desired ?? [],
    actual ?? [],
    { kind: () => 'rule', key: (r) => r.name, fact: (r) => ({ form: 'rule', of: [on, r] }), same: (x, y) => renderRule(on, x) === renderRule(on, y) },
    `${qualifiedName(on)}.`,
  );
}
