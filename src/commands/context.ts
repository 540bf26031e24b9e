import type { Command } from 'commander';
import type { Config } from '../config.js';
import type { ConnectionTarget } from '../db/connection.js';
import { type Logger, wantsColor } from '../log.js';
import { createProgress, type Progress, progressMode } from '../report/progress.js';
import type { Source } from './settings.js';
import type { CommandSpec, OptionSpecs, Settings } from './spec.js';

/** What every command adapter gets besides its settings: the config file, output streams, a logger. */
export interface CommandContext {
  readonly logger: Logger;
  readonly debug: boolean;
  /** --quiet: print nothing but errors (progress bars included) */
  readonly quiet: boolean;
  /** the whole config file, for library code that reads sections no flag sets (scan.calls, …) */
  readonly config: Config;
  /** where each setting came from (command line, config file, default) */
  readonly sources: Readonly<Record<string, Source>>;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** the connection target: the url setting (--url, else the config file), else DATABASE_URL, else PG* variables */
  target(): ConnectionTarget;
  /** the CLI itself (cli.ts `run`), for commands that run pgsnap steps in-process (the demo) without importing cli.ts */
  readonly cli: RunCli;
}

/** cli.ts `run`: argv and streams in, exit code out; never throws. */
export type RunCli = (
  argv: string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream & { isTTY?: boolean }; env: NodeJS.ProcessEnv; cwd: string },
) => Promise<number>;

/** A command's action: frozen, resolved settings in, exit code out. */
export type Action<S extends OptionSpecs> = (settings: Settings<S>, ctx: CommandContext, args: string[]) => Promise<number>;

/**
 * Add a command from its spec under `parent`; when it runs, load its action and call it with the resolved settings
 * (see cli.ts). The action is loaded only then, never at registration: `pgsnap backup --help` builds its help from
 * the spec alone and must not pay for the driver, the archive writer or the SQL parser that the action imports.
 */
export type Mount = <S extends OptionSpecs>(parent: Command, spec: CommandSpec<S>, loadAction: () => Promise<Action<S>>) => Command;

/**
 * Where a report goes: machine formats (json, github workflow commands, sarif) to stdout, where CI and `>` expect
 * them; human text to stderr, like every other human line pgsnap prints.
 */
export function reportStream(format: string, ctx: CommandContext): NodeJS.WritableStream & { isTTY?: boolean } {
  return format === 'text' ? ctx.stderr : (ctx.stdout as NodeJS.WritableStream & { isTTY?: boolean });
}

/** The progress meter of a long command: a bar on a terminal, lines off it when --progress asks, else nothing. */
export function progressFor(verb: string, ctx: CommandContext, asked: boolean): Progress {
  const mode = progressMode({ tty: Boolean(ctx.stderr.isTTY), quiet: ctx.quiet, asked });
  return createProgress({ verb, mode, stream: ctx.stderr, color: wantsColor(ctx.stderr, ctx.env) });
}
