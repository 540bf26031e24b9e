import { scanSync } from 'libpg-query';
import { byteToCharOffsets } from '../position.js';
import { analyzeSql } from './sql.js';
import type { Hit } from './hit.js';

/**
 * A .sql file in the application's code (reports, functions, migrations). Parsed whole; when one statement does
 * not parse (a psql meta-command, a template placeholder), the file is split at top-level semicolons with the
 * PostgreSQL lexer and every statement that parses still counts.
 */
export function splitStatements(text: string): { text: string; start: number }[] {
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

/** psql meta-commands (`\\echo`, `\\i file`, `\\set`) blanked out, offsets kept. */
function withoutMetaCommands(text: string): string {
  return text.replace(/^[ \t]*\\.*$/gm, (line) => ' '.repeat(line.length));
}

export function scanSqlFile(source: string): Hit[] {
  const text = withoutMetaCommands(source);
  const whole = analyzeSql(text);
  const results = whole ? [{ analysis: whole, start: 0 }] : splitStatements(text).flatMap((s) => {
    const a = analyzeSql(s.text);
    return a ? [{ analysis: a, start: s.start }] : [];
  });
  return results.flatMap(({ analysis, start }) =>
    analysis.references.map((r) => ({
      kind: r.kind,
      ...(r.schema === undefined ? {} : { schema: r.schema }),
      name: r.name,
      ...(r.table === undefined ? {} : { table: r.table }),
      offset: start + r.offset,
      via: 'SQL file',
    })),
  );
}
