import { usageError } from '../errors.js';
import { checkArchivedDdl, sqlParser } from './ddl-guard.js';

/**
 * `--where 'schema.table: SQL'`: a condition on the archived rows of one table, evaluated on its staging table
 * and nowhere else. It is user input, so it is parsed (libpg-query; the caller loads the parser) and accepted
 * only as one boolean expression: no second statement, no UNION smuggled past the parentheses, none of the
 * functions restore never runs.
 */

export interface RowFilter {
  /** the table pattern as typed (`public.projects`, `"my.schema"."t"`) */
  readonly table: string;
  /** the condition, spelled as typed; column names are the archived rows' */
  readonly condition: string;
}

/** Split at the first ':' outside double quotes: the table part may be a quoted name holding anything. */
export function parseRowFilter(text: string): RowFilter {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (ch === ':' && !quoted) {
      const table = text.slice(0, i).trim();
      const condition = text.slice(i + 1).trim();
      if (table === '' || condition === '') break;
      checkCondition(condition, text);
      return { table, condition };
    }
  }
  throw usageError(`malformed --where ${JSON.stringify(text)}`, "write it as 'schema.table: condition', e.g. --where 'public.projects: id = 7'");
}

function checkCondition(condition: string, text: string): void {
  const bad = (why: string) => usageError(`--where ${JSON.stringify(text)}: ${why}`, 'give one condition on the columns of the archived rows');
  const { parseSync } = sqlParser();
  let parsed: { stmts?: { stmt: Record<string, unknown> }[] };
  try {
    parsed = parseSync(`SELECT FROM pgsnap_stage WHERE (${condition})`) as typeof parsed;
  } catch (e) {
    throw bad(`not a valid condition (${(e as Error).message})`);
  }
  const stmts = parsed.stmts ?? [];
  const select = stmts[0]?.stmt.SelectStmt as { op?: string; larg?: unknown; fromClause?: unknown[] } | undefined;
  if (stmts.length !== 1 || !select || (select.op && select.op !== 'SETOP_NONE') || select.larg || select.fromClause?.length !== 1) {
    throw bad('it must be a single condition, not more SQL');
  }
  const { problems } = checkArchivedDdl(`SELECT FROM pgsnap_stage WHERE (${condition})`);
  if (problems.length > 0) throw bad(problems[0]?.replace('archived DDL', 'it') ?? 'refused');
}
