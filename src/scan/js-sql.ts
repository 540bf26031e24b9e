import type { TemplateLiteral } from 'oxc-parser';
import type { Hit } from './hit.js';
import { type SqlAnalysis, analyzeSqlLenient, looksLikeSql } from './sql.js';

/**
 * SQL held in JavaScript strings and template literals. Substitutions (`${id}`) become `$1`, `$2`… (values are
 * what they nearly always are); when that does not parse, they become identifiers (`${table}` in a FROM), and
 * references to those stand-ins are dropped.
 */

/** Calls whose first argument is SQL: pg, postgres.js, pg-promise, Prisma, knex.raw, sqlite-style drivers. */
export const SQL_METHODS = new Set([
  'query', 'execute', 'raw', 'unsafe', '$queryRaw', '$executeRaw', '$queryRawUnsafe', '$executeRawUnsafe', 'prepare',
  'exec', 'none', 'one', 'oneOrNone', 'many', 'manyOrNone', 'any', 'result', 'multi', 'all', 'run',
]);
/** Template tags whose template is SQL: `sql`, `SQL`, Prisma's `$queryRaw`, slonik's `sql.type(…)`. */
export const SQL_TAGS = new Set(['sql', 'SQL', 'raw', 'unsafe', '$queryRaw', '$executeRaw', 'query']);

const STAND_IN = 'pgsnap_subst_';

export interface SqlCandidate {
  /** the SQL text with substitutions replaced */
  readonly text: string;
  /** SQL offset → file offset */
  readonly map: (offset: number) => number;
}

export function stringCandidate(value: string, valueStart: number): SqlCandidate {
  return { text: value, map: (o) => valueStart + o };
}

function templateCandidate(node: TemplateLiteral, placeholder: (i: number) => string): SqlCandidate {
  const segments: { sqlStart: number; fileStart: number; length: number }[] = [];
  let text = '';
  node.quasis.forEach((q, i) => {
    const cooked = q.value.cooked ?? q.value.raw;
    segments.push({ sqlStart: text.length, fileStart: q.start, length: cooked.length });
    text += cooked;
    const expr = node.expressions[i];
    if (expr) {
      const stand = placeholder(i + 1);
      segments.push({ sqlStart: text.length, fileStart: expr.start, length: 0 });
      text += stand;
    }
  });
  const map = (o: number) => {
    let seg = segments[0] as (typeof segments)[number];
    for (const s of segments) if (s.sqlStart <= o) seg = s;
    return seg.fileStart + Math.min(o - seg.sqlStart, seg.length);
  };
  return { text, map };
}

/** The first quasi decides whether a template is worth parsing. */
export function templateLooksLikeSql(node: TemplateLiteral): boolean {
  const head = node.quasis[0]?.value.cooked ?? '';
  return looksLikeSql(head.length > 0 ? head : ' ');
}

export interface SqlResult {
  readonly analysis: SqlAnalysis;
  readonly candidate: SqlCandidate;
}

export function analyzeTemplate(node: TemplateLiteral): SqlResult | undefined {
  const params = templateCandidate(node, (i) => `$${i}`);
  const a = analyzeSqlLenient(params.text);
  if (a) return { analysis: a, candidate: params };
  if (node.expressions.length === 0) return undefined;
  const idents = templateCandidate(node, (i) => `${STAND_IN}${i}`);
  const b = analyzeSqlLenient(idents.text);
  if (!b) return undefined;
  const references = b.references.filter((r) => !r.name.startsWith(STAND_IN) && !(r.table ?? '').startsWith(STAND_IN) && !(r.schema ?? '').startsWith(STAND_IN));
  return { analysis: { ...b, references }, candidate: idents };
}

export function sqlHits(result: SqlResult, via: string): Hit[] {
  return result.analysis.references.map((r) => ({
    kind: r.kind,
    ...(r.schema === undefined ? {} : { schema: r.schema }),
    name: r.name,
    ...(r.table === undefined ? {} : { table: r.table }),
    offset: result.candidate.map(r.offset),
    via,
  }));
}
