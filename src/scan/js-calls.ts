import type { CallExpression, Expression, ObjectExpression } from 'oxc-parser';
import { type Expr, calleeName, chainNames, lastName, methodName, objectKeys, receiver, stringValue, unwrap, valueStart } from './js-ast.js';
import { type Hit, isIdentifier, parseTableName } from './hit.js';
import { selectItems } from './postgrest-select.js';

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
  /** clients created with a default schema: `createClient(url, key, { db: { schema: 's' } })` → name → s */
  readonly clientSchemas: ReadonlyMap<string, string>;
  /** calls followed by `.withSchema('s')` (knex allows it after the table): call start → s */
  readonly laterSchemas: ReadonlyMap<number, string>;
}

const SCHEMA_METHODS = new Set(['schema', 'withSchema']);

/** Is `x.from(...)` a table? Not on `supabase.storage` (buckets) nor on a class (`Array.from`, `Buffer.from`). */
function fromIsTable(call: CallExpression): boolean {
  const recv = receiver(call);
  const last = lastName(recv);
  if (last !== undefined && /^[A-Z]/.test(last)) return false;
  return !chainNames(recv).includes('storage');
}

/**
 * The schema a call's table is in: `.schema('s')` (supabase-js) or `.withSchema('s')` (knex, kysely) earlier in
 * the chain, `.withSchema('s')` later in it (knex), else the default schema of the client the chain starts from.
 */
function schemaOf(call: CallExpression, ctx: CallContext): string | undefined {
  let n = receiver(call);
  while (n) {
    if (n.type === 'CallExpression') {
      const m = methodName(n);
      if (m !== undefined && SCHEMA_METHODS.has(m)) return stringValue(n.arguments[0]);
      n = receiver(n) ?? unwrap(n.callee);
    } else if (n.type === 'MemberExpression') n = unwrap(n.object);
    else break;
  }
  const later = ctx.laterSchemas.get(call.start);
  if (later !== undefined) return later;
  const root = chainNames(receiver(call) ?? unwrap(call.callee)).pop();
  return root === undefined ? undefined : ctx.clientSchemas.get(root);
}

/** Is the call on a query builder (a chain of calls, or a knex instance), not on `path`, an array or a string? */
function onBuilder(call: CallExpression, ctx: CallContext): boolean {
  const recv = receiver(call);
  if (recv?.type === 'CallExpression') return !chainNames(recv).some((n) => NOT_BUILDERS.has(n));
  const name = lastName(recv);
  return name !== undefined && (ctx.knexNames.has(name) || ctx.clientSchemas.has(name));
}

// Receivers whose `.join()`/`.table()` join strings or print, never name a table.
const NOT_BUILDERS = new Set(['path', 'posix', 'win32', 'console', 'url', 'URL', 'Prisma', 'sql']);

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
    if (m === 'from' && fromIsTable(n)) return tableHit(n.arguments[0], '.from()', ctx.cteNames, schemaOf(n, ctx));
    const f = calleeName(n);
    if (f !== undefined && ctx.knexNames.has(f)) return tableHit(n.arguments[0], `${f}()`, ctx.cteNames, schemaOf(n, ctx));
    n = receiver(n);
  }
  return undefined;
}

function columnHits(call: CallExpression, method: string, ctx: CallContext): Hit[] {
  const base = baseTable(call, ctx);
  if (!base) return [];
  const col = (name: string, offset: number, via: string, table = base.name): Hit => ({
    kind: 'column',
    ...(base.schema === undefined ? {} : { schema: base.schema }),
    table,
    name,
    offset,
    via,
  });
  const arg = call.arguments[0];
  if (method === 'select' && base.via === '.from()') {
    const list = stringValue(arg);
    if (arg === undefined || list === undefined) return [];
    // an embedded resource (`prices(*)`) is a use of that table, in the schema of the query
    return selectItems(list).map((c) =>
      c.kind === 'embed'
        ? { kind: 'table', ...(base.schema === undefined ? {} : { schema: base.schema }), name: c.name, offset: valueStart(arg) + c.index, via: '.select() embed' }
        : col(c.name, valueStart(arg) + c.index, '.select()', c.embed),
    );
  }
  if (FILTER_METHODS.has(method) && base.via === '.from()') {
    const name = stringValue(arg);
    if (arg === undefined || name === undefined) return [];
    // `.order('c', { referencedTable: 't' })` (foreignTable before supabase-js 2.40): a column of the embedded t
    const options = unwrap(call.arguments[method === 'textSearch' ? 2 : 1]);
    const referenced = options?.type === 'ObjectExpression' ? optionString(options, ['referencedTable', 'foreignTable']) : undefined;
    if (referenced !== undefined) return isIdentifier(name) && isIdentifier(referenced) ? [col(name, valueStart(arg), `.${method}()`, referenced)] : [];
    // `.eq('prices.amount', …)`: a filter on the embedded resource prices
    const dotted = /^([A-Za-z_][\w$]*)\.([A-Za-z_][\w$]*)$/.exec(name);
    if (dotted) return [col(dotted[2] as string, valueStart(arg) + (dotted[1] as string).length + 1, `.${method}()`, dotted[1] as string)];
    return isIdentifier(name) ? [col(name, valueStart(arg), `.${method}()`)] : [];
  }
  if (WRITE_METHODS.has(method) || method === 'match') {
    const target = unwrap(arg);
    const objects = target?.type === 'ObjectExpression' ? [target] : target?.type === 'ArrayExpression' ? target.elements.map((e) => unwrap(e as Expression | null)) : [];
    return objects.flatMap((o) => (o?.type === 'ObjectExpression' ? objectKeys(o).map((k) => col(k.name, k.offset, `.${method}()`)) : []));
  }
  return [];
}

function optionString(o: ObjectExpression, keys: readonly string[]): string | undefined {
  for (const p of o.properties) {
    if (p.type === 'Property' && !p.computed && p.key.type === 'Identifier' && keys.includes(p.key.name)) return stringValue(p.value as Expression) ?? '';
  }
  return undefined;
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

  if (fn !== undefined && ctx.knexNames.has(fn)) add(tableHit(first, `${fn}()`, ctx.cteNames, ctx.laterSchemas.get(call.start)));
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

  const schema = schemaOf(call, ctx);
  if (method === 'from' && fromIsTable(call)) add(tableHit(first, '.from()', ctx.cteNames, schema));
  else if (KNEX_METHODS.has(method) && onBuilder(call, ctx)) add(tableHit(first, `.${method}()`, ctx.cteNames, schema));
  else if (method === 'join' && args.length >= 2 && onBuilder(call, ctx)) add(tableHit(first, '.join()', ctx.cteNames, schema));
  else if (BUILDER_METHODS.has(method)) {
    const list = unwrap(first);
    if (list?.type === 'ArrayExpression' && (method === 'selectFrom' || method === 'deleteFrom')) {
      for (const e of list.elements) if (e && e.type !== 'SpreadElement') add(tableHit(e, `${method}()`, ctx.cteNames, schema));
    } else add(tableHit(first, `${method}()`, ctx.cteNames, schema));
  } else if (method === 'rpc') {
    const name = stringValue(first);
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
