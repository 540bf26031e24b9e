import type { Session } from '../db/index.js';
import { PgsnapError } from '../errors.js';
import { type SchemaStatement, schemaFileError } from './schema-files.js';
import { codePointToIndex, lineAt } from './text-position.js';

interface ServerErrorFields {
  message?: string;
  code?: string;
  position?: string;
  internalPosition?: string;
  internalQuery?: string;
}

/**
 * Apply the schema files' statements one by one, as psql -f does: each statement on its own (so CREATE INDEX
 * CONCURRENTLY and explicit BEGIN/COMMIT in a file behave as they would in psql). The first failing statement
 * stops the run with the file, the line PostgreSQL points at, and PostgreSQL's own message.
 */
export async function applyStatements(s: Session, statements: readonly SchemaStatement[]): Promise<void> {
  for (const st of statements) {
    try {
      await s.query(st.sql);
    } catch (e) {
      throw statementError(st, e);
    }
  }
}

function serverError(e: unknown): ServerErrorFields {
  const cause = e instanceof PgsnapError ? e.cause : e;
  return (cause ?? {}) as ServerErrorFields;
}

/** Map PostgreSQL's error position (characters into the statement, or into a function body) to a file line. */
export function errorLine(st: SchemaStatement, err: ServerErrorFields): number {
  let position = Number(err.position ?? 0);
  if (!position && err.internalPosition && err.internalQuery) {
    // An error inside a function body: PostgreSQL points into the body, which sits somewhere in the statement.
    const at = st.sql.indexOf(err.internalQuery);
    if (at >= 0) position = [...st.sql.slice(0, at)].length + Number(err.internalPosition);
  }
  if (!position) return st.line;
  return st.line + lineAt(st.sql, codePointToIndex(st.sql, position)) - 1;
}

function statementError(st: SchemaStatement, e: unknown): PgsnapError {
  const err = serverError(e);
  // Connection trouble is not the schema file's fault: keep the connection error as it is.
  if (e instanceof PgsnapError && e.code !== 'internal' && e.code !== 'permission') return e;
  const message = err.message ?? (e as Error).message;
  return schemaFileError(st.file, errorLine(st, err), message);
}
