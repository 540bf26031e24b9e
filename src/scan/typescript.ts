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

export function scanTypeScript(text: string, file: string, extraCalls: readonly string[] = []): Hit[] {
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
  const ctx: CallContext = { knexNames, cteNames, extraCalls };
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
