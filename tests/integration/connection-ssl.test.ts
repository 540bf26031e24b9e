import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, connect, type Session } from '../../src/db/client.js';
import { resolveTarget } from '../../src/db/connection.js';
import type { PgsnapError } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';
import { e2e } from '../helpers/tier.js';
import { adminQuery, adminUrl, createTestDatabase, type TestDatabase } from '../helpers/db.js';

/**
 * libpq's sslmode against a real server: first as the test server comes (no TLS), then with TLS switched on
 * with a self-signed certificate, which is what `require` must accept and `verify-full` must refuse.
 */
let db: TestDatabase;
const u = new URL(adminUrl());
const conninfo = (extra: string) =>
  `host=${u.hostname} port=${u.port} dbname=${db.name} user=${decodeURIComponent(u.username)} password='${decodeURIComponent(u.password).replace(/'/g, "\\'")}' ${extra}`;

async function usesTls(s: Session): Promise<boolean> {
  const r = await s.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
  return r.rows[0]?.ssl === true;
}

async function tlsOf(connection: string): Promise<boolean> {
  const s = await connect(resolveTarget(connection, {}));
  try {
    return await usesTls(s);
  } finally {
    await close(s);
  }
}

async function failure(connection: string): Promise<PgsnapError> {
  try {
    await tlsOf(connection);
  } catch (e) {
    return e as PgsnapError;
  }
  throw new Error('connected');
}

beforeAll(async () => {
  db = await createTestDatabase('ssl');
});
afterAll(async () => db?.drop());

describe('on a server without TLS', () => {
  it('connects with a key=value string, quoted password included', async () => {
    expect(await tlsOf(conninfo(''))).toBe(false);
  });

  it('sslmode=prefer (the default) falls back to a plain connection; require fails with one clear error', async () => {
    expect(await tlsOf(conninfo('sslmode=prefer'))).toBe(false);
    const e = await failure(conninfo('sslmode=require'));
    expect(e.code).toBe('ssl');
    expect(e.message).toMatch(/does not support SSL/);
    expect(e.message).not.toContain(decodeURIComponent(u.password));
  });

  // PGSSLMODE reaches the driver through the process environment: a child process
  e2e('PGSSLMODE=require is honoured by the CLI when the URL names no sslmode', async () => {
    const r = await runCli(['backup', '--url', db.url, '--dir', fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-ssl-'))], { env: { PGSSLMODE: 'require' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/does not support SSL/);
  });
});

describe('on a server with a self-signed certificate', () => {
  let dir: string;
  let local = true;
  beforeAll(async () => {
    const [row] = await adminQuery<{ d: string }>(`SELECT current_setting('data_directory') AS d`);
    const dataDir = row?.d ?? '';
    local = ['localhost', '127.0.0.1', '::1', '[::1]'].includes(u.hostname) && fs.existsSync(dataDir);
    if (!local) return;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=pgsnap-test.invalid',
      '-keyout', path.join(dir, 'server.key'), '-out', path.join(dir, 'server.crt')], { stdio: 'ignore' });
    // the server's user must own its key file, mode 0600
    const owner = fs.statSync(dataDir);
    fs.chmodSync(dir, 0o755);
    for (const f of ['server.key', 'server.crt']) fs.chownSync(path.join(dir, f), owner.uid, owner.gid);
    fs.chmodSync(path.join(dir, 'server.key'), 0o600);
    fs.chmodSync(path.join(dir, 'server.crt'), 0o644);
    await adminQuery(`ALTER SYSTEM SET ssl_cert_file = '${path.join(dir, 'server.crt')}'`);
    await adminQuery(`ALTER SYSTEM SET ssl_key_file = '${path.join(dir, 'server.key')}'`);
    await adminQuery(`ALTER SYSTEM SET ssl = on`);
    await adminQuery('SELECT pg_reload_conf()');
    await new Promise((r) => setTimeout(r, 500));
  });
  afterAll(async () => {
    if (!local) return;
    await adminQuery('ALTER SYSTEM RESET ssl');
    await adminQuery('ALTER SYSTEM RESET ssl_cert_file');
    await adminQuery('ALTER SYSTEM RESET ssl_key_file');
    await adminQuery('SELECT pg_reload_conf()');
  });

  it('require and prefer encrypt without verifying; disable stays plain', async ({ skip }) => {
    if (!local) skip();
    expect(await tlsOf(conninfo('sslmode=require'))).toBe(true);
    expect(await tlsOf(conninfo(''))).toBe(true);
    expect(await tlsOf(`${db.url}?sslmode=require`)).toBe(true);
    expect(await tlsOf(conninfo('sslmode=disable'))).toBe(false);
  });

  it('verify-full refuses a certificate nobody vouches for; verify-ca accepts it when given as the root', async ({ skip }) => {
    if (!local) skip();
    const e = await failure(conninfo('sslmode=verify-full sslrootcert=system'));
    expect(e.code).toBe('ssl');
    expect(await tlsOf(conninfo(`sslmode=verify-ca sslrootcert=${path.join(dir, 'server.crt')}`))).toBe(true);
    // the certificate names pgsnap-test.invalid, not this host: verify-full refuses it even with the root given
    expect((await failure(conninfo(`sslmode=verify-full sslrootcert=${path.join(dir, 'server.crt')}`))).code).toBe('ssl');
  });
});
