import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { adminQuery, createTestDatabase, repoRoot, type TestDatabase } from '../helpers/db.js';

/** All or nothing: a restore killed or cut off midway leaves the target as it was, and running it again finishes. */
let db: TestDatabase;
let dir: string;
const ROWS = 400_000;

beforeAll(async () => {
  db = await createTestDatabase('rs_kill');
  await db.query(`CREATE TABLE public.big (id bigint PRIMARY KEY, note text NOT NULL);
                  INSERT INTO public.big SELECT i, 'row ' || i || ' ' || md5(i::text) FROM generate_series(1, ${ROWS}) i`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-restore-kill-'));
  const b = await runCli(['backup', '--url', db.url, '--dir', dir, '--quiet']);
  if (b.code !== 0) throw new Error(`backup failed: ${b.stderr}`);
  await db.query(`DELETE FROM public.big WHERE id % 2 = 0`);
});
afterAll(async () => {
  await db?.drop();
});

async function count(): Promise<number> {
  const [r] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM public.big`);
  return Number(r?.n);
}

/** Wait until restore's session is busy (staging or merging rows), then act. */
async function whenRestoring(act: (pid: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const rows = await adminQuery<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE application_name = 'pgsnap restore' AND datname = $1 AND state = 'active' AND query ~* '^(COPY|WITH)'`,
      [db.name],
    );
    if (rows[0]) return act(rows[0].pid);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('restore never started loading');
}

describe('restore interrupted midway', () => {
  it('[fault] leaves the target unchanged when the connection is cut, with one line and exit 2', async () => {
    const running = runCli(['restore', 'latest', '--dir', dir, '--url', db.url]);
    await whenRestoring(async (pid) => {
      await adminQuery(`SELECT pg_terminate_backend($1)`, [pid]);
    });
    const r = await running;
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr, r.stderr).toMatch(/connection|terminat/i);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/connection|terminat/i);
    expect(await count()).toBe(ROWS / 2);
  });

  it('[fault] leaves the target unchanged when the process is killed, and a second run completes it', async () => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'pgsnap.js'), 'restore', 'latest', '--dir', dir, '--url', db.url], {
      stdio: 'ignore',
    });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    await whenRestoring(async () => {
      child.kill('SIGKILL');
    });
    await exited;
    // The server notices the dropped connection and rolls back.
    for (let i = 0; i < 100; i++) {
      const busy = await adminQuery(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'pgsnap restore' AND datname = $1`, [db.name]);
      if (busy.length === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await count()).toBe(ROWS / 2);
    const again = await runCli(['restore', 'latest', '--dir', dir, '--url', db.url, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(await count()).toBe(ROWS);
    const report = JSON.parse(again.stdout) as { tables: { inserted: number; skipped: number }[] };
    expect(report.tables[0]).toMatchObject({ inserted: ROWS / 2, skipped: ROWS / 2 });
  });
});

describe('restore interrupted with Ctrl-C', () => {
  it('[fault] says nothing was changed, exits 2, and leaves the target as it was', async () => {
    await db.query(`DELETE FROM public.big WHERE id % 2 = 0`); // the test above completed the restore
    const env = { ...process.env };
    delete env.DATABASE_URL;
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'pgsnap.js'), 'restore', 'latest', '--dir', dir, '--url', db.url], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await whenRestoring(async () => {
      child.kill('SIGINT');
    });
    expect(await exited).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^pgsnap: interrupted by SIGINT: the restore was rolled back; nothing in .* was changed/);
    expect(await count()).toBe(ROWS / 2);
  });
});
