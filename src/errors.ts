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
  | 'internal';

export class PgsnapError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { hint?: string; exitCode?: ExitCode; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PgsnapError';
    this.code = code;
    this.exitCode = options.exitCode ?? (code === 'verification_failed' ? EXIT.FINDINGS : EXIT.TROUBLE);
    this.hint = options.hint;
  }
}

export function isPgsnapError(e: unknown): e is PgsnapError {
  return e instanceof PgsnapError;
}

/** Usage errors: bad flags, bad patterns, a date with no archive. */
export function usageError(message: string, hint?: string): PgsnapError {
  return new PgsnapError('usage', message, hint === undefined ? {} : { hint });
}
