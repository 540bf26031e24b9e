import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliResult } from '../helpers/cli.js';
import { adminUrl, createFixtureDatabase, repoRoot, type TestDatabase } from '../helpers/db.js';
import { cliInProcess } from '../helpers/cli.js';
import { createLoginRole, expectNoSecret, filesBelow, scratchDir, withCredentials, zipText } from '../helpers/faults.js';

/**
 * A password given in the URL (flag or DATABASE_URL) or in PGPASSWORD never appears in stdout, stderr, a
 * --debug log (SQL and stack traces included) or an archive — on success and on every error path. Each run is a
 * fresh process, so nothing another test registered for redaction can hide a leak; every run uses --debug.
 * The password holds characters that URL encoding changes, so both spellings are searched for.
 */
const tag = randomBytes(4).toString('hex');
const secret = `Sx-${tag}-p@ss:w/rd%1`;
const owner = `rel_secret_${tag}`;
const stranger = `rel_stranger_${tag}`;
let db: TestDatabase;
let root: string;
let ownerUrl: string;
const drops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  drops.push(await createLoginRole(owner, secret, 'SUPERUSER'));
  drops.push(await createLoginRole(stranger, secret));
  db = await createFixtureDatabase('rel_secret');
  ownerUrl = withCredentials(db.url, owner, secret);
  root = scratchDir('rel-secrets');
  // an archive for the restore cases, made in this process with the admin URL (the secret is not in it)
  const b = await cliInProcess(['backup', '--url', db.url, '--dir', path.join(root, 'base'), '--quiet']);
  if (b.code !== 0) throw new Error(b.stderr);
});

afterAll(async () => {
  await db?.drop();
  for (const drop of drops) await drop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

/** The real CLI in a fresh process, with umask 000 so that file modes come from pgsnap alone. */
function pgsnap(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const full: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const k of ['DATABASE_URL', 'PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE']) if (!(k in env)) delete full[k];
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', 'umask 000 && exec "$0" "$@"', process.execPath, path.join(repoRoot, 'bin', 'pgsnap.js'), '--debug', ...args], {
      cwd: root,
      env: full,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Everything a run left: its output, and every file below the test's directory (archives decompressed). */
async function everything(r: CliResult): Promise<Record<string, string>> {
  const texts: Record<string, string> = { stdout: r.stdout, stderr: r.stderr };
  for (const f of filesBelow(root)) {
    const full = path.join(root, f);
    texts[f] = f.endsWith('.zip') ? await zipText(full) : fs.readFileSync(full, 'latin1');
  }
  return texts;
}

it('the leak check itself finds the password, plain and URL-encoded', () => {
  expect(() => expectNoSecret(secret, { stderr: `pgsnap: ${secret}` })).toThrow();
  expect(() => expectNoSecret(secret, { stderr: `postgres://u:${encodeURIComponent(secret)}@h/db` })).toThrow();
  expect(() => expectNoSecret(secret, { stderr: 'postgres://u:***@h/db' })).not.toThrow();
});

async function leaksNothing(r: CliResult, expectedCode: number | number[], says?: RegExp): Promise<void> {
  const label = `exit ${r.code}\n${r.stderr.slice(-2000)}`;
  expect(Array.isArray(expectedCode) ? expectedCode : [expectedCode], label).toContain(r.code);
  if (says) expect(r.stderr, label).toMatch(says);
  expectNoSecret(secret, await everything(r));
}

/** The same target as PG* variables: host, port, user, database and PGPASSWORD. */
function pgEnv(url: string): NodeJS.ProcessEnv {
  const u = new URL(url);
  return {
    PGHOST: u.hostname,
    PGPORT: u.port,
    PGUSER: decodeURIComponent(u.username),
    PGPASSWORD: decodeURIComponent(u.password),
    PGDATABASE: u.pathname.slice(1),
  };
}

const refusedUrl = () => withCredentials('postgres://x@127.0.0.1:1/app', owner, secret);
const wrongPasswordUrl = () => withCredentials(db.url, new URL(adminUrl()).username, secret);

describe('a password in the URL', () => {
  it('[secret] backup, list and verify succeed without it anywhere; the archive is 0600 even under umask 000', async () => {
    const dir = path.join(root, 'ok');
    const b = await pgsnap(['backup', '--url', ownerUrl, '--dir', dir, '--json']);
    await leaksNothing(b, 0);
    const archive = (JSON.parse(b.stdout) as { archive: string }).archive;
    expect(fs.statSync(archive).mode & 0o777).toBe(0o600);
    expect(fs.statSync(dir).mode & 0o077).toBe(0);
    await leaksNothing(await pgsnap(['list', '--dir', dir, '--json'], { DATABASE_URL: ownerUrl }), 0);
    await leaksNothing(await pgsnap(['verify', 'latest', '--dir', dir], { DATABASE_URL: ownerUrl }), 0, /verified/);
  });

  it('[secret] restore succeeds (DATABASE_URL) and fails on a SQL error under --debug without it anywhere', async () => {
    const dir = path.join(root, 'base');
    await db.query(`DELETE FROM public.error_logs WHERE level = 'fatal'`);
    await leaksNothing(await pgsnap(['restore', 'latest', '--dir', dir, '--json'], { DATABASE_URL: ownerUrl }), 0);
    // a constraint the archived rows break: the INSERT fails inside the restore, and --debug prints its stack
    await db.query(`DELETE FROM public.error_logs WHERE level = 'fatal';
                    ALTER TABLE public.error_logs ADD CONSTRAINT rel_no_fatal CHECK (level <> 'fatal') NOT VALID`);
    try {
      const r = await pgsnap(['restore', 'latest', '--dir', dir, '--url', ownerUrl]);
      await leaksNothing(r, 2, /restoring public\.error_logs failed: .*violates check constraint "rel_no_fatal"/);
      expect(r.stderr).toMatch(/\n\s+at /);
    } finally {
      await db.query(`ALTER TABLE public.error_logs DROP CONSTRAINT rel_no_fatal`);
    }
  });

  it('[secret] connection refused', async () => {
    await leaksNothing(await pgsnap(['backup', '--url', refusedUrl(), '--dir', path.join(root, 'x')]), 2, /connection refused/);
  });

  it('[secret] wrong password (the wrong one is not echoed either)', async () => {
    await leaksNothing(await pgsnap(['restore', 'latest', '--dir', path.join(root, 'base'), '--url', wrongPasswordUrl()]), 2, /password authentication failed/);
  });

  it('[secret] missing database', async () => {
    const u = new URL(ownerUrl);
    u.pathname = '/no_such_db_for_secrets';
    await leaksNothing(await pgsnap(['backup', '--url', u.toString(), '--dir', path.join(root, 'x')]), 2, /database does not exist/);
  });

  it('[secret] permission denied', async () => {
    const url = withCredentials(db.url, stranger, secret);
    await leaksNothing(await pgsnap(['backup', '--url', url, '--dir', path.join(root, 'x')]), 2, /permission denied/);
  });

  it('[secret] the password as a query parameter (?password=)', async () => {
    const u = new URL(db.url);
    u.username = owner;
    u.password = '';
    u.searchParams.set('password', secret);
    await leaksNothing(await pgsnap(['backup', '--url', u.toString(), '--dir', path.join(root, 'query'), '--json']), 0);
    const refused = new URL(refusedUrl());
    refused.password = '';
    refused.searchParams.set('password', secret);
    await leaksNothing(await pgsnap(['backup', '--url', refused.toString(), '--dir', path.join(root, 'x')]), 2, /connection refused/);
  });

  it('[secret] drift check: success, and a refused connection', async () => {
    await leaksNothing(await pgsnap(['drift', 'check', '--url', ownerUrl, '--schemas', path.join(repoRoot, 'schemas'), '--json']), [0, 1]);
    await leaksNothing(await pgsnap(['drift', 'check', '--url', refusedUrl(), '--schemas', path.join(repoRoot, 'schemas')]), 2, /connection refused/);
  });

  it('[secret] types: success, and a wrong password', async () => {
    const out = path.join(root, 'types', 'db.ts');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    await leaksNothing(await pgsnap(['types', '--url', ownerUrl, '--out', out]), 0);
    expect(fs.readFileSync(out, 'utf8')).toMatch(/interface/);
    await leaksNothing(await pgsnap(['types', '--url', wrongPasswordUrl()]), 2, /password authentication failed/);
  });
});

describe('a password in PGPASSWORD', () => {
  it('[secret] backup and restore succeed without it anywhere', async () => {
    const dir = path.join(root, 'pgenv');
    await leaksNothing(await pgsnap(['backup', '--dir', dir, '--json'], pgEnv(ownerUrl)), 0);
    await leaksNothing(await pgsnap(['restore', 'latest', '--dir', dir, '--json'], pgEnv(ownerUrl)), 0);
  });

  it('[secret] connection refused, wrong password, permission denied', async () => {
    await leaksNothing(await pgsnap(['backup', '--dir', path.join(root, 'x')], pgEnv(refusedUrl())), 2, /connection refused/);
    await leaksNothing(await pgsnap(['backup', '--dir', path.join(root, 'x')], pgEnv(wrongPasswordUrl())), 2, /password authentication failed/);
    await leaksNothing(await pgsnap(['backup', '--dir', path.join(root, 'x')], pgEnv(withCredentials(db.url, stranger, secret))), 2, /permission denied/);
  });
});
