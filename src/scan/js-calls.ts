import type { CallExpression, Expression } from 'oxc-parser';
import { type Expr, calleeName, chainNames, lastName, methodName, objectKeys, receiver, stringValue, unwrap, valueStart } from './js-ast.js';
import { type Hit, isIdentifier, parseTableName } from './hit.js';

/**
 * Query-builder calls that name a table, a function or columns: supabase-js, knex, kysely, drizzle, realtime
 * subscriptions, and the patterns a project adds in config (`scan.calls`).
 */

// kysely (and knex, which shares the join names) builder methods whose first argument is a table
const BUILDER_METHODS = new Set([
  'selectFrom', 'insertInto', 'updateTable', 'deleteFrom', 'mergeInto', 'replaceInto',
  'innerJoin', 'leftJoin', 'rightJoin', 'fullJoin', 'crossJoin', 'leftOuterJoin', 'rightOuterJoin', 'fullOuterJoin',
  'innerJoinLateral', 'leftJoinLateral',
]);
// knex methods whose first argument is a table; `.join` only with a second argument (Array#join takes one)
const KNEX_METHODS = new Set(['table', 'into']);
// supabase-js filters whose first argument is a column of the table in `.from()`
const FILTER_METHODS = new Set([
  'eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'likeAllOf', 'likeAnyOf', 'ilikeAllOf', 'ilikeAnyOf', 'is', 'in',
  'contains', 'containedBy', 'overlaps', 'textSearch', 'order', 'filter', 'not',
]);
const WRITE_METHODS = new Set(['insert', 'upsert', 'update']);

export interface CallContext {
  /** identifiers that are knex instances: `knex`, `trx`, and variables initialised by `knex({...})` */
  readonly knexNames: ReadonlySet<string>;
  /** CTE names declared with kysely/knex `.with('name', …)` in this file */
  readonly cteNames: ReadonlySet<string>;
  /** config `scan.calls`: `name` or `object.name` */
  readonly extraCalls: readonly string[];
}

/** Is `x.from(...)` a table? Not on `supabase.storage` (buckets) nor on a class (`Array.from`, `Buffer.from`). */
function fromIsTable(call: CallExpression): boolean {
  const recv = receiver(call);
  const last = lastName(recv);
  if (last !== undefined && /^[A-Z]/.test(last)) return false;
  return !chainNames(recv).includes('storage');
}

/** The schema set by `.schema('s')` right before, as in `supabase.schema('s').from('t')`. */
function chainedSchema(call: CallExpression): string | undefined {
  const recv = receiver(call);
  if (recv?.type === 'CallExpression' && methodName(recv) === 'schema') return stringValue(recv.arguments[0]);
  return undefined;
}

function tableHit(arg: Expr | undefined, via: string, ctes: ReadonlySet<string>, schema?: string): Hit | undefined {
  const value = stringValue(arg);
  if (arg === undefined || value === undefined) return undefined;
  const t = parseTableName(value);
  if (!t) return undefined;
  if (t.schema === undefined && ctes.has(t.name)) return undefined;
  const s = t.schema ?? schema;
  return { kind: 'table', ...(s === undefined ? {} : { schema: s }), name: t.name, offset: valueStart(arg), via };
}

function matchesExtra(call: CallExpression, pattern: string): boolean {
  const dot = pattern.lastIndexOf('.');
  if (dot === -1) return calleeName(call) === pattern || methodName(call) === pattern;
  return methodName(call) === pattern.slice(dot + 1) && lastName(receiver(call)) === pattern.slice(0, dot).split('.').pop();
}

/** The table a supabase chain starts from: walks `x.from('t').select().eq()…` back to the `.from('t')`. */
function baseTable(call: CallExpression, ctx: CallContext): Hit | undefined {
  let n = receiver(call);
  while (n && n.type === 'CallExpression') {
    const m = methodName(n);
    if (m === 'from' && fromIsTable(n)) return tableHit(n.arguments[0], '.from()', ctx.cteNames, chainedSchema(n));
    const f = calleeName(n);
    if (f !== undefined && ctx.knexNames.has(f)) return tableHit(n.arguments[0], `${f}()`, ctx.cteNames);
    n = receiver(n);
  }
  return undefined;
}

/** Column names in a PostgREST select list: `id, name, alias:col, col::text, meta->>x`; embeds are skipped. */
export function selectColumns(list: string): { name: string; index: number }[] {
  const out: { name: string; index: number }[] = [];
  let depth = 0;
  let start = 0;
  const push = (end: number) => {
    const raw = list.slice(start, end);
    const lead = raw.length - raw.trimStart().length;
    let item = raw.trim();
    let index = start + lead;
    if (item.includes('(') || item.includes('*') || item.startsWith('...')) return;
    const cast = item.indexOf('::');
    if (cast !== -1) item = item.slice(0, cast);
    const colon = item.indexOf(':');
    if (colon !== -1) {
      const after = item.slice(colon + 1);
      index += colon + 1 + (after.length - after.trimStart().length);
      item = after.trim();
    }
    const arrow = item.indexOf('->');
    if (arrow !== -1) item = item.slice(0, arrow);
    item = item.trim();
    if (isIdentifier(item)) out.push({ name: item, index });
  };
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      push(i);
      start = i + 1;
    }
  }
  push(list.length);
  return out;
}

function columnHits(call: CallExpression, method: string, ctx: CallContext): Hit[] {
  const base = baseTable(call, ctx);
  if (!base) return [];
  const col = (name: string, offset: number, via: string): Hit => ({
    kind: 'column',
    ...(base.schema === undefined ? {} : { schema: base.schema }),
    table: base.name,
    name,
    offset,
    via,
  });
  const arg = call.arguments[0];
  if (method === 'select' && base.via === '.from()') {
    const list = stringValue(arg);
    if (arg === undefined || list === undefined) return [];
    return selectColumns(list).map((c) => col(c.name, valueStart(arg) + c.index, '.select()'));
  }
  if (FILTER_METHODS.has(method) && base.via === '.from()') {
    const name = stringValue(arg);
    return arg !== undefined && name !== undefined && isIdentifier(name) ? [col(name, valueStart(arg), `.${method}()`)] : [];
  }
  if (WRITE_METHODS.has(method) || method === 'match') {
    const target = unwrap(arg);
    const objects = target?.type === 'ObjectExpression' ? [target] : target?.type === 'ArrayExpression' ? target.elements.map((e) => unwrap(e as Expression | null)) : [];
    return objects.flatMap((o) => (o?.type === 'ObjectExpression' ? objectKeys(o).map((k) => col(k.name, k.offset, `.${method}()`)) : []));
  }
  return [];
}

/** Every table, function and column a call names. */
export function callHits(call: CallExpression, ctx: CallContext): Hit[] {
  const method = methodName(call);
  const fn = calleeName(call);
  const args = call.arguments;
  const first = args[0];
  const hits: Hit[] = [];
  const add = (h: Hit | undefined) => {
    if (h) hits.push(h);
  };

  for (const pattern of ctx.extraCalls) if (matchesExtra(call, pattern)) add(tableHit(first, `${pattern}()`, ctx.cteNames));

  if (fn !== undefined && ctx.knexNames.has(fn)) add(tableHit(first, `${fn}()`, ctx.cteNames));
  if (fn === 'pgTable' || method === 'pgTable') {
    const h = tableHit(first, 'pgTable()', new Set());
    if (h) hits.push({ ...h, definition: true });
  }
  if (stringValue(first) === 'postgres_changes') {
    const filter = unwrap(args[1]);
    if (filter?.type === 'ObjectExpression') {
      const prop = (key: string) =>
        filter.properties.find((p) => p.type === 'Property' && !p.computed && p.key.type === 'Identifier' && p.key.name === key);
      const table = prop('table');
      const schema = prop('schema');
      const schemaName = schema?.type === 'Property' ? stringValue(schema.value) : undefined;
      if (table?.type === 'Property') add(tableHit(table.value, 'postgres_changes', new Set(), schemaName ?? 'public'));
    }
  }
  if (method === undefined) return hits;

  if (method === 'from' && fromIsTable(call)) add(tableHit(first, '.from()', ctx.cteNames, chainedSchema(call)));
  else if (KNEX_METHODS.has(method)) add(tableHit(first, `.${method}()`, ctx.cteNames));
  else if (method === 'join' && args.length >= 2) add(tableHit(first, '.join()', ctx.cteNames));
  else if (BUILDER_METHODS.has(method)) {
    const list = unwrap(first);
    if (list?.type === 'ArrayExpression' && (method === 'selectFrom' || method === 'deleteFrom')) {
      for (const e of list.elements) if (e && e.type !== 'SpreadElement') add(tableHit(e, `${method}()`, ctx.cteNames));
    } else add(tableHit(first, `${method}()`, ctx.cteNames));
  } else if (method === 'rpc') {
    const name = stringValue(first);
    const schema = chainedSchema(call);
    if (first !== undefined && name !== undefined && isIdentifier(name)) {
      hits.push({ kind: 'function', ...(schema === undefined ? {} : { schema }), name, offset: valueStart(first), via: '.rpc()' });
    }
  }
  hits.push(...columnHits(call, method, ctx));
  return hits;
}

/** `.with('name', …)` / `.withRecursive('name(a, b)', …)`: a CTE, whose name is not a table. */
export function cteName(call: CallExpression): string | undefined {
  const m = methodName(call);
  if (m !== 'with' && m !== 'withRecursive') return undefined;
  const v = stringValue(call.arguments[0]);
  if (v === undefined) return undefined;
  const name = v.split('(')[0]?.trim() ?? '';
  return isIdentifier(name) ? name : undefined;
}
