import { spawn } from 'node:child_process';
import path from 'node:path';
import { Writable } from 'node:stream';
import { run } from '../../src/cli.js';
import { repoRoot } from './db.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string;
}

/**
 * Run the real CLI in a child process, as a user or cron would: for what crosses the process boundary (signals,
 * EPIPE, the process title, the environment pgsnap's libraries read, stdin, the built package). Costs a Node
 * start-up (seconds on a loaded machine); everything else uses `cliInProcess`.
 */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...options.env };
    delete env.DATABASE_URL;
    if (options.env?.DATABASE_URL) env.DATABASE_URL = options.env.DATABASE_URL;
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'pgsnap.js'), ...args], {
      cwd: options.cwd ?? repoRoot,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Only DATABASE_URL reaches pgsnap solely through the CLI's `io.env`; the driver, SSL, .pgpass, S3 and Docker
 * code read other variables (PG*, AWS_*, DOCKER_HOST…) from process.env, which a test must not rewrite under
 * other tests. A test that sets them needs a child process.
 */
const IN_PROCESS_ENV = new Set(['DATABASE_URL']);

/**
 * The real CLI in this process: cli.ts's `run` — argument parsing, settings, the command, errors mapped once to
 * one line and an exit code, redaction — with stdout and stderr captured (neither a TTY, as in a pipe) and the
 * exit code returned, never `process.exit`. Same result shape and options as `runCli`.
 */
export async function cliInProcess(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const foreign = Object.keys(options.env ?? {}).filter((k) => !IN_PROCESS_ENV.has(k));
  if (foreign.length > 0) throw new Error(`cliInProcess: ${foreign.join(', ')} would not reach pgsnap in process; use runCli (a child process)`);
  if (options.input !== undefined) throw new Error('cliInProcess: no stdin in process; use runCli (a child process)');
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, done) {
        append(String(chunk));
        done();
      },
    });
  const env = { ...process.env, ...options.env };
  if (!options.env?.DATABASE_URL) delete env.DATABASE_URL;
  const code = await run(['node', 'pgsnap', ...args], {
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    env,
    cwd: options.cwd ?? repoRoot,
  });
  return { code, stdout, stderr };
}
