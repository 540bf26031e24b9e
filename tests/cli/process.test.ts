import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { type TestDatabase, createTestDatabase, repoRoot } from '../helpers/db.js';

/** The process around the commands: closed pipes, signals, temporary directories, warnings, root. */
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
let db: TestDatabase;
let scratch: string;
let schemas: string;

beforeAll(async () => {
  db = await createTestDatabase('process');
  await db.query('CREATE TABLE public.items (id int PRIMARY KEY, name text)');
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-process-'));
  schemas = path.join(scratch, 'schemas');
  fs.mkdirSync(schemas);
  fs.writeFileSync(path.join(schemas, '001.sql'), 'CREATE TABLE public.items (id int PRIMARY KEY, name text);\n');
});

afterAll(async () => {
  fs.rmSync(scratch, { recursive: true, force: true });
  await db.drop();
});

/** A directory for TMPDIR that other users can enter (mkdtemp makes 0700). */
function openTmpdir(name: string): string {
  const dir = path.join(scratch, name);
  fs.mkdirSync(dir, { mode: 0o755 });
  fs.chmodSync(scratch, 0o755);
  return dir;
}

describe('the pgsnap process', () => {
  it('ends quietly when the reader of stdout goes away (pgsnap … | head -1)', async () => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'pgsnap.js'), '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader is gone before pgsnap writes a byte: its write gets EPIPE
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('reads ~/.pgpass without the driver printing a deprecation warning', async () => {
    const u = new URL(db.url);
    const password = decodeURIComponent(u.password);
    const pgpass = path.join(scratch, 'pgpass');
    fs.writeFileSync(pgpass, `${u.hostname}:${u.port || 5432}:*:${decodeURIComponent(u.username)}:${password}\n`, { mode: 0o600 });
    u.password = '';
    const r = await runCli(['backup', '--url', u.toString(), '--dir', path.join(scratch, 'pgpass-backups'), '--quiet'], {
      env: { PGPASSFILE: pgpass, PGPASSWORD: undefined },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('stops the embedded shadow and removes its data directory on SIGTERM', async () => {
    const tmp = openTmpdir('signal-tmp');
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'pgsnap.js'), 'drift', 'check', '--url', db.url, '--schemas', schemas], {
      env: { ...process.env, TMPDIR: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const serverDirs = () => fs.readdirSync(tmp).filter((f) => f.startsWith('pgsnap-pg'));
    for (const deadline = Date.now() + 60_000; serverDirs().length === 0; ) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no server directory appeared: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGTERM');
    const code = await closed;
    expect(stderr.trim().split('\n')).toEqual([
      'pgsnap: interrupted by SIGTERM: nothing was changed (drift check only reads the live database; its scratch shadow database is removed)',
    ]);
    expect(code).toBe(2);
    expect(serverDirs()).toEqual([]);
  });

  it.runIf(isRoot)('as root, with a TMPDIR the postgres user cannot enter, fails with one line and exit 2', async () => {
    const closed = fs.mkdtempSync(path.join(scratch, 'closed-'));
    expect(fs.statSync(closed).mode & 0o777).toBe(0o700);
    const r = await runCli(['drift', 'check', '--url', db.url, '--schemas', schemas], { env: { TMPDIR: closed, PGSNAP_CACHE_DIR: undefined } });
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/runs as the user postgres.*cannot enter .*closed-.*set TMPDIR/);
    expect(r.code).toBe(2);
    expect(fs.readdirSync(closed)).toEqual([]);
  });
});
