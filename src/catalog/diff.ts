import { qualify, quoteIdent } from '../db/client.js';
import type {
  CatalogModel,
  ColumnDef,
  ConstraintDef,
  FunctionDef,
  GrantDef,
  IndexDef,
  PolicyDef,
  SequenceDef,
  TableDef,
  TriggerDef,
  ViewDef,
} from './model.js';
import { qualifiedName } from './model.js';
import { canonicalViewDefinition, collapseWhitespace, normalizeBody } from './normalize.js';
import {
  functionCommentTarget,
  renderColumn,
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
  renderPolicy,
  renderSchema,
  renderSequence,
  renderTrigger,
  renderView,
} from './render-object.js';
import { partitionParentGuess, renderTable } from './render.js';
import { serialDifferences, serialSequenceNames } from './serial.js';

/**
 * Every kind of difference `diff` reports. A dotted kind is one aspect of its parent (`column.type` is a column
 * whose type differs), so an ignore rule on `column` can cover them all.
 */
export const DIFFERENCE_KINDS = [
  'schema',
  'extension',
  'enum',
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
  'primary_key',
  'unique',
  'check',
  'exclusion',
  'foreign_key',
  'index',
  'view',
  'materialized_view',
  'trigger',
  'trigger.enabled',
  'rls',
  'rls.forced',
  'policy',
  'grant',
  'comment',
] as const;
export type DifferenceKind = (typeof DIFFERENCE_KINDS)[number];

/**
 * One difference between the desired model (schema files) and the actual one (live database).
 * `missing`: only in desired; `extra`: only in actual; `changed`: in both, different. `desired` / `actual` are
 * the rendered definitions of the object on each side (absent on the side that lacks it).
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
  readonly desired?: string;
  readonly actual?: string;
}

/**
 * Compare two catalog models by identity, never by position. Pure. Inside an object that exists on one side
 * only, nothing more is reported (a missing table is one difference, not one per column).
 */
export function diff(desired: CatalogModel, actual: CatalogModel): Difference[] {
  const out: Difference[] = [];
  const cmp = comparer(out);

  cmp(desired.schemas, actual.schemas, {
    kind: () => 'schema',
    key: (s) => s.name,
    render: renderSchema,
    same: () => true,
    inBoth: (d, a) => comment(out, d.name, `SCHEMA ${quoteIdent(d.name)}`, d.comment, a.comment),
  });
  // Versions are not compared: the shadow server's bundled extension versions need not match the live one's.
  cmp(desired.extensions, actual.extensions, {
    kind: () => 'extension',
    key: (e) => e.name,
    render: renderExtension,
    same: (d, a) => d.schema === a.schema,
  });
  cmp(desired.enums, actual.enums, {
    kind: () => 'enum',
    key: qualifiedName,
    render: renderEnum,
    same: (d, a) => sameJson(d.labels, a.labels),
    inBoth: (d, a) => comment(out, qualifiedName(d), `TYPE ${qualify(d.schema, d.name)}`, d.comment, a.comment),
  });
  cmp(desired.domains, actual.domains, {
    kind: () => 'domain',
    key: qualifiedName,
    render: renderDomain,
    same: (d, a) => renderDomain(d) === renderDomain(a),
    inBoth: (d, a) => comment(out, qualifiedName(d), `DOMAIN ${qualify(d.schema, d.name)}`, d.comment, a.comment),
  });
  cmp(desired.compositeTypes, actual.compositeTypes, {
    kind: () => 'composite_type',
    key: qualifiedName,
    render: renderCompositeType,
    same: (d, a) => sameJson(d.attributes, a.attributes),
    inBoth: (d, a) => comment(out, qualifiedName(d), `TYPE ${qualify(d.schema, d.name)}`, d.comment, a.comment),
  });
  // An identity column's sequence is compared through the column (column.identity), a serial column's with its
  // column (serial.ts): neither is a finding of its own.
  const serial = serialSequenceNames(desired, actual);
  const ownSequence = (s: SequenceDef) => !s.identity && !serial.has(qualifiedName(s));
  const sequenceText = (s: SequenceDef) => renderSequence(s) + (s.ownedBy ? `\n-- OWNED BY ${s.ownedBy}` : '');
  cmp(desired.sequences.filter(ownSequence), actual.sequences.filter(ownSequence), {
    kind: () => 'sequence',
    key: qualifiedName,
    render: sequenceText,
    same: (d, a) => sameJson(d, a),
  });
  for (const x of serialDifferences(desired, actual, serial)) {
    out.push({ kind: 'column', change: 'changed', object: x.column, desired: sequenceText(x.desired), actual: sequenceText(x.actual) });
  }
  cmp(desired.functions, actual.functions, {
    kind: (f) => f.kind === 'window' ? 'function' : f.kind,
    key: functionKey,
    render: renderFunction,
    same: sameFunction,
    inBoth: (d, a) => comment(out, functionKey(d), functionCommentTarget(d), d.comment, a.comment),
  });
  cmp(desired.tables, actual.tables, {
    kind: () => 'table',
    key: qualifiedName,
    render: (t) => renderTable(t).trimEnd(),
    same: (d, a) =>
      d.kind === a.kind &&
      d.unlogged === a.unlogged &&
      d.partitionOf === a.partitionOf &&
      d.partitionBound === a.partitionBound &&
      d.partitionKey === a.partitionKey,
    changedText: (t) => renderCreateTable(t, partitionParentGuess(t)),
    inBoth: (d, a) => tableParts(out, d, a),
  });
  cmp(desired.views, actual.views, {
    kind: (v) => (v.materialized ? 'materialized_view' : 'view'),
    key: qualifiedName,
    render: renderView,
    same: (d, a) => d.materialized === a.materialized && canonicalViewDefinition(d.definition) === canonicalViewDefinition(a.definition),
    inBoth: (d, a) => viewParts(out, d, a),
  });
  return out;
}

interface Spec<T> {
  kind(x: T): DifferenceKind;
  key(x: T): string;
  render(x: T): string;
  same(d: T, a: T): boolean;
  /** a shorter rendering for `changed` (defaults to render) */
  changedText?(x: T): string;
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
        out.push({ kind: spec.kind(d), change: 'missing', object, desired: spec.render(d) });
        continue;
      }
      if (!spec.same(d, a)) {
        const text = spec.changedText ?? spec.render;
        out.push({ kind: spec.kind(d), change: 'changed', object, desired: text(d), actual: text(a) });
      }
      spec.inBoth?.(d, a);
    }
    for (const a of actual) {
      if (!desiredKeys.has(spec.key(a))) out.push({ kind: spec.kind(a), change: 'extra', object: prefix + spec.key(a), actual: spec.render(a) });
    }
  };
}

function comment(out: Difference[], object: string, target: string, desired: string | null, actual: string | null): void {
  if (desired === actual) return;
  out.push({
    kind: 'comment',
    change: desired === null ? 'extra' : actual === null ? 'missing' : 'changed',
    object,
    ...(desired === null ? {} : { desired: renderComment(target, desired) }),
    ...(actual === null ? {} : { actual: renderComment(target, actual) }),
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
  const header =
    at === -1 ? f.definition : `${f.definition.slice(0, at).trimEnd()} ${f.definition.slice(at + f.body.length).trimStart()}`;
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

/** NOT VALID says whether old rows were checked, not what the constraint is: a validated copy is the same rule. */
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
];

function tableParts(out: Difference[], d: TableDef, a: TableDef): void {
  const table = `${qualifiedName(d)}.`;
  const name = qualify(d.schema, d.name);
  const cmp = comparer(out);
  comment(out, qualifiedName(d), `TABLE ${name}`, d.comment, a.comment);

  const actualColumns = new Map(a.columns.map((c) => [c.name, c]));
  for (const dc of d.columns) {
    const ac = actualColumns.get(dc.name);
    if (!ac) continue;
    for (const [kind, aspect] of COLUMN_ASPECTS) {
      if (!sameJson(aspect(dc), aspect(ac))) {
        out.push({ kind, change: 'changed', object: table + dc.name, desired: renderColumn(dc), actual: renderColumn(ac) });
      }
    }
    comment(out, table + dc.name, `COLUMN ${name}.${quoteIdent(dc.name)}`, dc.comment, ac.comment);
  }
  cmp(
    d.columns,
    a.columns,
    {
      kind: () => 'column',
      key: (c) => c.name,
      render: (c) => `ALTER TABLE ${name} ADD COLUMN ${renderColumn(c)};`,
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
      render: (c) => renderConstraint(d, c),
      same: (x, y) => x.kind === y.kind && constraintRule(x) === constraintRule(y),
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
      render: (t) => renderTrigger(d, t),
      same: (x, y) => x.definition === y.definition,
      inBoth: (x, y) => {
        if (x.enabled !== y.enabled) {
          out.push({ kind: 'trigger.enabled', change: 'changed', object: table + x.name, desired: renderTrigger(d, x), actual: renderTrigger(a, y) });
        }
      },
    },
    table,
  );
  if (d.rowSecurity !== a.rowSecurity) out.push(rls('rls', name, qualifiedName(d), d.rowSecurity, a.rowSecurity, 'ROW LEVEL SECURITY'));
  if (d.forceRowSecurity !== a.forceRowSecurity) {
    out.push(rls('rls.forced', name, qualifiedName(d), d.forceRowSecurity, a.forceRowSecurity, 'FORCE ROW LEVEL SECURITY'));
  }
  cmp<PolicyDef>(
    d.policies,
    a.policies,
    { kind: () => 'policy', key: (p) => p.name, render: (p) => renderPolicy(d, p), same: (x, y) => sameJson(x, y) },
    table,
  );
  grants(out, d, d.grants, a.grants);
}

function rls(kind: 'rls' | 'rls.forced', name: string, object: string, desired: boolean, actual: boolean, what: string): Difference {
  const text = (on: boolean) =>
    what.startsWith('FORCE')
      ? `ALTER TABLE ${name} ${on ? '' : 'NO '}${what};`
      : `ALTER TABLE ${name} ${on ? 'ENABLE' : 'DISABLE'} ${what};`;
  return { kind, change: 'changed', object, desired: text(desired), actual: text(actual) };
}

/** Indexes are keyed schema + name; the ones behind constraints are compared as the constraint. */
function indexes(out: Difference[], schema: string, desired: readonly IndexDef[], actual: readonly IndexDef[]): void {
  comparer(out)(
    desired.filter((i) => !i.constraint),
    actual.filter((i) => !i.constraint),
    { kind: () => 'index', key: (i) => i.name, render: renderIndex, same: (x, y) => x.definition === y.definition },
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
      render: (g) => renderGrant(on, g),
      same: (x, y) => x.grantable === y.grantable,
    },
    `${qualifiedName(on)}.`,
  );
}

function viewParts(out: Difference[], d: ViewDef, a: ViewDef): void {
  comment(out, qualifiedName(d), `${d.materialized ? 'MATERIALIZED VIEW' : 'VIEW'} ${qualify(d.schema, d.name)}`, d.comment, a.comment);
  indexes(out, d.schema, d.indexes, a.indexes);
  grants(out, d, d.grants ?? [], a.grants ?? []);
}
