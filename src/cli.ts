import { Command, CommanderError, Option } from 'commander';
import { readConfig } from './config.js';
import { resolveTarget } from './db/connection.js';
import { EXIT, PgsnapError, isPgsnapError } from './errors.js';
import { createLogger, printJson } from './log.js';
import { redact } from './redact.js';
import type { CommandContext, Mount } from './commands/context.js';
import { registerCommands } from './commands/index.js';
import { givenOnCommandLine, mountCommand } from './commands/mount.js';
import { resolveSettings } from './commands/settings.js';
import pkg from '../package.json' with { type: 'json' };

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface GlobalOptions {
  debug?: boolean;
  quiet?: boolean;
  config?: string;
}

/**
 * Parse argv, run one command, and return its exit code. Never exits the process and never throws: every error
 * becomes one line on stderr and exit code 2 (or the code the error carries) — and, when JSON output was asked
 * for and nothing was printed on stdout yet, a `{ "error": { "code", "message" } }` document there.
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.OK;
  let debug = argv.includes('--debug');
  // Until the command's settings are resolved, a guess from argv: a usage error under --json still gets JSON.
  let json = argv.includes('--json') || argv.includes('--format=json') || argv.some((a, i) => a === '--format' && argv[i + 1] === 'json');
  const stdout = watchWrites(io.stdout);
  const program = new Command('pgsnap');
  program
    .description('Backups to dated JSON archives, drift checks in CI, and idempotent restores for PostgreSQL.')
    .version(pkg.version, '-V, --version')
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

  const mount: Mount = (parent, spec, loadAction) =>
    mountCommand(parent, spec).action(async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      debug = Boolean(globals.debug);
      const given = givenOnCommandLine(cmd, spec);
      json = given.json === true || given.format === 'json';
      const { config, problems } = readConfig(io.cwd, globals.config);
      const { settings, sources } = resolveSettings(spec, given, config, problems);
      const s = settings as { json?: boolean; format?: string; url?: string };
      json = s.json === true || s.format === 'json';
      const ctx: CommandContext = {
        logger: createLogger({ quiet: globals.quiet, debug: globals.debug, stream: io.stderr }),
        debug,
        quiet: Boolean(globals.quiet),
        config,
        sources,
        cwd: io.cwd,
        env: io.env,
        stdout: stdout.stream,
        stderr: io.stderr,
        // the environment's DATABASE_URL beats a config file's url (docs/configuration.md)
        target: () => (sources.url === 'config file' ? resolveTarget(undefined, io.env, s.url) : resolveTarget(s.url, io.env)),
        cli: run,
      };
      const positional = args.slice(0, -2).flatMap((a) => (Array.isArray(a) ? (a as string[]) : typeof a === 'string' ? [a] : []));
      const action = await loadAction();
      exitCode = await action(settings, ctx, positional);
    });

  await registerCommands(program, mount, argv);
  if (argv.length <= 2) {
    // `pgsnap` alone is a mistake in a script: help on stderr, exit 2 (as git and pg_dump's siblings do).
    io.stderr.write(program.helpInformation());
    return EXIT.TROUBLE;
  }

  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (e) {
    const code = reportError(e, io, debug);
    if (json && code !== EXIT.OK && !stdout.written()) printJson({ error: errorDocument(e) }, io.stdout);
    return code;
  }
}

function reportError(e: unknown, io: CliIo, debug: boolean): number {
  if (e instanceof CommanderError) {
    // --help and --version end here with exit code 0; help shown because a subcommand is missing is a usage error
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return EXIT.OK;
    if (e.code === 'commander.help') return e.exitCode === 0 ? EXIT.OK : EXIT.TROUBLE;
    return EXIT.TROUBLE;
  }
  if (isPgsnapError(e)) {
    io.stderr.write(`${redact(`pgsnap: ${e.message}${e.hint ? ` — ${e.hint}` : ''}`)}\n`);
    // --debug only: the stacks of the errors this one wraps (never read for decisions: the facts are on e)
    for (let c = e.cause; debug && c instanceof Error; c = c.cause) if (c.stack) io.stderr.write(`${redact(c.stack)}\n`);
    return e.exitCode;
  }
  const err = e as Error;
  io.stderr.write(`${redact(`pgsnap: unexpected error: ${err?.message ?? String(e)} (run with --debug for details)`)}\n`);
  if (debug && err?.stack) io.stderr.write(`${redact(err.stack)}\n`);
  return EXIT.TROUBLE;
}

/** The `error` member of the JSON document a failure prints under --json (printJson redacts it). */
function errorDocument(e: unknown): { code: string; message: string; hint?: string } {
  if (e instanceof CommanderError) return { code: 'usage', message: e.message.replace(/^error: /, '') };
  if (isPgsnapError(e)) return { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
  return { code: 'internal', message: (e as Error)?.message ?? String(e) };
}

/** stdout, and whether anything was written to it (then a command already printed its document). */
function watchWrites(target: NodeJS.WritableStream): { stream: NodeJS.WritableStream; written: () => boolean } {
  let written = false;
  const write = (...args: Parameters<NodeJS.WritableStream['write']>) => {
    written = true;
    return (target.write as (...a: unknown[]) => boolean)(...args);
  };
  const stream = new Proxy(target, {
    get: (t, p) => {
      if (p === 'write') return write;
      const v = Reflect.get(t, p, t) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
  return { stream, written: () => written };
}

/**
 * The process entry point (bin/pgsnap.js, which answers a lone `--version` itself without loading this module).
 * Beyond `run`: a reader that goes away (`pgsnap list | head -1`) does not crash the process with EPIPE.
 */
export async function main(argv: string[]): Promise<number> {
  endQuietlyOnClosedPipe(process.stdout);
  endQuietlyOnClosedPipe(process.stderr);
  const code = await run(argv, { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
  // Let stdout drain before the process ends (pipes to jq, CI logs).
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  return code;
}

/**
 * Node ignores SIGPIPE, so writing to a closed pipe raises EPIPE on the stream, and an 'error' event without a
 * listener is an uncaught exception with a stack. The reader chose to stop reading; the work goes on (a backup
 * piped into a logger that died must still finish) and the exit code stays the command's own. The stream is
 * destroyed by then, so later writes are dropped without another error.
 */
function endQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

export { Option, PgsnapError };
