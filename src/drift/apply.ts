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
 * Apply the schema files' statements as psql -f would, but in batches: consecutive statements go to the server
 * as one multi-statement query (one round trip instead of hundreds, which keeps a 300-table check fast). A batch
 * runs as one implicit transaction, so statements that PostgreSQL refuses inside a transaction block (CREATE
 * INDEX CONCURRENTLY, VACUUM, explicit BEGIN/COMMIT…) run on their own, and a batch ends after ALTER TYPE … ADD
 * VALUE (a new enum value cannot be used before it commits). When a batch fails it was rolled back as a whole:
 * its statements are then run one by one to find the failing one, and its file, line and PostgreSQL's message.
 */
export async function applyStatements(s: Session, statements: readonly SchemaStatement[], batchSize = 200): Promise<void> {
  for (const batch of batches(statements, batchSize)) {
    if (batch.length === 1) {
      await runOne(s, batch[0] as SchemaStatement);
      continue;
    }
    try {
      await s.query(batch.map((st) => `${st.sql};`).join('\n'));
    } catch (e) {
      if (e instanceof PgsnapError && e.code !== 'internal' && e.code !== 'permission') throw e;
      for (const st of batch) await runOne(s, st);
      // Failing as a batch but not one by one should not happen; report the batch's error then.
      throw statementError(batch[0] as SchemaStatement, e);
    }
  }
}

async function runOne(s: Session, st: SchemaStatement): Promise<void> {
  try {
    await s.query(st.sql);
  } catch (e) {
    throw statementError(st, e);
  }
}

const ALONE = new Set(['VacuumStmt', 'CreatedbStmt', 'DropdbStmt', 'AlterSystemStmt', 'TransactionStmt', 'CreateTableSpaceStmt', 'DropTableSpaceStmt', 'CreateSubscriptionStmt', 'AlterSubscriptionStmt', 'DropSubscriptionStmt', 'ReindexStmt']);

/** Statements that must not share a transaction with others. */
export function mustRunAlone(ast: Readonly<Record<string, unknown>>): boolean {
  const [type, body] = Object.entries(ast)[0] ?? [];
  if (!type) return false;
  if (ALONE.has(type)) return true;
  const b = (body ?? {}) as Record<string, unknown>;
  return (type === 'IndexStmt' || type === 'DropStmt') && b.concurrent === true;
}

export function batches(statements: readonly SchemaStatement[], size: number): SchemaStatement[][] {
  const out: SchemaStatement[][] = [];
  let current: SchemaStatement[] = [];
  const flush = () => {
    if (current.length > 0) out.push(current);
    current = [];
  };
  for (const st of statements) {
    if (mustRunAlone(st.ast)) {
      flush();
      out.push([st]);
      continue;
    }
    current.push(st);
    if (current.length >= size || 'AlterEnumStmt' in st.ast) flush();
  }
  flush();
  return out;
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
