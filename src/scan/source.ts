import { type Hit, toReferences } from './hit.js';
import { lineIndex } from '../position.js';
import type { ScanOptions, TableReference } from './reference.js';
import { scanSqlFile } from './sql-file.js';
import { analyzeSqlLenient, looksLikeSql } from './sql.js';
import { fill, joinLiterals } from './holes.js';
import { languageOf, stringLiterals } from './strings.js';
import { scanTypeScript } from './typescript.js';

/**
 * `scanSource(text, file)`: every table, function and column one source file uses. Pure: the file name only picks
 * the language and is copied into the references.
 */

const JS_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];

/** Call names (other languages) whose first argument is SQL: DB-API, ActiveRecord, database/sql, JDBC, PDO. */
const SQL_CALLEES = new Set([
  'execute', 'executemany', 'executescript', 'mogrify', 'query', 'exec', 'prepare', 'raw', 'text', 'find_by_sql',
  'select_all', 'select_one', 'select_value', 'select_values', 'select_rows', 'exec_query', 'Exec', 'ExecContext',
  'Query', 'QueryContext', 'QueryRow', 'QueryRowContext', 'Prepare', 'PrepareContext', 'Get', 'Select', 'MustExec',
  'prepareStatement', 'executeQuery', 'executeUpdate', 'createQuery', 'createNativeQuery', 'fetch', 'fetchval',
  'fetchrow', 'sql', 'unprepared', 'statement', 'select', 'insert', 'update', 'delete',
]);

export function isScannable(file: string): boolean {
  return JS_EXTENSIONS.some((e) => file.endsWith(e)) || file.endsWith('.sql') || languageOf(file) !== undefined;
}

const STAND_IN = 'pgsnap_hole_';

function otherLanguageHits(text: string, file: string): Hit[] {
  const lang = languageOf(file);
  if (!lang) return [];
  const hits: Hit[] = [];
  for (const s of joinLiterals(text, stringLiterals(text, lang), lang)) {
    const params = fill(s);
    if (!looksLikeSql(params.text)) continue;
    let sql = params;
    let analysis = analyzeSqlLenient(params.text);
    if (!analysis && s.pieces.length > 1) {
      // a hole where a value cannot stand (`FROM {table}`): stand-in names, whose references are dropped below
      sql = fill(s, (i) => `${STAND_IN}${i}`);
      analysis = analyzeSqlLenient(sql.text);
    }
    const inSqlCall = s.callee !== undefined && SQL_CALLEES.has(s.callee);
    if (!analysis || (!analysis.shaped && !inSqlCall)) continue;
    for (const r of analysis.references) {
      if ([r.name, r.table ?? '', r.schema ?? ''].some((n) => n.startsWith(STAND_IN))) continue;
      hits.push({
        kind: r.kind,
        ...(r.schema === undefined ? {} : { schema: r.schema }),
        name: r.name,
        ...(r.table === undefined ? {} : { table: r.table }),
        offset: sql.map(r.offset),
        via: inSqlCall ? `${s.callee}()` : `${lang} string`,
      });
    }
  }
  return hits;
}

export function scanSource(text: string, file: string, options: ScanOptions = {}): TableReference[] {
  let hits: Hit[];
  if (JS_EXTENSIONS.some((e) => file.endsWith(e))) {
    hits = scanTypeScript(text, file, { extraCalls: options.calls ?? [], ...(options.clientSchemas ? { clientSchemas: options.clientSchemas } : {}) });
  }
  else if (file.endsWith('.sql')) hits = scanSqlFile(text);
  else hits = otherLanguageHits(text, file);
  return toReferences(hits, file, lineIndex(text));
}
