import type { CatalogModel, ColumnDef, GrantDef, SequenceDef, TableDef, ViewDef } from '../catalog/model.js';
import { qualifiedName } from '../catalog/model.js';
import {
  functionCommentTarget,
  functionTarget,
  isInlineConstraint,
  renderColumn,
  renderColumnGrant,
  renderColumnStorage,
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
  renderObjectGrant,
  renderObjectGrants,
  renderPolicy,
  renderReplicaIdentity,
  renderRowSecurity,
  renderRule,
  renderSchema,
  renderSequence,
  renderSequenceOwner,
  renderTrigger,
  renderView,
} from '../catalog/render.js';
import { qualify, quoteIdent, quoteLiteral } from '../sql/quote.js';
import type { DriftDifference } from './difference.js';
import { type ModelIndex, indexModel } from './plan-lookup.js';
import { defaultStorage, enumDependents, identityOptions, inheritanceRepair, readdConstraint, viewName, viewOptionsRepair } from './plan-alter.js';
import { NOT_FOUND, roleSql, wholeObject } from './plan-object-step.js';
import { planObject } from './plan-objects.js';
import { alterColumnType, compositeRepair, domainRepair, enumRepair, isWidening } from './plan-types.js';

/**
 * The repair plan: for each difference between the schema files (desired) and the live database (actual), the
 * statements that make live match, in an order PostgreSQL accepts (drops of dependents first, then schemas,
 * types, functions, tables, columns, constraints, foreign keys, indexes, views, triggers, RLS, policies, grants,
 * comments, and the data-losing drops last). Pure: models and differences in, SQL text out.
 *
 * Never guessed: renames (a column renamed live is one extra and one missing column: DROP + ADD, data loss),
 * and rebuilds the catalog cannot describe safely (a table's partitioning, a domain's or composite's shape).
 * Those are `skipped` with the reason, never left out silently.
 */
export interface PlannedStatement {
  readonly sql: string;
  /** the difference this statement repairs (several statements may repair one) */
  readonly fixes: DriftDifference;
  /** why running it loses data; such statements are only emitted with allowDataLoss */
  readonly dataLoss?: string;
}

interface SkippedDifference {
  readonly fixes: DriftDifference;
  readonly reason: string;
  /** the statement withheld because it loses data (emitted with allowDataLoss) */
  readonly sql?: string;
  readonly dataLoss?: string;
}

export interface MigrationPlan {
  readonly statements: readonly PlannedStatement[];
  readonly skipped: readonly SkippedDifference[];
}

export interface PlanOptions {
  readonly allowDataLoss?: boolean;
}

const STAGES = [
  'drop_view',
  'drop_policy',
  'drop_trigger',
  'drop_foreign',
  'drop_constraint',
  'drop_index',
  'schema',
  'extension',
  'server',
  'type',
  'sequence',
  'function',
  'table',
  'column',
  'constraint',
  'ownership',
  'foreign',
  'index',
  'late_function',
  'view',
  'trigger',
  'rls',
  'policy',
  'publication',
  'grant',
  'comment',
  'drop_column',
  'drop_table',
  'drop_function',
  'drop_sequence',
  'drop_type',
  'drop_server',
  'drop_extension',
  'drop_schema',
  // last: an event trigger created earlier would fire on the plan's own DDL
  'event_trigger',
] as const;
type Stage = (typeof STAGES)[number];

interface Step {
  readonly stage: Stage;
  readonly sql: string;
  /** order within a stage (dependency rank), then the object name */
  readonly rank?: number;
  readonly dataLoss?: string;
}

type Outcome = Step[] | { readonly skip: string };

export function planMigration(desired: CatalogModel, actual: CatalogModel, differences: readonly DriftDifference[], options: PlanOptions = {}): MigrationPlan {
  const ctx: Ctx = {
    d: indexModel(desired),
    a: indexModel(actual),
    viewRank: viewRanks(desired),
    liveViewRank: viewRanks(actual),
    dropRank: dropRanks(actual),
    changedViews: new Set(differences.filter((x) => x.change === 'changed' && (x.kind === 'view' || x.kind === 'materialized_view')).map((x) => x.object)),
  };
  const staged: (PlannedStatement & { stage: Stage; rank: number })[] = [];
  const skipped: SkippedDifference[] = [];
  for (const fixes of differences) {
    const outcome = plan(fixes, ctx);
    if ('skip' in outcome) {
      skipped.push({ fixes, reason: outcome.skip });
      continue;
    }
    for (const step of outcome) {
      if (step.dataLoss && !options.allowDataLoss) {
        skipped.push({ fixes, reason: `withheld: ${step.dataLoss} (rerun with --allow-data-loss to include it)`, sql: step.sql, dataLoss: step.dataLoss });
        continue;
      }
      staged.push({ sql: step.sql, fixes, stage: step.stage, rank: step.rank ?? 0, ...(step.dataLoss ? { dataLoss: step.dataLoss } : {}) });
    }
  }
  staged.sort(
    (x, y) =>
      STAGES.indexOf(x.stage) - STAGES.indexOf(y.stage) || x.rank - y.rank || (x.fixes.object < y.fixes.object ? -1 : x.fixes.object > y.fixes.object ? 1 : 0),
  );
  return { statements: staged.map(({ stage: _s, rank: _r, ...s }) => s), skipped };
}

interface Ctx {
  readonly d: ModelIndex;
  readonly a: ModelIndex;
  readonly viewRank: ReadonlyMap<string, number>;
  readonly liveViewRank: ReadonlyMap<string, number>;
  /** views whose definition changed (view(): rebuilt or replaced) */
  readonly changedViews: ReadonlySet<string>;
  readonly dropRank: ReadonlyMap<string, number>;
}

function plan(d: DriftDifference, ctx: Ctx): Outcome {
  switch (d.kind) {
    case 'schema': {
      return whole(
        d,
        ctx.d.schemas.get(d.object),
        ctx.a.schemas.get(d.object),
        (w) => [
          { stage: 'schema', sql: renderSchema({ name: d.object, comment: null }) },
          ...objectExtras(`SCHEMA ${quoteIdent(w.name)}`, w.grants ?? [], null, w.comment),
        ],
        () => [{ stage: 'drop_schema', sql: `DROP SCHEMA ${quoteIdent(d.object)};` }],
      );
    }
    case 'extension':
      return extension(d, ctx);
    case 'extension.version': {
      // reported only for a version the schema files pin, which is then the shadow's
      const want = ctx.d.extensions.get(d.object);
      if (!want || !ctx.a.extensions.has(d.object)) return NOT_FOUND;
      return [{ stage: 'extension', sql: `ALTER EXTENSION ${quoteIdent(d.object)} UPDATE TO ${quoteLiteral(want.version)};` }];
    }
    case 'enum':
      return enumPlan(d, ctx);
    case 'domain': {
      const [want, have] = [ctx.d.domains.get(d.object), ctx.a.domains.get(d.object)];
      return typeLike(d, want, have, renderDomain, 'DOMAIN', (w, h) => {
        const sql = domainRepair(w, h);
        return sql ? [{ stage: 'type', sql }] : { skip: 'no plan for a domain whose base type or collation changed: it must be rebuilt by hand' };
      });
    }
    case 'composite_type': {
      const [want, have] = [ctx.d.composites.get(d.object), ctx.a.composites.get(d.object)];
      return typeLike(d, want, have, renderCompositeType, 'TYPE', (w, h) => {
        const r = compositeRepair(w, h);
        return [{ stage: 'type', sql: r.sql, ...(r.loss ? { dataLoss: r.loss } : {}) }];
      });
    }
    case 'sequence':
      return sequence(d, ctx);
    case 'function':
    case 'procedure':
    case 'aggregate':
      return functionPlan(d, ctx);
    case 'table':
      return table(d, ctx);
    case 'column':
    case 'column.type':
    case 'column.nullability':
    case 'column.default':
    case 'column.identity':
    case 'column.generated':
    case 'column.collation':
    case 'column.storage':
      return column(d, ctx);
    case 'column.grant':
      return columnGrant(d, ctx);
    case 'constraint.validated':
      return validated(d, ctx);
    case 'replica_identity':
      return replicaIdentity(d, ctx);
    case 'primary_key':
    case 'unique':
    case 'check':
    case 'exclusion':
    case 'foreign_key':
      return constraint(d, ctx);
    case 'index':
      return index(d, ctx);
    case 'view':
    case 'materialized_view':
      return view(d, ctx);
    case 'view.options':
    case 'materialized_view.options':
      return viewOptions(d, ctx);
    case 'trigger':
    case 'trigger.enabled':
      return trigger(d, ctx);
    case 'rls':
    case 'rls.forced':
      return rls(d, ctx);
    case 'policy':
      return policy(d, ctx);
    case 'grant':
      return grant(d, ctx);
    case 'comment':
      return comment(d, ctx);
    case 'collation':
    case 'range_type':
    case 'rule':
    case 'event_trigger':
    case 'publication':
    case 'publication.table':
    case 'foreign_server':
    case 'user_mapping':
    case 'foreign_table':
    case 'default_privilege':
      return planObject(d, ctx.d.model, ctx.a.model);
    default:
      return { skip: `no plan for this kind of difference (${d.kind})` };
  }
}

/** missing → create, extra → drop, changed → the given repair (or none). */
/** missing → create, extra → drop, changed → change, with the objects found on each side (plan-object-step.ts) */
function whole<W, H>(
  d: DriftDifference,
  want: W | undefined,
  have: H | undefined,
  create: (w: W) => Outcome,
  drop: (h: H) => Outcome,
  change?: (w: W, h: H) => Outcome,
): Outcome {
  return wholeObject<W, H, Step>(d, want, have, create, drop, change);
}

function extension(d: DriftDifference, ctx: Ctx): Outcome {
  const want = ctx.d.extensions.get(d.object);
  const have = ctx.a.extensions.get(d.object);
  return whole(
    d,
    want,
    have,
    (w) => [{ stage: 'extension', sql: renderExtension(w) }],
    () => [{ stage: 'drop_extension', sql: `DROP EXTENSION ${quoteIdent(d.object)};` }],
    (w) => [{ stage: 'extension', sql: `ALTER EXTENSION ${quoteIdent(d.object)} SET SCHEMA ${quoteIdent(w.schema)};` }],
  );
}

function enumPlan(d: DriftDifference, ctx: Ctx): Outcome {
  const want = ctx.d.enums.get(d.object);
  const have = ctx.a.enums.get(d.object);
  return whole(
    d,
    want,
    have,
    (w) => [{ stage: 'type', sql: renderEnum(w) }, ...typeExtras('TYPE', w)],
    (h) => [{ stage: 'drop_type', sql: `DROP TYPE ${qualify(h.schema, h.name)};` }],
    (w, h) => {
      const r = enumRepair(w, h, ctx.a.model.tables);
      const loss =
        r.dropped.length > 0 ? `drops enum value(s) ${r.dropped.map((l) => JSON.stringify(l)).join(', ')}: rows holding them cannot be converted` : undefined;
      const { views, drop, create } = r.rebuilt ? enumDependents(h, ctx.a.model) : { views: [], drop: [], create: [] };
      // PostgreSQL refuses to retype a column a view reads, and cannot re-parse a predicate, check or policy that
      // compares it with a value of the old type: those are dropped around the rebuild and created again exactly
      // as they are live (the other differences of the plan then apply to them as usual)
      const sql = [
        ...views.sort((x, y) => (ctx.dropRank.get(qualifiedName(x)) ?? 0) - (ctx.dropRank.get(qualifiedName(y)) ?? 0)).map((v) => `DROP ${viewName(v)};`),
        ...drop,
        r.sql,
        ...create,
        ...views
          .sort((x, y) => (ctx.liveViewRank.get(qualifiedName(x)) ?? 0) - (ctx.liveViewRank.get(qualifiedName(y)) ?? 0))
          .flatMap((v) => createView(v, 0, 'create').map((s) => s.sql)),
      ].join('\n');
      // a rebuilt type is a new object: its grants and comment are given again
      return [{ stage: 'type', sql, ...(loss ? { dataLoss: loss } : {}) }, ...(r.rebuilt ? typeExtras('TYPE', w) : [])];
    },
  );
}

function typeLike<T extends TypeWithExtras>(
  d: DriftDifference,
  want: T | undefined,
  have: T | undefined,
  render: (x: T) => string,
  word: string,
  change: (want: T, have: T) => Outcome,
): Outcome {
  return whole(
    d,
    want,
    have,
    (w) => [{ stage: 'type', sql: render(w) }, ...typeExtras(word, w)],
    (h) => [{ stage: 'drop_type', sql: `DROP ${word} ${qualify(h.schema, h.name)};` }],
    change,
  );
}

type TypeWithExtras = { schema: string; name: string; comment: string | null; grants?: readonly GrantDef[] };

/**
 * What a created schema, type or function brings besides itself: its grants (a REVOKE where the files took a
 * built-in PUBLIC privilege away) and its comment, as the full render writes them.
 */
function objectExtras(target: string, grants: readonly GrantDef[] | undefined, publicDefault: string | null, text: string | null): Step[] {
  return [
    ...renderObjectGrants(target, grants, publicDefault).map((sql): Step => ({ stage: 'grant', sql })),
    ...(text !== null ? [{ stage: 'comment' as const, sql: renderComment(target, text) }] : []),
  ];
}

function typeExtras(word: string, t: TypeWithExtras): Step[] {
  return objectExtras(`${word} ${qualify(t.schema, t.name)}`, t.grants, 'USAGE', t.comment);
}

function sequence(d: DriftDifference, ctx: Ctx): Outcome {
  const want = ctx.d.sequences.get(d.object);
  const have = ctx.a.sequences.get(d.object);
  const owner = (s: SequenceDef): Step[] => {
    if (s.ownedBy === null) return [];
    const col = ctx.d.columns.get(s.ownedBy);
    return col ? [{ stage: 'ownership', sql: renderSequenceOwner(s, col.table, col.column.name) }] : [];
  };
  return whole(
    d,
    want,
    have,
    (w) => [{ stage: 'sequence', sql: renderSequence(w) }, ...owner(w)],
    // IF EXISTS: a sequence owned by a dropped column or table goes with it.
    (h) => [{ stage: 'drop_sequence', sql: `DROP SEQUENCE IF EXISTS ${qualify(h.schema, h.name)};` }],
    (s, h) => {
      const alter = renderSequence(s).replace(/^CREATE SEQUENCE IF NOT EXISTS /, 'ALTER SEQUENCE ');
      const steps: Step[] = [{ stage: 'sequence', sql: alter }];
      if (s.ownedBy === null && h.ownedBy !== null) steps.push({ stage: 'ownership', sql: `ALTER SEQUENCE ${qualify(s.schema, s.name)} OWNED BY NONE;` });
      return [...steps, ...owner(s)];
    },
  );
}

function functionPlan(d: DriftDifference, ctx: Ctx): Outcome {
  const want = ctx.d.functions.get(d.object);
  const have = ctx.a.functions.get(d.object);
  const create = (f: NonNullable<typeof want>): Outcome => {
    if (f.kind === 'aggregate' || f.definition === '') return { skip: 'no plan for aggregates: pgsnap cannot render their definition' };
    // A SQL-standard body is parsed at creation and may read tables: it waits for them.
    return [{ stage: f.sqlStandardBody ? 'late_function' : 'function', sql: renderFunction(f) }];
  };
  const createWithExtras = (f: NonNullable<typeof want>): Outcome => {
    const steps = create(f);
    return 'skip' in steps
      ? steps
      : [...steps, ...objectExtras(functionTarget(f), f.grants, 'EXECUTE', null), ...objectExtras(functionCommentTarget(f), [], null, f.comment)];
  };
  return whole(d, want, have, createWithExtras, (h) => [{ stage: 'drop_function', sql: `DROP ${functionCommentTarget(h)};` }], create);
}

function identitySequence(model: CatalogModel, t: TableDef, column: string): SequenceDef | undefined {
  return model.sequences.find((s) => s.identity && s.ownedBy === `${qualifiedName(t)}.${column}`);
}

/** Everything a missing table brings: the table, then its constraints, indexes, triggers, RLS, policies, grants, comments. */
function createTable(t: TableDef, ctx: Ctx): Step[] {
  const model = ctx.d.model;
  const parent = t.partitionOf ? ctx.d.tables.get(t.partitionOf) : undefined;
  const seqs = new Map(
    t.columns.flatMap((c) => {
      const s = c.identity ? identitySequence(model, t, c.name) : undefined;
      return s ? [[c.name, s] as const] : [];
    }),
  );
  const name = qualify(t.schema, t.name);
  const steps: Step[] = [
    { stage: 'table', rank: partitionDepth(t, ctx.d), sql: renderCreateTable(t, parent ? qualify(parent.schema, parent.name) : null, seqs) },
    ...t.constraints
      .filter((c) => !isInlineConstraint(c))
      .map((c): Step => ({ stage: c.kind === 'foreign' ? 'foreign' : 'constraint', sql: renderConstraint(t, c) })),
    ...t.indexes.filter((i) => !i.constraint).map((i): Step => ({ stage: 'index', sql: renderIndex(i) })),
    ...t.triggers.map((tr): Step => ({ stage: 'trigger', sql: renderTrigger(t, tr) })),
    ...t.policies.map((p): Step => ({ stage: 'policy', sql: renderPolicy(t, p) })),
    ...(t.rules ?? []).map((r): Step => ({ stage: 'trigger', sql: renderRule(t, r) })),
    ...t.grants.map((g): Step => ({ stage: 'grant', sql: renderGrant(t, g) })),
  ];
  const rowSecurity = renderRowSecurity(t);
  if (rowSecurity) steps.push({ stage: 'rls', sql: rowSecurity });
  if (t.comment !== null) steps.push({ stage: 'comment', sql: renderComment(`TABLE ${name}`, t.comment) });
  for (const c of t.columns) if (c.comment !== null) steps.push({ stage: 'comment', sql: renderComment(`COLUMN ${name}.${quoteIdent(c.name)}`, c.comment) });
  const replicaIdentity = renderReplicaIdentity(t);
  if (replicaIdentity) steps.push({ stage: 'index', rank: 1, sql: replicaIdentity });
  for (const c of t.columns) steps.push(...columnDetails(t, c));
  return steps;
}

/** What CREATE TABLE / ADD COLUMN do not say about a column: its SET STORAGE and its column privileges. */
function columnDetails(t: TableDef, c: ColumnDef): Step[] {
  return [
    ...(c.storage ? [{ stage: 'column' as const, sql: renderColumnStorage(t, c) }] : []),
    ...(c.grants ?? []).map((g): Step => ({ stage: 'grant', sql: renderColumnGrant(t, c.name, g) })),
  ];
}

function partitionDepth(t: TableDef, index: ModelIndex): number {
  let depth = 0;
  for (let p = t.partitionOf; p !== null && depth < 64; depth++) p = index.tables.get(p)?.partitionOf ?? null;
  return depth;
}

function table(d: DriftDifference, ctx: Ctx): Outcome {
  const want = ctx.d.tables.get(d.object);
  const have = ctx.a.tables.get(d.object);
  return whole(
    d,
    want,
    have,
    (w) => createTable(w, ctx),
    (h) => [
      {
        // A view of the same name in the files is created in the view stage: the table must be gone by then, so
        // it is dropped with the other dropped dependents, not last.
        ...(ctx.d.views.has(d.object)
          ? { stage: 'drop_index' as const, rank: 1 + (ctx.dropRank.get(d.object) ?? 0) }
          : { stage: 'drop_table' as const, rank: ctx.dropRank.get(d.object) ?? 0 }),
        sql: `DROP TABLE ${qualify(h.schema, h.name)};`,
        dataLoss: 'drops a table and every row in it',
      },
    ],
    (w, h) => {
      // Only the bound of a partition moved: detach and attach again (PostgreSQL checks the rows fit the new bound).
      const sameShape = w.kind === h.kind && w.unlogged === h.unlogged && w.partitionKey === h.partitionKey && w.partitionOf === h.partitionOf;
      const parent = w.partitionOf ? ctx.d.tables.get(w.partitionOf) : undefined;
      if (sameShape && w.kind === 'partition' && parent && w.partitionBound !== null) {
        const [p, t] = [qualify(parent.schema, parent.name), qualify(w.schema, w.name)];
        return [
          {
            stage: 'table',
            rank: partitionDepth(w, ctx.d),
            sql: `ALTER TABLE ${p} DETACH PARTITION ${t};\nALTER TABLE ${p} ATTACH PARTITION ${t} ${w.partitionBound};`,
          },
        ];
      }
      if (sameShape && w.partitionBound === h.partitionBound) return inheritance(w, h, ctx);
      return { skip: 'no plan for a table whose kind or partitioning changed: it must be rebuilt by hand (its rows moved over)' };
    },
  );
}

/** Only the INHERITS list differs: NO INHERIT / INHERIT (plan-alter.ts), or no plan where the columns do not allow it. */
function inheritance(want: TableDef, have: TableDef, ctx: Ctx): Outcome {
  const r = inheritanceRepair(want, have, ctx.d.tables, ctx.a.tables);
  if ('skip' in r) return r;
  // INHERIT after the parent's own new columns and constraints
  const steps = [...r.noInherit.map((sql): Step => ({ stage: 'table', sql })), ...r.inherit.map((sql): Step => ({ stage: 'constraint', rank: -1, sql }))];
  return steps.length > 0 ? steps : { skip: 'no plan for this change of a table: it must be rebuilt by hand' };
}

function column(d: DriftDifference, ctx: Ctx): Outcome {
  const want = ctx.d.columns.get(d.object);
  const have = ctx.a.columns.get(d.object);
  if (d.kind === 'column') {
    return whole(
      d,
      want,
      have,
      ({ table: t, column: c }) => {
        const sql = `ALTER TABLE ${qualify(t.schema, t.name)} ADD COLUMN ${renderColumn(c, c.identity ? identitySequence(ctx.d.model, t, c.name) : undefined)};`;
        const steps: Step[] = [{ stage: 'column', sql }];
        if (c.comment !== null) steps.push({ stage: 'comment', sql: renderComment(`COLUMN ${qualify(t.schema, t.name)}.${quoteIdent(c.name)}`, c.comment) });
        steps.push(...columnDetails(t, c));
        return steps;
      },
      ({ table: t, column: c }) => {
        return [
          {
            stage: 'drop_column',
            sql: `ALTER TABLE ${qualify(t.schema, t.name)} DROP COLUMN ${quoteIdent(c.name)};`,
            dataLoss: 'drops a column and its values',
          },
        ];
      },
      () => serialRepair(d.object, ctx),
    );
  }
  if (!want || !have) return NOT_FOUND;
  const t = want.table;
  const c = want.column;
  const alter = `ALTER TABLE ${qualify(t.schema, t.name)} ALTER COLUMN ${quoteIdent(c.name)}`;
  switch (d.kind) {
    case 'column.type': {
      const widening = isWidening(have.column.type, c.type);
      return [
        {
          stage: 'column',
          sql: alterColumnType(t, c),
          ...(widening ? {} : { dataLoss: `changes the type from ${have.column.type} to ${c.type}, which may truncate, round or reject stored values` }),
        },
      ];
    }
    case 'column.collation':
      return [{ stage: 'column', sql: alterColumnType(t, c.collation ? c : { ...c, collation: '"default"' }) }];
    case 'column.nullability':
      return [{ stage: 'column', sql: `${alter} ${c.notNull ? 'SET' : 'DROP'} NOT NULL;` }];
    case 'column.default':
      return [{ stage: 'column', sql: c.default === null ? `${alter} DROP DEFAULT;` : `${alter} SET DEFAULT ${c.default};` }];
    case 'column.identity': {
      if (c.identity === null) return [{ stage: 'column', sql: `${alter} DROP IDENTITY;` }];
      const how = c.identity === 'always' ? 'ALWAYS' : 'BY DEFAULT';
      const seq = identitySequence(ctx.d.model, t, c.name);
      if (have.column.identity === null)
        return [{ stage: 'column', sql: `${alter} ADD GENERATED ${how} AS IDENTITY${seq ? ` (${identityOptions(seq).join(' ')})` : ''};` }];
      // the kind (ALWAYS / BY DEFAULT) and the sequence's options in one ALTER COLUMN; its name is not compared
      const set = [...(c.identity !== have.column.identity ? [`GENERATED ${how}`] : []), ...(seq ? identityOptions(seq) : [])];
      if (set.length === 0) return { skip: 'no plan for this identity change: the identity sequence of the schema files was not found in the catalog model' };
      return [{ stage: 'column', sql: `${alter} ${set.map((x) => `SET ${x}`).join(' ')};` }];
    }
    case 'column.storage':
      return [{ stage: 'column', sql: c.storage ? renderColumnStorage(t, c) : defaultStorage(t, c, ctx.a.model.serverMajor) }];
    case 'column.generated':
      if (c.generated === null && have.column.generated !== null && !have.column.virtual) return [{ stage: 'column', sql: `${alter} DROP EXPRESSION;` }];
      if (c.generated !== null && have.column.generated !== null && !c.virtual && !have.column.virtual && ctx.a.model.serverMajor >= 17) {
        return [{ stage: 'column', sql: `${alter} SET EXPRESSION AS (${c.generated});` }];
      }
      return { skip: 'no plan for this generated-column change: the column must be dropped and added again by hand' };
    default:
      return { skip: `no plan for this kind of difference (${d.kind})` };
  }
}

/** A changed column on its own is a serial column whose sequence differs: set the sequence's options and owner. */
function serialRepair(column: string, ctx: Ctx): Outcome {
  const serialOf = (m: CatalogModel) => m.sequences.find((s) => !s.identity && s.ownedBy === column);
  const want = serialOf(ctx.d.model);
  const have = serialOf(ctx.a.model);
  const col = ctx.d.columns.get(column);
  const steps: Step[] = [];
  if (have && (!want || qualifiedName(have) !== qualifiedName(want)))
    steps.push({ stage: 'ownership', sql: `ALTER SEQUENCE ${qualify(have.schema, have.name)} OWNED BY NONE;` });
  if (want && col) {
    const exists = ctx.a.model.sequences.some((s) => qualifiedName(s) === qualifiedName(want));
    const sql = renderSequence(want);
    steps.push({ stage: 'sequence', sql: exists ? sql.replace(/^CREATE SEQUENCE IF NOT EXISTS /, 'ALTER SEQUENCE ') : sql });
    steps.push({ stage: 'ownership', sql: renderSequenceOwner(want, col.table, col.column.name) });
  }
  return steps.length > 0 ? steps : { skip: 'no plan for this change of a column: it must be rebuilt by hand' };
}

function constraint(d: DriftDifference, ctx: Ctx): Outcome {
  const want = ctx.d.constraints.get(d.object);
  const have = ctx.a.constraints.get(d.object);
  const isFk = (want ?? have)?.constraint.kind === 'foreign';
  return whole(
    d,
    want,
    have,
    (w) => [{ stage: isFk ? 'foreign' : 'constraint', sql: renderConstraint(w.table, w.constraint) }],
    ({ table: t, constraint: c }) => [
      { stage: isFk ? 'drop_foreign' : 'drop_constraint', sql: `ALTER TABLE ${qualify(t.schema, t.name)} DROP CONSTRAINT ${quoteIdent(c.name)};` },
    ],
    (w) => [{ stage: isFk ? 'foreign' : 'constraint', sql: readdConstraint(w.table, w.constraint) }],
  );
}

/**
 * NOT VALID only in the live database: VALIDATE CONSTRAINT checks the old rows (and fails, changing nothing, when
 * one breaks the rule). NOT VALID only in the files: a validated constraint cannot be un-validated, so it is
 * dropped and added again NOT VALID in one ALTER TABLE; no row is touched and the rule never lapses.
 */
function validated(d: DriftDifference, ctx: Ctx): Outcome {
  const want = ctx.d.constraints.get(d.object);
  const have = ctx.a.constraints.get(d.object);
  if (!want || !have) return NOT_FOUND;
  const { table: t, constraint: c } = want;
  const stage: Stage = c.kind === 'foreign' ? 'foreign' : 'constraint';
  const name = qualify(t.schema, t.name);
  if (!c.notValid) return [{ stage, sql: `ALTER TABLE ${name} VALIDATE CONSTRAINT ${quoteIdent(c.name)};` }];
  return [{ stage, sql: readdConstraint(t, c) }];
}

function replicaIdentity(d: DriftDifference, ctx: Ctx): Outcome {
  const t = ctx.d.tables.get(d.object);
  if (!t || !ctx.a.tables.has(d.object)) return NOT_FOUND;
  // after the indexes: USING INDEX may name one this plan creates
  return [{ stage: 'index', rank: 1, sql: renderReplicaIdentity(t) || `ALTER TABLE ${qualify(t.schema, t.name)} REPLICA IDENTITY DEFAULT;` }];
}

/** security_invoker, security_barrier, check_option of a view; storage parameters of a materialized view. */
function viewOptions(d: DriftDifference, ctx: Ctx): Outcome {
  const want = ctx.d.views.get(d.object);
  const have = ctx.a.views.get(d.object);
  if (!want || !have) return NOT_FOUND;
  return [{ stage: 'view', rank: ctx.viewRank.get(d.object) ?? 0, sql: viewOptionsRepair(want, have) }];
}

function index(d: DriftDifference, ctx: Ctx): Outcome {
  const want = ctx.d.indexes.get(d.object);
  const have = ctx.a.indexes.get(d.object);
  const drop = `DROP INDEX ${qualify((want ?? have)?.on.schema ?? '', (want ?? have)?.index.name ?? '')};`;
  return whole(
    d,
    want,
    have,
    (w) => [{ stage: 'index', sql: renderIndex(w.index) }],
    () => [{ stage: 'drop_index', sql: drop }],
    (w) => [{ stage: 'index', sql: `${drop}\n${renderIndex(w.index)}` }],
  );
}

/**
 * A view with what hangs on it: its indexes (materialized), grants, rules, comment and triggers. A changed view is dropped and
 * built again with all of it ('rebuild'), except a plain view other views read, which is replaced in place
 * ('replace': what hangs on it stays; CREATE OR REPLACE cannot drop or rename columns, which the proof shows).
 */
function createView(v: ViewDef, rank: number, how: 'create' | 'replace' | 'rebuild'): Step[] {
  if (how === 'replace') return [{ stage: 'view', rank, sql: renderView(v).replace(/^CREATE VIEW /, 'CREATE OR REPLACE VIEW ') }];
  const parts = [
    ...(how === 'rebuild' ? [`DROP ${viewName(v)};`] : []),
    renderView(v),
    ...v.indexes.filter((i) => !i.constraint).map(renderIndex),
    ...(v.grants ?? []).map((g) => renderGrant(v, g)),
    ...(v.rules ?? []).map((r) => renderRule(v, r)),
    ...(v.comment !== null ? [renderComment(viewName(v), v.comment)] : []),
    ...(v.triggers ?? []).map((tr) => renderTrigger(v, tr)),
  ];
  return [{ stage: 'view', rank, sql: parts.join('\n') }];
}

function view(d: DriftDifference, ctx: Ctx): Outcome {
  const want = ctx.d.views.get(d.object);
  const have = ctx.a.views.get(d.object);
  const rank = ctx.viewRank.get(d.object) ?? 0;
  return whole(
    d,
    want,
    have,
    (w) => {
      const steps = createView(w, rank, 'create');
      // a live table of the same name is dropped first (table()): without that drop this would fail, so it is withheld with it
      return ctx.a.tables.has(d.object)
        ? steps.map((s) => ({ ...s, dataLoss: 'replaces the live table of the same name, which is dropped with every row in it' }))
        : steps;
    },
    (h) => [{ stage: 'drop_view', rank: ctx.dropRank.get(d.object) ?? 0, sql: `DROP ${viewName(h)};` }],
    (w, h) => {
      if (w.materialized !== h.materialized) {
        return [{ stage: 'drop_view', sql: `DROP ${viewName(h)};` }, ...createView(w, rank, 'create')];
      }
      return createView(w, rank, rebuilt(d.object, ctx) ? 'rebuild' : 'replace');
    },
  );
}

/** A changed view is dropped and built again with all that hangs on it, but a plain one other views read is replaced in place. */
function rebuilt(view: string, ctx: Ctx): boolean {
  const [w, h] = [ctx.d.views.get(view), ctx.a.views.get(view)];
  if (!w || !h || !ctx.changedViews.has(view)) return false;
  if (w.materialized !== h.materialized) return true;
  return w.materialized || !ctx.a.model.views.some((x) => qualifiedName(x) !== view && (x.dependsOn ?? []).includes(view));
}

const TRIGGER_STATE = { O: 'ENABLE', D: 'DISABLE', R: 'ENABLE REPLICA', A: 'ENABLE ALWAYS' } as const;

function trigger(d: DriftDifference, ctx: Ctx): Outcome {
  const want = ctx.d.triggers.get(d.object);
  const have = ctx.a.triggers.get(d.object);
  const drop = (x: NonNullable<typeof have>) => `DROP TRIGGER ${quoteIdent(x.trigger.name)} ON ${qualify(x.table.schema, x.table.name)};`;
  if (d.kind === 'trigger.enabled') {
    if (!want) return NOT_FOUND;
    return [
      {
        stage: 'trigger',
        sql: `ALTER TABLE ${qualify(want.table.schema, want.table.name)} ${TRIGGER_STATE[want.trigger.enabled]} TRIGGER ${quoteIdent(want.trigger.name)};`,
      },
    ];
  }
  const onRebuiltView = want !== undefined && rebuilt(qualifiedName(want.table), ctx);
  return whole(
    d,
    want,
    have,
    (w) => [
      onRebuiltView
        ? { stage: 'trigger', sql: `-- created with ${viewName(w.table as ViewDef)}, which this plan builds again` }
        : { stage: 'trigger', sql: renderTrigger(w.table, w.trigger) },
    ],
    (h) => [{ stage: 'drop_trigger', sql: drop(h) }],
    (w, h) => [{ stage: 'trigger', sql: `${drop(h)}\n${renderTrigger(w.table, w.trigger)}` }],
  );
}

function rls(d: DriftDifference, ctx: Ctx): Outcome {
  const t = ctx.d.tables.get(d.object);
  if (!t) return NOT_FOUND;
  const name = qualify(t.schema, t.name);
  if (d.kind === 'rls') return [{ stage: 'rls', sql: `ALTER TABLE ${name} ${t.rowSecurity ? 'ENABLE' : 'DISABLE'} ROW LEVEL SECURITY;` }];
  return [{ stage: 'rls', sql: `ALTER TABLE ${name} ${t.forceRowSecurity ? '' : 'NO '}FORCE ROW LEVEL SECURITY;` }];
}

function policy(d: DriftDifference, ctx: Ctx): Outcome {
  const want = ctx.d.policies.get(d.object);
  const have = ctx.a.policies.get(d.object);
  const drop = (x: NonNullable<typeof have>) => `DROP POLICY ${quoteIdent(x.policy.name)} ON ${qualify(x.table.schema, x.table.name)};`;
  return whole(
    d,
    want,
    have,
    (w) => [{ stage: 'policy', sql: renderPolicy(w.table, w.policy) }],
    (h) => [{ stage: 'drop_policy', sql: drop(h) }],
    (w, h) => [{ stage: 'policy', sql: `${drop(h)}\n${renderPolicy(w.table, w.policy)}` }],
  );
}

function grant(d: DriftDifference, ctx: Ctx): Outcome {
  const want = ctx.d.grants.get(d.object);
  const have = ctx.a.grants.get(d.object);
  const revoke = (x: NonNullable<typeof have>) => `REVOKE ${x.grant.privilege} ON ${x.target} FROM ${roleSql(x.grant.grantee)};`;
  const give = (x: NonNullable<typeof want>) => renderObjectGrant(x.target, x.grant);
  return regrant(d, want, have, give, revoke);
}

/** A grant missing (GRANT), extra (REVOKE) or changed (REVOKE, then GRANT): one step at the grant stage. */
function regrant<W, H>(d: DriftDifference, want: W | undefined, have: H | undefined, give: (w: W) => string, revoke: (h: H) => string): Outcome {
  return whole(
    d,
    want,
    have,
    (w) => [{ stage: 'grant', sql: give(w) }],
    (h) => [{ stage: 'grant', sql: revoke(h) }],
    (w, h) => [{ stage: 'grant', sql: `${revoke(h)}\n${give(w)}` }],
  );
}

/** GRANT / REVOKE privilege (column) ON TABLE … */
function columnGrant(d: DriftDifference, ctx: Ctx): Outcome {
  const want = ctx.d.columnGrants.get(d.object);
  const have = ctx.a.columnGrants.get(d.object);
  const revoke = ({ table: t, column: c, grant: g }: NonNullable<typeof have>) =>
    `REVOKE ${g.privilege} (${quoteIdent(c.name)}) ON TABLE ${qualify(t.schema, t.name)} FROM ${roleSql(g.grantee)};`;
  const give = ({ table: t, column: c, grant: g }: NonNullable<typeof want>) => renderColumnGrant(t, c.name, g);
  return regrant(d, want, have, give, revoke);
}

/**
 * COMMENT ON the object a comment difference names, with the desired text (or NULL to remove it). The name alone
 * can be ambiguous (`schema.table.x` may be a column, a constraint, a trigger or a policy): the candidate whose
 * COMMENT statement is the one the difference shows is taken.
 */
function comment(d: DriftDifference, ctx: Ctx): Outcome {
  const o = d.object;
  const i = ctx.d;
  const q = (x: { schema: string; name: string }) => qualify(x.schema, x.name);
  const on = (x: { schema: string; name: string }) => ` ON ${q(x)}`;
  const schema = i.schemas.get(o);
  const e = i.enums.get(o) ?? i.composites.get(o);
  const dom = i.domains.get(o);
  const t = i.tables.get(o);
  const v = i.views.get(o);
  const f = i.functions.get(o);
  const c = i.columns.get(o);
  const con = i.constraints.get(o);
  const ix = i.indexes.get(o);
  const tr = i.triggers.get(o);
  const po = i.policies.get(o);
  const candidates: { target: string; text: string | null }[] = [
    ...(schema ? [{ target: `SCHEMA ${quoteIdent(o)}`, text: schema.comment }] : []),
    ...(e ? [{ target: `TYPE ${q(e)}`, text: e.comment }] : []),
    ...(dom ? [{ target: `DOMAIN ${q(dom)}`, text: dom.comment }] : []),
    ...(t ? [{ target: `TABLE ${q(t)}`, text: t.comment }] : []),
    ...(v ? [{ target: viewName(v), text: v.comment }] : []),
    ...(f ? [{ target: functionCommentTarget(f), text: f.comment }] : []),
    ...(c ? [{ target: `COLUMN ${q(c.table)}.${quoteIdent(c.column.name)}`, text: c.column.comment }] : []),
    ...(con ? [{ target: `CONSTRAINT ${quoteIdent(con.constraint.name)}${on(con.table)}`, text: con.constraint.comment ?? null }] : []),
    ...(ix ? [{ target: `INDEX ${qualify(ix.on.schema, ix.index.name)}`, text: ix.index.comment ?? null }] : []),
    ...(tr ? [{ target: `TRIGGER ${quoteIdent(tr.trigger.name)}${on(tr.table)}`, text: tr.trigger.comment ?? null }] : []),
    ...(po ? [{ target: `POLICY ${quoteIdent(po.policy.name)}${on(po.table)}`, text: po.policy.comment ?? null }] : []),
  ];
  const shown = d.desired ?? d.actual;
  const found = candidates.length > 1 && shown ? candidates.find((x) => shown.startsWith(`COMMENT ON ${x.target} IS `)) : candidates[0];
  return found ? [{ stage: 'comment', sql: renderComment(found.target, found.text) }] : NOT_FOUND;
}

/** Creation rank of each desired view: after the views it reads. */
function viewRanks(model: CatalogModel): Map<string, number> {
  const byName = new Map(model.views.map((v) => [qualifiedName(v), v]));
  const rank = new Map<string, number>();
  const visit = (name: string, seen: Set<string>): number => {
    const known = rank.get(name);
    if (known !== undefined) return known;
    const v = byName.get(name);
    if (!v || seen.has(name)) return 0;
    seen.add(name);
    const r = 1 + Math.max(0, ...(v.dependsOn ?? []).filter((x) => x !== name).map((x) => visit(x, seen)));
    rank.set(name, r);
    return r;
  };
  for (const v of model.views) visit(qualifiedName(v), new Set());
  return rank;
}

/**
 * Drop rank of each live table and view: what refers to an object is dropped before it (a view before the
 * views it reads, a partition before its parent, a table before the tables its foreign keys point at).
 */
function dropRanks(model: CatalogModel): Map<string, number> {
  const refersTo = new Map<string, string[]>();
  for (const v of model.views) refersTo.set(qualifiedName(v), [...(v.dependsOn ?? [])]);
  for (const t of model.tables) {
    const refs = t.constraints.flatMap((c) => (c.references ? [`${c.references.schema}.${c.references.table}`] : []));
    refersTo.set(qualifiedName(t), [...refs, ...(t.partitionOf ? [t.partitionOf] : [])]);
  }
  const referrersOf = new Map<string, string[]>();
  for (const [n, refs] of refersTo) for (const r of refs) if (r !== n) referrersOf.set(r, [...(referrersOf.get(r) ?? []), n]);
  // rank = the longest chain of referrers above an object: referrers get lower ranks, so they go first
  const rank = new Map<string, number>();
  const visit = (name: string, seen: Set<string>): number => {
    const known = rank.get(name);
    if (known !== undefined) return known;
    if (seen.has(name)) return 0;
    seen.add(name);
    const referrers = referrersOf.get(name) ?? [];
    const r = referrers.length === 0 ? 0 : 1 + Math.max(...referrers.map((x) => visit(x, seen)));
    rank.set(name, r);
    return r;
  };
  for (const name of refersTo.keys()) visit(name, new Set());
  return rank;
}
