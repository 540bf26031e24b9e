import { type ChildProcess, spawn } from 'node:child_process';

/**
 * An embedded server must die with pgsnap, also when pgsnap is killed with SIGKILL and runs no cleanup. So the
 * postmaster is not our child but a tiny supervisor's (a second node process running SUPERVISOR below), which
 * holds a pipe from us on its stdin: when that pipe reaches end of file — we closed it in stop(), or the kernel
 * closed it because we died — it shuts the server down (fast shutdown, SIGKILL after 10 s), removes the server's
 * directory and exits with the server's exit code. SIGINT, SIGTERM and SIGHUP to the supervisor do the same.
 * The server's stderr is passed through, for start-up errors and logs.
 */
export interface SupervisedServer {
  readonly bin: string;
  readonly args: readonly string[];
  /** removed when the server has exited */
  readonly work: string;
  readonly uid?: number;
  readonly gid?: number;
  readonly env: NodeJS.ProcessEnv;
}

const SUPERVISOR = `
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const c = JSON.parse(process.argv[1]);
process.title = 'pgsnap-watchdog';
const server = spawn(c.bin, c.args, { uid: c.uid, gid: c.gid, env: c.env, stdio: ['ignore', 'ignore', 'inherit'] });
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  server.kill('SIGINT');
  setTimeout(() => server.kill('SIGKILL'), 10000).unref();
};
process.stdin.on('end', stop).on('error', stop).resume();
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, stop);
const done = (code) => {
  fs.rmSync(c.work, { recursive: true, force: true });
  process.exit(code);
};
server.on('error', () => done(127));
server.on('exit', (code) => done(code === null ? 1 : code));
`;

/** Start `bin args` under a supervisor; the returned process is the supervisor (end its stdin to stop). */
export function spawnSupervised(s: SupervisedServer): ChildProcess {
  const child = spawn(process.execPath, ['-e', SUPERVISOR, JSON.stringify(s)], {
    stdio: ['pipe', 'ignore', 'pipe'],
    // the server's user may not be allowed into our working directory (a project under /root)
    cwd: s.work,
    env: s.env,
  });
  // the supervisor gone first (killed itself) must not crash us when stop() ends the pipe
  child.stdin?.on('error', () => {});
  return child;
}
