import { type SqlError, hasSqlDetails, loadModule, parseSync } from 'libpg-query';
import { PgsnapError, type ServerFacts } from '../errors.js';
import { type LineIndex, byteToCharOffsets, formatLocation, lineIndex } from '../position.js';
import { withoutPsqlSyntax } from './psql.js';

// The parser is WASM, instantiated once; after that every call is synchronous.
await loadModule();

/** One schema file, as read and as the parser saw it. */
export interface SchemaFile {
  /** the file as shown (relative to the working directory when inside it) */
  readonly file: string;
  /** the text given to the parser: psql meta-commands blanked, variables' colons dropped (same length as the file) */
  readonly text: string;
  /** parser byte offset → position in the file */
  readonly at: (byteOffset: number) => { readonly line: number; readonly column: number };
}

/**
 * One statement of a schema file. Statement boundaries come from the real PostgreSQL parser (libpg-query), so
 * dollar-quoted function bodies, comments and strings never confuse it; the parse tree is kept, so nothing
 * parses a schema file twice.
 */
export interface SchemaStatement {
  readonly file: string;
  /** 1-based line and column of the statement's first token */
  readonly line: number;
  readonly column: number;
  /** the statement as it is applied (without the trailing semicolon) */
  readonly sql: string;
  /** the statement's parse tree: `{ CreateStmt: {...} }` and so on; its locations are byte offsets in the file */
  readonly ast: Readonly<Record<string, unknown>>;
}

interface RawStmt {
  stmt?: Record<string, unknown>;
  stmt_location?: number;
  stmt_len?: number | null;
}

export function schemaFileError(file: string, at: { line: number; column?: number }, message: string, server?: ServerFacts): PgsnapError {
  return new PgsnapError('schema_file', `${formatLocation({ file, ...at })}: ${message}`, {
    hint: 'fix the schema file (it must apply cleanly to an empty database, in name order) and run the check again',
    ...(server ? { server } : {}),
  });
}

function positionsOf(text: string): { toChar: (b: number) => number; lines: LineIndex } {
  return { toChar: byteToCharOffsets(text), lines: lineIndex(text) };
}

/** Parse one file into statements. A syntax error is a schema_file error naming file:line:column. */
export function parseSchemaFile(source: string, file: string): { file: SchemaFile; statements: SchemaStatement[] } {
  const text = withoutPsqlSyntax(source);
  const { toChar, lines } = positionsOf(text);
  const at = (b: number) => lines.at(toChar(b));
  let stmts: RawStmt[];
  try {
    stmts = text.trim() === '' ? [] : (((parseSync(text) as { stmts?: RawStmt[] }).stmts ?? []) as RawStmt[]);
  } catch (e) {
    const details = hasSqlDetails(e) ? (e as SqlError).sqlDetails : undefined;
    throw schemaFileError(file, details ? at(details.cursorPosition) : { line: 1, column: 1 }, (e as Error).message);
  }
  const bytes = Buffer.from(text, 'utf8');
  const statements: SchemaStatement[] = [];
  for (const s of stmts) {
    const start = s.stmt_location ?? 0;
    const end = s.stmt_len ? start + s.stmt_len : bytes.length;
    const raw = bytes.subarray(start, end).toString('utf8');
    // A statement's location is where the previous one ended: skip blanks and comments to its first token.
    const lead = /^(\s|--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/)*/.exec(raw)?.[0] ?? '';
    const sql = raw.slice(lead.length).replace(/;\s*$/, '');
    if (!sql.trim() || !s.stmt) continue;
    statements.push({ file, ...at(start + Buffer.byteLength(lead, 'utf8')), sql, ast: s.stmt });
  }
  return { file: { file, text, at }, statements };
}
