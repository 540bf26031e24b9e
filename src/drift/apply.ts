import type { Session } from '../db/index.js';
import { PgsnapError, type ServerFacts, internalError } from '../errors.js';
import { type Position, codePointToIndex, lineIndex } from '../position.js';
import { type SchemaStatement, schemaFileError } from '../schema-files/statements.js';

/**
 * Apply the schema files' statements as psql -f would, but in batches: consecutive statements go to the server
 * as one multi-statement query (one round trip instead of hundreds, which keeps a 300-table check fast). A batch
 * runs as one implicit transaction, so statements that PostgreSQL refuses inside a transaction block (CREATE
 * INDEX CONCURRENTLY, VACUUM, explicit BEGIN/COMMIT…) run on their own, and a batch ends after ALTER TYPE … ADD
 * VALUE (a new enum value cannot be used before it commits). When a batch fails it was rolled back as a whole:
 * its statements are then run one by one to find the failing one, and its file, line and PostgreSQL's message.
 */
export async function applyStatements(s: Session, statements: readonly SchemaStatement[], batchSize = 200): Promise<void> {
  // Each file is applied as psql -f would, in a session of its own: a `SET search_path` in one file must not
  // move the unqualified tables of the next (the definitions pgsnap reads assume it does not).
  let previous: string | undefined;
  const reset = (st: SchemaStatement, before: string | undefined) => (before !== undefined && st.file !== before ? 'RESET search_path;\n' : '');
  for (const batch of batches(statements, batchSize)) {
    const start = previous;
    previous = batch[batch.length - 1]?.file;
    if (batch.length === 1) {
      await runOne(s, batch[0] as SchemaStatement, reset(batch[0] as SchemaStatement, start));
      continue;
    }
    try {
      await s.query(batch.map((st, i) => `${reset(st, i === 0 ? start : batch[i - 1]?.file)}${st.sql};`).join('\n'));
    } catch (e) {
      if (!isStatementError(e)) throw e;
      // The batch was rolled back as a whole, its SETs included: replay it one statement at a time.
      for (const [i, st] of batch.entries()) await runOne(s, st, reset(st, i === 0 ? start : batch[i - 1]?.file));
      // Failing as a batch but not one by one should not happen; report the batch's error then.
      throw statementError(batch[0] as SchemaStatement, e);
    }
  }
}

async function runOne(s: Session, st: SchemaStatement, prefix: string): Promise<void> {
  if (prefix) await s.query(prefix);
  try {
    await s.query(st.sql);
  } catch (e) {
    throw statementError(st, e);
  }
}

const ALONE = new Set(['VacuumStmt', 'CreatedbStmt', 'DropdbStmt', 'AlterSystemStmt', 'TransactionStmt', 'CreateTableSpaceStmt', 'DropTableSpaceStmt', 'CreateSubscriptionStmt', 'AlterSubscriptionStmt', 'DropSubscriptionStmt', 'ReindexStmt']);

/** Statements that must not share a transaction with others. */
function mustRunAlone(ast: Readonly<Record<string, unknown>>): boolean {
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

/**
 * The statement itself was refused (a missing type, a constraint, a privilege), as opposed to connection trouble
 * or a time-out, which is not the schema file's fault. Internal errors (pgsnap's bugs) are not the file's either.
 */
function isStatementError(e: unknown): e is PgsnapError {
  return e instanceof PgsnapError && (e.code === 'server' || e.code === 'permission');
}

type ErrorPositionFields = Pick<ServerFacts, 'position' | 'internalPosition' | 'internalQuery'>;

/** Map PostgreSQL's error position (characters into the statement, or into a function body) to a file position. */
export function errorPosition(st: SchemaStatement, err: ErrorPositionFields): Position {
  let position = err.position ?? 0;
  if (!position && err.internalPosition && err.internalQuery) {
    // An error inside a function body: PostgreSQL points into the body, which sits somewhere in the statement.
    const at = st.sql.indexOf(err.internalQuery);
    if (at >= 0) position = [...st.sql.slice(0, at)].length + err.internalPosition;
  }
  if (!position) return { line: st.line, column: st.column };
  const at = lineIndex(st.sql).at(codePointToIndex(st.sql, position));
  return { line: st.line + at.line - 1, column: at.line === 1 ? st.column + at.column - 1 : at.column };
}

function statementError(st: SchemaStatement, e: unknown): PgsnapError {
  // Connection trouble is not the schema file's fault: keep the connection error as it is.
  if (!isStatementError(e)) return e instanceof PgsnapError ? e : internalError(`applying ${st.file}: ${(e as Error)?.message ?? String(e)}`);
  const facts = e.server ?? {};
  return schemaFileError(st.file, errorPosition(st, facts), e.server?.message ?? e.message, e.server);
}
