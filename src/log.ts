import { redact } from './redact.js';
import { roundSeconds } from './report/numbers.js';

/**
 * Human text goes to stderr, machine output (one JSON document with --json) to stdout. Everything printed is
 * passed through `redact`. Debug lines (SQL statements among them) only appear with --debug.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
  /** true when stderr is an interactive terminal (progress bars, colour) */
  readonly tty: boolean;
}

export interface LoggerOptions {
  quiet?: boolean;
  debug?: boolean;
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const stream = options.stream ?? process.stderr;
  const write = (line: string) => stream.write(`${redact(line)}\n`);
  return {
    tty: Boolean(stream.isTTY),
    info: (m) => {
      if (!options.quiet) write(m);
    },
    warn: (m) => write(`warning: ${m}`),
    debug: (m) => {
      if (options.debug) write(`debug: ${m}`);
    },
  };
}

/** A logger that prints nothing, for library use and tests. */
export const silentLogger: Logger = { tty: false, info() {}, warn() {}, debug() {} };

/**
 * Durations are measured in floating-point seconds; every `seconds` member of a JSON document is rounded to the
 * millisecond here, once, rather than in each command (1.296, never 1.2956874729999999).
 */
export function printJson(value: unknown, stream: NodeJS.WritableStream = process.stdout): void {
  const json = JSON.stringify(value, (key, v: unknown) => (key === 'seconds' && typeof v === 'number' ? roundSeconds(v) : v), 2);
  stream.write(`${redact(json)}\n`);
}

/** ANSI colour only on a terminal, and never when NO_COLOR is set (no-color.org) or TERM is dumb. */
export function wantsColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
}
