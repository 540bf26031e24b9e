import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliInProcess } from '../helpers/cli.js';
import { createFixtureDatabase, createTestDatabase, repoRoot, type TestDatabase } from '../helpers/db.js';

/** A backup killed by a signal (a process boundary: e2e tier), on a table big enough to be caught mid-way. */
let app: TestDatabase;
let big: TestDatabase;
let work: string;

beforeAll(async () => {
  app = await createFixtureDatabase('clibk');
  big = await createTestDatabase('clibig');
  await big.query(`CREATE TABLE big (id int PRIMARY KEY, pad text); INSERT INTO big SELECT i, repeat(md5(i::text), 8) FROM generate_series(1, 1200000) i`);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-clisig-'));
});

afterAll(async () => {
  await app?.drop();
  await big?.drop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const zips = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.zip'));

function startBackup(url: string, dir: string): ChildProcess {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  return spawn(process.execPath, [path.join(repoRoot, 'bin', 'pgsnap.js'), 'backup', '--url', url, '--dir', dir, '--quiet'], {
    cwd: repoRoot,
    env,
    stdio: 'ignore',
  });
}

async function waitFor(check: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('pgsnap backup under signals (CLI)', () => {
  it('[fault] a SIGKILLed backup leaves only a temporary file, which the next run removes', async () => {
    const dir = path.join(work, 'sigkill');
    const child = startBackup(big.url, dir);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await waitFor(() => fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.endsWith('.tmp') && fs.statSync(path.join(dir, f)).size > 100_000));
    child.kill('SIGKILL');
    await exited;
    const left = fs.readdirSync(dir);
    expect(zips(dir)).toEqual([]);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/\.zip\.(?:[\w-]+\.)?\d+\.tmp$/);
    const again = await cliInProcess(['backup', '--url', app.url, '--dir', dir, '--json']);
    expect(again.code).toBe(0);
    expect(fs.readdirSync(dir)).toEqual([path.basename((JSON.parse(again.stdout) as { archive: string }).archive)]);
  });

  it('[fault] a SIGTERMed backup removes its temporary file and exits 2', async () => {
    const dir = path.join(work, 'sigterm');
    const child = startBackup(big.url, dir);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await waitFor(() => fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.endsWith('.tmp')));
    child.kill('SIGTERM');
    expect(await exited).toBe(2);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
