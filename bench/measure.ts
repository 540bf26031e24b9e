import { spawn } from 'node:child_process';
import fs from 'node:fs';
import pg from 'pg';

export interface Measured {
  seconds: number;
  /** peak resident set of the measured process, MB (Linux /proc VmHWM; null elsewhere) */
  peakRssMb: number | null;
  code: number | null;
  stderr: string;
  stdout: string;
}

/** Run a command, timing it and sampling its peak RSS (VmHWM is a high-water mark, so sampling loses nothing). */
export function measure(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let hwmKb = 0;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (stdout.length < 1_000_000) stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < 100_000) stderr += d;
    });
    const sample = () => {
      try {
        const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const m = /VmHWM:\s+(\d+) kB/.exec(status);
        if (m) hwmKb = Math.max(hwmKb, Number(m[1]));
      } catch {
        // exited between samples
      }
    };
    const timer = setInterval(sample, 25);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      resolve({ seconds, peakRssMb: hwmKb ? hwmKb / 1024 : null, code, stderr, stdout });
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
