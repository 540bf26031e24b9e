import { Command, CommanderError, Option } from 'commander';
import { loadConfig } from './config.js';
import { EXIT, PgsnapError, isPgsnapError } from './errors.js';
import { createLogger } from './log.js';
import { redact } from './redact.js';
import { type Action, type CommandContext, targetFor } from './commands/context.js';
import { registerCommands } from './commands/index.js';
import pkg from '../package.json' with { type: 'json' };

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface GlobalOptions {
  url?: string;
  json?: boolean;
  debug?: boolean;
  quiet?: boolean;
  config?: string;
}

/**
 * Parse argv, run one command, and return its exit code. Never exits the process and never throws: every error
 * becomes one line on stderr and exit code 2 (or the code the error carries).
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.OK;
  let debug = argv.includes('--debug');
  const program = new Command('pgsnap');
  program
    .description('Backups to dated JSON archives, drift checks in CI, and idempotent restores for PostgreSQL.')
    .version(pkg.version, '-V, --version')
    .option('--url <url>', 'connection URL (default: DATABASE_URL, then PG* variables and ~/.pgpass)')
    .option('--json', 'print one JSON document on stdout and nothing else there')
    .option('--debug', 'log SQL and show stack traces')
    .option('-q, --quiet', 'print only errors on stderr')
    .option('--config <file>', 'config file (default: pgsnap.config.json, or the pgsnap key of package.json)')
    .showHelpAfterError(false)
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(`pgsnap: ${s.replace(/^error: /, '').trim()} (see pgsnap --help)\n`),
    });

  const wrap =
    <O>(action: Action<O>) =>
    async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      debug = Boolean(globals.debug);
      const config = loadConfig(io.cwd, globals.config);
      const ctx: CommandContext = {
        logger: createLogger({ quiet: globals.quiet, debug: globals.debug, stream: io.stderr }),
        json: Boolean(globals.json),
        debug,
        quiet: Boolean(globals.quiet),
        config,
        cwd: io.cwd,
        env: io.env,
        stdout: io.stdout,
        stderr: io.stderr,
        target: () => targetFor(globals.url, config, io.env),
      };
      const positional = args.slice(0, -2).flatMap((a) => (Array.isArray(a) ? (a as string[]) : typeof a === 'string' ? [a] : []));
      exitCode = await action(cmd.opts() as O, ctx, positional);
    };

  await registerCommands(program, wrap, argv);

  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (e) {
    return reportError(e, io, debug);
  }
}

function reportError(e: unknown, io: CliIo, debug: boolean): number {
  if (e instanceof CommanderError) {
    // --help and --version end here too, with exit code 0
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.OK;
    return EXIT.TROUBLE;
  }
  if (isPgsnapError(e)) {
    io.stderr.write(`${redact(`pgsnap: ${e.message}${e.hint ? ` — ${e.hint}` : ''}`)}\n`);
    if (debug && e.cause instanceof Error && e.cause.stack) io.stderr.write(`${redact(e.cause.stack)}\n`);
    return e.exitCode;
  }
  const err = e as Error;
  io.stderr.write(`${redact(`pgsnap: unexpected error: ${err?.message ?? String(e)} (run with --debug for details)`)}\n`);
  if (debug && err?.stack) io.stderr.write(`${redact(err.stack)}\n`);
  return EXIT.TROUBLE;
}

export async function main(argv: string[]): Promise<number> {
  const code = await run(argv, { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
  // Let stdout drain before the process ends (pipes to jq, CI logs).
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  return code;
}

export { Option, PgsnapError };
