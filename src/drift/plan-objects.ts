import { defaultPrivilegeObject } from '../catalog/diff.js';
import type { CatalogModel, CollationDef, DefaultPrivilegeDef, EventTriggerDef, RangeTypeDef, RuleDef } from '../catalog/model.js';
import { qualifiedName } from '../catalog/model.js';
import {
  renderCollation,
  renderComment,
  renderDefaultPrivilege,
  renderEventTrigger,
  renderObjectGrants,
  renderRangeType,
  renderRule,
} from '../catalog/render.js';
import { qualify, quoteIdent, quoteLiteral } from '../sql/quote.js';
import type { DriftDifference } from './difference.js';
import { planForeignServer, planForeignTable, planUserMapping } from './plan-foreign.js';
import { type ObjectOutcome, type ObjectStep, roleSql, wholeObject } from './plan-object-step.js';
import { planPublication, planPublicationTable } from './plan-publication.js';
import { alterColumnType, moveColumnsToType, ownColumns } from './plan-types.js';

/**
 * Statements for the object kinds outside tables, views, types and functions: collations, range types, rules,
 * event triggers, publications, foreign servers, user mappings, foreign tables and default privileges. Pure:
 * the difference and both models in, steps for plan.ts's stages out, or the reason there are none.
 */
export function planObject(d: DriftDifference, desired: CatalogModel, actual: CatalogModel): ObjectOutcome {
  switch (d.kind) {
    case 'collation':
      return collation(d, desired, actual);
    case 'range_type':
      return rangeType(d, desired, actual);
    case 'rule':
      return rule(d, desired, actual);
    case 'event_trigger':
      return eventTrigger(d, desired, actual);
    case 'publication':
      return planPublication(d, desired, actual);
    case 'publication.table':
      return planPublicationTable(d, desired, actual);
    case 'foreign_server':
      return planForeignServer(d, desired, actual);
    case 'user_mapping':
      return planUserMapping(d, desired, actual);
    case 'foreign_table':
      return planForeignTable(d, desired, actual);
    case 'default_privilege':
      return defaultPrivilege(d, desired, actual);
    default:
      return { skip: `no plan for this kind of difference (${d.kind})` };
  }
}

const find = <T extends { schema: string; name: string }>(list: readonly T[] | undefined, object: string) =>
  (list ?? []).find((x) => qualifiedName(x) === object);

function withComment(sql: string, target: string, comment: string | null): string {
  return comment === null ? sql : `${sql}\n${renderComment(target, comment)}`;
}

/** How a column's COLLATE names this collation (quote_ident: quoted only where it must be). */
function collationMentions(c: CollationDef): string[] {
  const bare = (n: string) => (/^[a-z_][a-z0-9_$]*$/.test(n) ? n : quoteIdent(n));
  return [`${bare(c.schema)}.${bare(c.name)}`, qualify(c.schema, c.name)];
}

/**
 * Collations first among the types (ranks: collations, then range types, then the rest), dropped after them. A
 * collation's locale cannot be altered: it is renamed aside, created anew, the live columns that use it moved
 * over (ALTER COLUMN … TYPE … COLLATE: the values stay, indexes are rebuilt), and the old one dropped. Anything
 * else still using it (a domain, an index expression) makes that DROP fail, visibly.
 */
function collation(d: DriftDifference, desired: CatalogModel, actual: CatalogModel): ObjectOutcome {
  const target = (c: CollationDef) => `COLLATION ${qualify(c.schema, c.name)}`;
  return wholeObject(
    d,
    find(desired.collations, d.object),
    find(actual.collations, d.object),
    (w) => [{ stage: 'type', rank: -2, sql: withComment(renderCollation(w), target(w), w.comment) }],
    (h) => [{ stage: 'drop_type', rank: 1, sql: `DROP COLLATION ${qualify(h.schema, h.name)};` }],
    (w, h) => {
      const aside = `${w.name}__pgsnap_old`;
      const mentions = collationMentions(h);
      const moved = ownColumns(actual.tables).filter(({ column }) => column.collation !== null && mentions.includes(column.collation));
      const sql = [
        `ALTER COLLATION ${qualify(h.schema, h.name)} RENAME TO ${quoteIdent(aside)};`,
        withComment(renderCollation(w), target(w), w.comment),
        ...moved.map(({ table, column }) => alterColumnType(table, column)),
        `DROP COLLATION ${qualify(h.schema, aside)};`,
      ];
      return [{ stage: 'type', rank: -2, sql: sql.join('\n') }];
    },
  );
}

function createRange(r: RangeTypeDef): string {
  const target = `TYPE ${qualify(r.schema, r.name)}`;
  return [withComment(renderRangeType(r), target, r.comment), ...renderObjectGrants(target, r.grants, 'USAGE')].join('\n');
}

/**
 * A range type cannot be altered: it is rebuilt like an enum (renamed aside with its multirange and the
 * constructor functions named after both, which would otherwise clash with the new ones; created anew; columns
 * moved over through text; the old one dropped). Values survive unless the subtype, its collation or operator
 * class, or the canonical function changed, which can reject or alter stored ranges: data loss.
 */
function rangeType(d: DriftDifference, desired: CatalogModel, actual: CatalogModel): ObjectOutcome {
  return wholeObject(
    d,
    find(desired.rangeTypes, d.object),
    find(actual.rangeTypes, d.object),
    (w) => [{ stage: 'type', rank: -1, sql: createRange(w) }],
    (h) => [{ stage: 'drop_type', sql: `DROP TYPE ${qualify(h.schema, h.name)};` }],
    (w, h) => {
      const name = qualify(h.schema, h.name);
      const aside = `${h.name}__pgsnap_old`;
      const sql = [
        `ALTER TYPE ${name} RENAME TO ${quoteIdent(aside)};`,
        `ALTER FUNCTION ${name}(${h.subtype}, ${h.subtype}) RENAME TO ${quoteIdent(aside)};`,
        `ALTER FUNCTION ${name}(${h.subtype}, ${h.subtype}, text) RENAME TO ${quoteIdent(aside)};`,
      ];
      if (h.multirange !== null) {
        const dot = h.multirange.indexOf('.');
        const [schema, multi] = [h.multirange.slice(0, dot), h.multirange.slice(dot + 1)];
        const [m, asideRange, multiAside] = [qualify(schema, multi), qualify(h.schema, aside), quoteIdent(`${multi}__pgsnap_old`)];
        sql.push(
          `ALTER TYPE ${m} RENAME TO ${multiAside};`,
          ...['', asideRange, `VARIADIC ${asideRange}[]`].map((args) => `ALTER FUNCTION ${m}(${args}) RENAME TO ${multiAside};`),
        );
      }
      sql.push(createRange(w), ...moveColumnsToType(actual.tables, qualifiedName(h), qualify(w.schema, w.name)), `DROP TYPE ${qualify(h.schema, aside)};`);
      const changed = (['subtype', 'collation', 'opclass', 'canonical'] as const).filter((k) => w[k] !== h[k]);
      const loss = changed.length > 0 ? `rebuilds the range type with another ${changed.join(', ')}: stored ranges may be rejected or change` : undefined;
      return [{ stage: 'type', rank: -1, sql: sql.join('\n'), ...(loss ? { dataLoss: loss } : {}) }];
    },
  );
}

const RULE_STATE = { O: 'ENABLE', D: 'DISABLE', R: 'ENABLE REPLICA', A: 'ENABLE ALWAYS' } as const;

/** Rules are created with the triggers (their table or view exists, and what they write to), dropped early. */
function rule(d: DriftDifference, desired: CatalogModel, actual: CatalogModel): ObjectOutcome {
  const rules = (m: CatalogModel) =>
    [...m.tables, ...m.views].flatMap((on) => (on.rules ?? []).map((r) => ({ on, rule: r }))).find((x) => `${qualifiedName(x.on)}.${x.rule.name}` === d.object);
  const on = (x: { on: { schema: string; name: string } }) => qualify(x.on.schema, x.on.name);
  return wholeObject(
    d,
    rules(desired),
    rules(actual),
    // OR REPLACE: a view rebuilt by the plan brings its rules along already.
    (w) => [{ stage: 'trigger', sql: renderRule(w.on, w.rule).replace(/^CREATE RULE /, 'CREATE OR REPLACE RULE ') }],
    (h) => [{ stage: 'drop_trigger', sql: `DROP RULE ${quoteIdent(h.rule.name)} ON ${on(h)};` }],
    (w, h) => {
      const sql: string[] = [];
      // CREATE OR REPLACE RULE keeps the rule's enabled state; it is set on its own.
      if (w.rule.definition !== h.rule.definition) sql.push(`${replaceRule(w.rule)};`);
      if (w.rule.enabled !== h.rule.enabled) sql.push(`ALTER TABLE ${on(w)} ${RULE_STATE[w.rule.enabled]} RULE ${quoteIdent(w.rule.name)};`);
      return [{ stage: 'trigger', sql: sql.join('\n') }];
    },
  );
}

function replaceRule(r: RuleDef): string {
  return r.definition.replace(/^CREATE RULE /, 'CREATE OR REPLACE RULE ');
}

/**
 * Event triggers are created last, so that they do not fire on the plan's own DDL, and dropped early. Their
 * event and tags cannot be altered (drop and create); their enabled state can.
 */
function eventTrigger(d: DriftDifference, desired: CatalogModel, actual: CatalogModel): ObjectOutcome {
  const byName = (m: CatalogModel) => (m.eventTriggers ?? []).find((e) => e.name === d.object);
  const create = (e: EventTriggerDef) => withComment(renderEventTrigger(e), `EVENT TRIGGER ${quoteIdent(e.name)}`, e.comment);
  return wholeObject(
    d,
    byName(desired),
    byName(actual),
    (w) => [{ stage: 'event_trigger', sql: create(w) }],
    (h) => [{ stage: 'drop_trigger', sql: `DROP EVENT TRIGGER ${quoteIdent(h.name)};` }],
    (w, h) => {
      if (w.event === h.event && w.function === h.function && JSON.stringify(w.tags) === JSON.stringify(h.tags)) {
        return [{ stage: 'event_trigger', sql: `ALTER EVENT TRIGGER ${quoteIdent(w.name)} ${RULE_STATE[w.enabled]};` }];
      }
      return [{ stage: 'event_trigger', sql: `DROP EVENT TRIGGER ${quoteIdent(h.name)};\n${create(w)}` }];
    },
  );
}

/**
 * ALTER DEFAULT PRIVILEGES, after the explicit grants (they only apply to objects created later). A live-only
 * entry is taken back: a grant revoked, a revoked built-in default (EXECUTE or USAGE for PUBLIC) granted again.
 */
function defaultPrivilege(d: DriftDifference, desired: CatalogModel, actual: CatalogModel): ObjectOutcome {
  const byKey = (m: CatalogModel) => (m.defaultPrivileges ?? []).find((p) => defaultPrivilegeObject(p) === d.object);
  const step = (sql: string): ObjectStep[] => [{ stage: 'grant', rank: 1, sql }];
  return wholeObject(
    d,
    byKey(desired),
    byKey(actual),
    (w) => step(forOwner(w, renderDefaultPrivilege(w))),
    (h) => step(forOwner(h, renderDefaultPrivilege({ ...h, revoked: !h.revoked, grantable: false }))),
    (w) => {
      const what = `${w.privilege} ON ${w.objectType.toUpperCase()}`;
      const scope = `ALTER DEFAULT PRIVILEGES${w.role === null ? '' : ` FOR ROLE ${quoteIdent(w.role)}`}${w.schema === null ? '' : ` IN SCHEMA ${quoteIdent(w.schema)}`}`;
      const sql = w.grantable ? renderDefaultPrivilege(w) : `${scope} REVOKE GRANT OPTION FOR ${what} FROM ${roleSql(w.grantee)};`;
      return step(forOwner(w, sql));
    },
  );
}

/**
 * The model's role `null` is the database owner, whoever applies the plan: without FOR ROLE the statement
 * would set the applying role's defaults instead, so the owner is named, looked up when the plan runs.
 */
function forOwner(p: DefaultPrivilegeDef, sql: string): string {
  if (p.role !== null) return sql;
  const statement = sql
    .replace(/%/g, '%%')
    .replace(/^ALTER DEFAULT PRIVILEGES/, 'ALTER DEFAULT PRIVILEGES FOR ROLE %I')
    .replace(/;$/, '');
  const format = `format(${quoteLiteral(statement)}, (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()))`;
  let tag = '$pgsnap$';
  for (let i = 1; format.includes(tag); i++) tag = `$pgsnap${i}$`;
  return `DO ${tag} BEGIN EXECUTE ${format}; END ${tag};`;
}
