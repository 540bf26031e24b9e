import { spawn } from 'node:child_process';
import fs from 'node:fs';
import pg from 'pg';

export interface Measured {
  seconds: number;
  /** peak resident set of the measured process, MB (Linux /proc VmHWM; null elsewhere) */
  peakRssMb: number | null;
  /** user + system CPU of the process and every child it waited for (pg_dump's and pg_restore's -j workers) */
  cpuSeconds: number | null;
  /** the server's CPU over the run (its backends', when they exit; run.ts fills it in for an embedded server) */
  serverCpuSeconds: number | null;
  code: number | null;
  stderr: string;
  stdout: string;
}

/**
 * The shell runs the command and then `times`, whose second line is the CPU of its waited-for children: the
 * command and, through its own waits, the workers it forked. Node cannot read a child's rusage itself.
 */
const SHELL = '/bin/sh';
const HAS_SHELL = fs.existsSync(SHELL);
const WITH_TIMES = '"$@"; rc=$?; times >&2; exit $rc';
const TIMES_LINES = /(?:^|\n)(\d+)m([\d.]+)s (\d+)m([\d.]+)s\n(\d+)m([\d.]+)s (\d+)m([\d.]+)s\n?$/;

/** Split the shell's `times` lines off a command's stderr: the stderr as the command wrote it, and its CPU seconds. */
export function splitTimes(stderr: string): { stderr: string; cpuSeconds: number | null } {
  const m = TIMES_LINES.exec(stderr);
  if (!m) return { stderr, cpuSeconds: null };
  const n = m.slice(5, 9).map(Number) as [number, number, number, number];
  return { stderr: stderr.slice(0, m.index + (m[0].startsWith('\n') ? 1 : 0)), cpuSeconds: n[0] * 60 + n[1] + n[2] * 60 + n[3] };
}

/**
 * What the shell adds to a run's wall time (its own start and the fork of the command, about a millisecond), taken
 * off every run timed through it: a 40 ms pg_restore would otherwise carry 3 % more than pgsnap's 300 ms.
 */
let shellOverhead = 0;

function spawnSeconds(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolve(Number(process.hrtime.bigint() - start) / 1e9));
  });
}

/** Measure the shell's overhead (alternating pairs of the same trivial command, direct and through the shell). */
export async function calibrateShell(pairs = 21): Promise<number> {
  if (!HAS_SHELL) return 0;
  const direct: number[] = [];
  const wrapped: number[] = [];
  for (let i = 0; i < pairs; i++) {
    direct.push(await spawnSeconds(SHELL, ['-c', ':']));
    wrapped.push(await spawnSeconds(SHELL, ['-c', WITH_TIMES, 'sh', SHELL, '-c', ':']));
  }
  shellOverhead = Math.max(0, median(wrapped) - median(direct));
  return shellOverhead;
}

/**
 * Run a command, timing it, sampling its peak RSS (VmHWM is a high-water mark, so sampling loses nothing) and
 * reading its CPU (through /bin/sh's `times`, where there is a /bin/sh).
 */
export function measure(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = HAS_SHELL
      ? spawn(SHELL, ['-c', WITH_TIMES, 'sh', cmd, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let hwmKb = 0;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (stdout.length < 1_000_000) stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      // the end is kept whole: it holds the command's last error and the shell's `times`
      stderr = stderr.length < 100_000 ? stderr + d : stderr.slice(0, 50_000) + stderr.slice(-50_000) + d;
    });
    const sample = () => {
      try {
        // under the shell, the command is the shell's one child
        const pid = HAS_SHELL ? fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(' ')[0] : child.pid;
        if (!pid) return;
        const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
        const m = /VmHWM:\s+(\d+) kB/.exec(status);
        if (m) hwmKb = Math.max(hwmKb, Number(m[1]));
      } catch {
        // exited between samples
      }
    };
    const timer = setInterval(sample, 25);
    child.on('error', reject);
    let seconds = 0;
    child.on('exit', () => {
      clearInterval(timer);
      seconds = Number(process.hrtime.bigint() - start) / 1e9 - (HAS_SHELL ? shellOverhead : 0);
    });
    // 'close' comes after the last of stderr (the shell's `times`), which 'exit' can precede
    child.on('close', (code) => {
      const split = HAS_SHELL ? splitTimes(stderr) : { stderr, cpuSeconds: null };
      resolve({ seconds, peakRssMb: hwmKb ? hwmKb / 1024 : null, cpuSeconds: split.cpuSeconds, serverCpuSeconds: null, code, stderr: split.stderr, stdout });
    });
  });
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** One statement on a connection of its own (the benchmark's set-up and its server-CPU readings). */
export async function sql(url: string, text: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(text);
  } finally {
    await c.end();
  }
}
