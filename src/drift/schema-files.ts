import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'libpg-query';
import { PgsnapError } from '../errors.js';
import { lineAt } from './text-position.js';

/**
 * The committed schema files, split into statements with the file and line each starts on. Splitting uses the
 * real PostgreSQL parser (libpg-query), so dollar-quoted function bodies, comments and strings never confuse it,
 * and each statement's parse tree is kept for locating definitions (see definition-index.ts).
 */
export interface SchemaStatement {
  /** the file as given (relative to the working directory when possible) */
  readonly file: string;
  /** 1-based line the statement starts on */
  readonly line: number;
  readonly sql: string;
  /** the statement's parse tree: `{ CreateStmt: {...} }` and so on */
  readonly ast: Readonly<Record<string, unknown>>;
}

/** `*.sql` in the directory, in name order (the order they are applied). */
export function listSchemaFiles(dir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    throw new PgsnapError('usage', `schema directory not found: ${dir}`, {
      hint: 'pass --schemas DIR (or set "schemas" in pgsnap.config.json) to the folder holding your *.sql files',
    });
  }
  const files = entries
    .filter((e) => e.isFile() && e.name.endsWith('.sql'))
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return files.map((f) => path.join(dir, f));
}

interface RawStmt {
  stmt?: Record<string, unknown>;
  stmt_location?: number;
  stmt_len?: number | null;
}

/**
 * Split one file into statements. libpg-query reports statement boundaries as UTF-8 byte offsets, so slicing
 * happens on the bytes. A syntax error becomes a schema_file error with the file and line.
 */
export async function splitStatements(text: string, file: string): Promise<SchemaStatement[]> {
  let stmts: RawStmt[];
  try {
    stmts = ((await parse(text)) as { stmts?: RawStmt[] }).stmts ?? [];
  } catch (e) {
    const details = (e as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
    const bytes = Buffer.from(text, 'utf8');
    const offset = details?.cursorPosition ?? 0;
    const line = lineAt(text, bytes.subarray(0, offset).toString('utf8').length);
    throw schemaFileError(file, line, (e as Error).message);
  }
  const bytes = Buffer.from(text, 'utf8');
  const out: SchemaStatement[] = [];
  // Walk forward once, counting lines from the previous statement start, so the cost stays linear.
  let byteAt = 0;
  let lineNo = 1;
  for (const s of stmts) {
    const start = s.stmt_location ?? 0;
    const end = s.stmt_len ? start + s.stmt_len : bytes.length;
    const raw = bytes.subarray(start, end).toString('utf8');
    const skipped = bytes.subarray(byteAt, start).toString('utf8');
    lineNo += lineAt(skipped, skipped.length) - 1;
    byteAt = start;
    // Statements may begin with comments or blank lines: report the line of their first real character.
    const lead = /^(\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*/.exec(raw)?.[0].length ?? 0;
    const sql = raw.slice(lead).replace(/;\s*$/, '');
    if (!sql.trim()) continue;
    out.push({ file, line: lineNo + lineAt(raw, lead) - 1, sql, ast: s.stmt ?? {} });
  }
  return out;
}

export async function readSchemaStatements(files: readonly string[], cwd: string): Promise<SchemaStatement[]> {
  const all: SchemaStatement[] = [];
  for (const f of files) {
    const shown = displayPath(f, cwd);
    all.push(...(await splitStatements(fs.readFileSync(f, 'utf8'), shown)));
  }
  return all;
}

/** Relative to cwd with forward slashes when inside it (what CI annotations want), else absolute. */
export function displayPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, path.resolve(cwd, file));
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return path.resolve(cwd, file);
  return rel.split(path.sep).join('/');
}

export function schemaFileError(file: string, line: number, message: string): PgsnapError {
  return new PgsnapError('schema_file', `${file}:${line}: ${message}`, {
    hint: 'fix the schema file (it must apply cleanly to an empty database, in name order) and run the check again',
  });
}
