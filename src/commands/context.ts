import type { Command } from 'commander';
import type { Config } from '../config.js';
import { type ConnectionTarget, resolveTarget } from '../db/connection.js';
import type { Logger } from '../log.js';

/** What every command adapter gets: parsed global flags, the config file, output streams, a logger. */
export interface CommandContext {
  readonly logger: Logger;
  readonly json: boolean;
  readonly debug: boolean;
  /** --quiet: print nothing but errors (progress bars included) */
  readonly quiet?: boolean;
  readonly config: Config;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** the connection target: --url, else the config file's url, else DATABASE_URL, else PG* variables */
  target(): ConnectionTarget;
}

export type Action<O> = (options: O, ctx: CommandContext, args: string[]) => Promise<number>;

/**
 * A flag value with its precedence applied: given on the command line > the config file > the built-in default.
 */
export function pick<T>(cmd: Command, name: string, fromConfig: T | undefined, fallback: T): T {
  const source = cmd.getOptionValueSource(name);
  const value = cmd.getOptionValue(name) as T | undefined;
  if (source === 'cli' || source === 'env') return value as T;
  if (fromConfig !== undefined) return fromConfig;
  return value ?? fallback;
}

export function targetFor(urlFlag: string | undefined, config: Config, env: NodeJS.ProcessEnv): ConnectionTarget {
  return resolveTarget(urlFlag ?? config.url, env);
}

/**
 * Where a report goes: machine formats (json, github workflow commands, sarif) to stdout, where CI and `>` expect
 * them; human text to stderr, like every other human line pgsnap prints.
 */
export function reportStream(format: string, ctx: CommandContext): NodeJS.WritableStream & { isTTY?: boolean } {
  return format === 'text' ? ctx.stderr : (ctx.stdout as NodeJS.WritableStream & { isTTY?: boolean });
}
