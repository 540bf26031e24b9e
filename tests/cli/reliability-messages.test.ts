import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cliInProcess } from '../helpers/cli.js';
import { canMountTmpfs, expectOneLine, mountTmpfs, scratchDir } from '../helpers/faults.js';

/** Failures that used to say the wrong thing: each gets one line naming what actually went wrong. */
let db: TestDatabase;
let root: string;

beforeAll(async () => {
  db = await createTestDatabase('rel_messages');
  await db.query(`CREATE TABLE public.users (id int PRIMARY KEY); INSERT INTO public.users SELECT generate_series(1, 10);`);
  root = scratchDir('rel-messages');
});

afterAll(async () => {
  await db?.drop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('time-outs', () => {
  it('[bad-input] a lock time-out (the role has lock_timeout set) is reported as one, not as "could not connect"', async () => {
    await db.query(`ALTER DATABASE "${db.name}" SET lock_timeout = '300ms'`);
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN; LOCK TABLE public.users IN ACCESS EXCLUSIVE MODE');
      const r = await cliInProcess(['backup', '--url', db.url, '--dir', path.join(root, 'locked')]);
      expectOneLine(r, 2, /timed out waiting for a lock/);
      expect(r.stderr).not.toMatch(/could not connect/);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
      await db.query(`ALTER DATABASE "${db.name}" RESET lock_timeout`);
    }
  });
});

describe('connection URLs the URL parser refuses', () => {
  const secret = 'Pa/ss-Very-Secret';
  const cases: [string, RegExp][] = [
    [`postgres://alice:${secret}@127.0.0.1:5432/app`, /user name or password holds a character that must be percent-encoded/],
    [`postgres://alice:Pass#word@127.0.0.1:5432/app`, /must be percent-encoded/],
    ['postgres://alice:pw-Very-Secret@127.0.0.1:99999/app', /port is not a number from 1 to 65535/],
    ['postgres://alice:pw-Very-Secret@127.0.0.1:54x/app', /port is not a number/],
    ['postgres://alice:pw-Very-Secret@[::1/app', /IPv6 address is missing its closing \]/],
    ['postgres://alice:pw-Very-Secret@[fe80::1%eth0]:5432/app', /IPv6 zone/],
  ];
  it('[bad-input] a password with an unencoded / or #, a bad port, a broken IPv6 address: one line, without the password', async () => {
    for (const [url, says] of cases) {
      for (const args of [['backup', '--url', url, '--dir', path.join(root, 'never')], ['drift', 'check', '--url', url]]) {
        const r = await cliInProcess(args, { env: {} });
        expectOneLine(r, 2, says);
        expect(r.stderr).not.toMatch(/unexpected error|Very-Secret|Pass#word/);
      }
      const viaEnv = await cliInProcess(['backup', '--dir', path.join(root, 'never')], { env: { DATABASE_URL: url } });
      expectOneLine(viaEnv, 2, /in DATABASE_URL is not valid/);
    }
    expect(fs.existsSync(path.join(root, 'never'))).toBe(false);
  });
});

describe('a read-only archive directory', () => {
  it.runIf(canMountTmpfs())('[bad-input] prune on a read-only mount says so in one line and removes nothing', async () => {
    const dir = path.join(root, 'ro');
    const unmount = mountTmpfs(dir, '8m');
    try {
      for (let i = 0; i < 3; i++) {
        const b = await cliInProcess(['backup', '--url', db.url, '--dir', dir, '--quiet']);
        expect(b.code, b.stderr).toBe(0);
      }
      const before = fs.readdirSync(dir).sort();
      expect(spawnSync('mount', ['-o', 'remount,ro', dir]).status).toBe(0);
      const r = await cliInProcess(['prune', '--dir', dir, '--keep-last', '1']);
      expectOneLine(r, 2, /cannot remove .*\.zip: the file system is mounted read-only \(EROFS\)/);
      expect(r.stderr).not.toMatch(/unexpected error/);
      expect(fs.readdirSync(dir).sort()).toEqual(before);
    } finally {
      unmount?.();
    }
  });
});
