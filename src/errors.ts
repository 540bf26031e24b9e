/**
 * One error type for the whole tool. Every failure that reaches the user is a PgsnapError carrying the exit
 * code it maps to (see the contract: 0 ok, 1 findings, 2 trouble) and, where we know one, a hint saying what
 * to do next. `cli.ts` catches it once and prints one line.
 */
export const EXIT = { OK: 0, FINDINGS: 1, TROUBLE: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export type ErrorCode =
  | 'usage'
  | 'not_implemented'
  | 'config'
  | 'connection'
  | 'auth'
  | 'database_missing'
  | 'ssl'
  | 'permission'
  | 'archive_not_found'
  | 'archive_corrupt'
  | 'archive_foreign'
  | 'archive_version'
  /** an encrypted archive without --identity, or with keys that cannot decrypt it */
  | 'archive_key'
  | 'verification_failed'
  | 'schema_file'
  | 'restore_conflict'
  | 'restore_failed'
  | 'backup_failed'
  | 'io'
  | 'lock_timeout'
  | 'statement_timeout'
  | 'interrupted'
  /** PostgreSQL rejected a statement for a reason no other code names (a constraint, a type, a syntax error) */
  | 'server'
  /** a bug in pgsnap: a broken invariant, never the user's input or the server's answer */
  | 'internal';

/**
 * What the server said, kept on the error itself so callers decide by SQLSTATE and map positions without digging
 * into the driver's error (`cause` is only for --debug stacks).
 */
export interface ServerFacts {
  /** SQLSTATE, e.g. 23505 */
  readonly sqlState: string;
  /** PostgreSQL's own message (passwords redacted), without pgsnap's "target: " prefix */
  readonly message: string;
  /** 1-based character position in the statement, when the server gave one */
  readonly position?: number;
  /** for an error inside a function body: the position in, and the text of, the body's query */
  readonly internalPosition?: number;
  readonly internalQuery?: string;
  readonly detail?: string;
}

export interface PgsnapErrorOptions {
  hint?: string;
  exitCode?: ExitCode;
  cause?: unknown;
  server?: ServerFacts;
}

export class PgsnapError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;
  /** set when the failure is the server's answer (whatever the code: auth, permission, lock_timeout, server…) */
  readonly server: ServerFacts | undefined;

  constructor(code: ErrorCode, message: string, options: PgsnapErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PgsnapError';
    this.code = code;
    this.exitCode = options.exitCode ?? (code === 'verification_failed' ? EXIT.FINDINGS : EXIT.TROUBLE);
    this.hint = options.hint;
    this.server = options.server;
  }

  /** the server's SQLSTATE, when the server answered */
  get sqlState(): string | undefined {
    return this.server?.sqlState;
  }

  /** the server's 1-based character position in the statement, when it gave one */
  get position(): number | undefined {
    return this.server?.position;
  }
}

export function isPgsnapError(e: unknown): e is PgsnapError {
  return e instanceof PgsnapError;
}

/** A broken invariant inside pgsnap (a bug): exit 2 with a message that says so. */
export function internalError(message: string): PgsnapError {
  return new PgsnapError('internal', `internal error: ${message}`, { hint: 'this is a bug in pgsnap; please report it with the command you ran' });
}

/** Usage errors: bad flags, bad patterns, a date with no archive. */
export function usageError(message: string, hint?: string): PgsnapError {
  return new PgsnapError('usage', message, hint === undefined ? {} : { hint });
}
