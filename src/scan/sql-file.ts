import { scanSync } from 'libpg-query';
import { byteToCharOffsets } from '../position.js';
import { definitionsOf } from '../schema-files/definitions.js';
import { withoutPsqlSyntax } from '../schema-files/psql.js';
import { parseSchemaFile } from '../schema-files/statements.js';
import type { Hit } from './hit.js';
import { analyzeSql, neutralizePlaceholders } from './sql.js';

/**
 * A .sql file in the application's code (reports, queries, scripts, migrations kept with the code). Parsed whole;
 * when one statement does not parse (a template placeholder), the file is split at top-level semicolons with the
 * PostgreSQL lexer and every statement that parses still counts. What the file itself creates (read as schema
 * files are read, renames followed) is defined there: using it later in the same script is not a use.
 */
function splitStatements(text: string): { text: string; start: number }[] {
  let tokens: { start: number; end: number; text: string }[];
  try {
    tokens = scanSync(text).tokens;
  } catch {
    return [{ text, start: 0 }];
  }
  const toChar = byteToCharOffsets(text);
  const parts: { text: string; start: number }[] = [];
  let start = 0;
  for (const t of tokens) {
    if (t.text !== ';') continue;
    const end = toChar(t.end);
    parts.push({ text: text.slice(start, end), start });
    start = end;
  }
  if (text.slice(start).trim() !== '') parts.push({ text: text.slice(start), start });
  return parts;
}

/** schema.name of every relation the script creates (and still has at its end), plus the bare names. */
function locallyDefined(text: string): Set<string> {
  try {
    const parsed = parseSchemaFile(text, 'script.sql');
    const defs = definitionsOf([parsed], { temporary: true });
    return new Set(defs.relations.flatMap((r) => [`${r.schema}.${r.name}`, r.name]));
  } catch {
    return new Set();
  }
}

export function scanSqlFile(source: string): Hit[] {
  // psql variables and query-file parameters (`:name`, `:'name'`) are values here, not identifiers
  const text = neutralizePlaceholders(withoutPsqlSyntax(source, 'keep'));
  const whole = analyzeSql(text);
  const results = whole ? [{ analysis: whole, start: 0 }] : splitStatements(text).flatMap((s) => {
    const a = analyzeSql(s.text);
    return a ? [{ analysis: a, start: s.start }] : [];
  });
  const local = /\bcreate\b/i.test(text) ? locallyDefined(text) : new Set<string>();
  return results.flatMap(({ analysis, start }) =>
    analysis.references
      .filter((r) => !local.has(r.schema === undefined ? (r.kind === 'column' ? (r.table as string) : r.name) : `${r.schema}.${r.kind === 'column' ? r.table : r.name}`))
      .map((r) => ({
        kind: r.kind,
        ...(r.schema === undefined ? {} : { schema: r.schema }),
        name: r.name,
        ...(r.table === undefined ? {} : { table: r.table }),
        offset: start + r.offset,
        via: 'SQL file',
      })),
  );
}
