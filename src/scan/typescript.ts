import { type CallExpression, type StringLiteral, type TemplateLiteral, Visitor, parseSync } from 'oxc-parser';
import { type CallContext, callHits, cteName } from './js-calls.js';
import { type Expr, calleeName, chainNames, lastName, methodName, stringValue, unwrap } from './js-ast.js';
import type { Hit } from './hit.js';
import { SQL_METHODS, SQL_TAGS, analyzeTemplate, sqlHits, stringCandidate, templateLooksLikeSql } from './js-sql.js';
import { analyzeSqlLenient, looksLikeSql } from './sql.js';

/**
 * TypeScript and JavaScript, parsed with oxc (a real parser: comments are not code, strings are strings). Two kinds
 * of findings: query-builder calls (js-calls.ts) and SQL in strings and templates (js-sql.ts). A string is taken
 * for SQL when it is passed to a SQL call or tag (directly or through a `const`), or when it parses and has the
 * shape of a query (see SqlAnalysis.shaped), so UI prose that happens to parse is not.
 */

const DEFAULT_KNEX_NAMES = ['knex', 'trx'];

function langOf(file: string): 'ts' | 'tsx' | 'js' | 'jsx' {
  if (/\.(c|m)?ts$/.test(file)) return 'ts';
  if (file.endsWith('.tsx')) return 'tsx';
  return 'jsx';
}

type Candidate = { node: StringLiteral | TemplateLiteral; via?: string };

const CLIENT_FACTORIES = new Set(['createClient', 'createBrowserClient', 'createServerClient', 'createServerComponentClient', 'createRouteHandlerClient']);

/** `createClient(url, key, { db: { schema: 's' } })` → s */
function clientDefaultSchema(init: CallExpression): string | undefined {
  if (!CLIENT_FACTORIES.has(calleeName(init) ?? methodName(init) ?? '')) return undefined;
  for (const a of init.arguments) {
    const o = unwrap(a);
    if (o?.type !== 'ObjectExpression') continue;
    for (const p of o.properties) {
      if (p.type !== 'Property' || p.computed || p.key.type !== 'Identifier' || p.key.name !== 'db') continue;
      const db = unwrap(p.value as Expr);
      if (db?.type !== 'ObjectExpression') continue;
      for (const q of db.properties) {
        if (q.type === 'Property' && !q.computed && q.key.type === 'Identifier' && q.key.name === 'schema') return stringValue(q.value as Expr);
      }
    }
  }
  return undefined;
}

export interface TypeScriptScanOptions {
  readonly extraCalls?: readonly string[];
  /** client names with a default schema, found in other files (`export const supabase = createClient(…)`) */
  readonly clientSchemas?: ReadonlyMap<string, string>;
}

export function scanTypeScript(text: string, file: string, options: TypeScriptScanOptions = {}): Hit[] {
  const extraCalls = options.extraCalls ?? [];
  const { program } = parseSync(file, text, { lang: langOf(file), sourceType: 'unambiguous' });
  const calls: CallExpression[] = [];
  const candidates = new Map<number, Candidate>();
  const knexNames = new Set(DEFAULT_KNEX_NAMES);
  // `import makeKnex from 'knex'` / `require('knex')`: calling it makes a knex instance
  const knexFactories = new Set(['knex', 'Knex']);
  const instanceCandidates: { name: string; init: CallExpression }[] = [];
  const cteNames = new Set<string>();
  const constInits = new Map<string, number>();
  const sqlIdentifiers = new Map<string, string>();
  const clientSchemas = new Map(options.clientSchemas ?? []);
  const laterSchemas = new Map<number, string>();
  const noteClient = (name: string | undefined, init: unknown) => {
    const call = unwrap(init as Expr);
    const schema = call?.type === 'CallExpression' ? clientDefaultSchema(call) : undefined;
    if (name !== undefined && schema !== undefined) clientSchemas.set(name, schema);
  };

  const markSql = (node: ReturnType<typeof unwrap>, via: string) => {
    if (!node) return;
    if (node.type === 'Literal' && typeof node.value === 'string') candidates.set(node.start, { node, via });
    else if (node.type === 'TemplateLiteral') candidates.set(node.start, { node, via });
    else if (node.type === 'Identifier') sqlIdentifiers.set(node.name, via);
  };

  new Visitor({
    CallExpression(node) {
      calls.push(node);
      const m = methodName(node);
      if (m !== undefined && SQL_METHODS.has(m)) markSql(unwrap(node.arguments[0]), `.${m}()`);
      const cte = cteName(node);
      if (cte) cteNames.add(cte);
      if (m === 'withSchema') {
        const schema = stringValue(node.arguments[0]);
        for (let r = unwrap(node.callee); schema !== undefined && r; ) {
          if (r.type === 'CallExpression') {
            laterSchemas.set(r.start, schema);
            r = unwrap(r.callee);
          } else if (r.type === 'MemberExpression') r = unwrap(r.object);
          else break;
        }
      }
    },
    AssignmentExpression(node) {
      noteClient(lastName(node.left as Expr), node.right);
    },
    PropertyDefinition(node) {
      if (node.key.type === 'Identifier') noteClient(node.key.name, node.value);
    },
    TaggedTemplateExpression(node) {
      const tag = unwrap(node.tag);
      const names = tag?.type === 'CallExpression' ? [...chainNames(tag), calleeName(tag) ?? ''] : chainNames(tag);
      const hit = names.find((n) => SQL_TAGS.has(n));
      if (hit) markSql(node.quasi, `${hit}\`\``);
    },
    Literal(node) {
      if (typeof node.value === 'string' && !candidates.has(node.start) && looksLikeSql(node.value)) candidates.set(node.start, { node: node as StringLiteral });
    },
    TemplateLiteral(node) {
      if (!candidates.has(node.start) && templateLooksLikeSql(node)) candidates.set(node.start, { node });
    },
    VariableDeclarator(node) {
      if (node.id.type !== 'Identifier') return;
      const init = unwrap(node.init);
      if (!init) return;
      if (init.type === 'CallExpression') instanceCandidates.push({ name: node.id.name, init });
      noteClient(node.id.name, init);
      if ((init.type === 'Literal' && typeof init.value === 'string') || init.type === 'TemplateLiteral') constInits.set(node.id.name, init.start);
    },
    ImportDeclaration(node) {
      if (node.source.value !== 'knex') return;
      for (const spec of node.specifiers) {
        if (spec.type !== 'ImportSpecifier' || ['knex', 'Knex', 'default'].includes(lastName(spec.imported as Expr) ?? '')) knexFactories.add(spec.local.name);
      }
    },
  }).visit(program);

  for (const { name, init } of instanceCandidates) {
    const callee = unwrap(init.callee);
    const isRequire = callee?.type === 'CallExpression' && calleeName(callee) === 'require' && stringValue(callee.arguments[0]) === 'knex';
    if (isRequire || knexFactories.has(calleeName(init) ?? '')) knexNames.add(name);
  }

  const hits: Hit[] = [];
  const ctx: CallContext = { knexNames, cteNames, extraCalls, clientSchemas, laterSchemas };
  for (const call of calls) hits.push(...callHits(call, ctx));

  // `const q = 'SELECT …'; db.query(q)`: the const is SQL because of where it goes.
  for (const [name, via] of sqlIdentifiers) {
    const start = constInits.get(name);
    const c = start === undefined ? undefined : candidates.get(start);
    if (start !== undefined && c && !c.via) candidates.set(start, { ...c, via });
  }

  for (const { node, via } of candidates.values()) {
    const result =
      node.type === 'TemplateLiteral'
        ? analyzeTemplate(node)
        : (() => {
            const candidate = stringCandidate(node.value, node.start + 1);
            const analysis = analyzeSqlLenient(candidate.text);
            return analysis ? { analysis, candidate } : undefined;
          })();
    if (!result) continue;
    if (!via && !result.analysis.shaped) continue;
    hits.push(...sqlHits(result, via ?? 'SQL string'));
  }
  return hits;
}
