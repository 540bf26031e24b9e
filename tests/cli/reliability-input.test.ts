import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminQuery, adminUrl, createFixtureDatabase, repoRoot, type TestDatabase, urlFor } from '../helpers/db.js';
import { cliInProcess } from '../helpers/cli.js';
import { createLoginRole, expectOneLine, filesBelow, scratchDir, tableState, withCredentials, zipsIn } from '../helpers/faults.js';

/**
 * Bad input through the CLI: every case ends with exit 2, exactly one line on stderr that says what to do, nothing
 * on stdout, and nothing changed — no rows in the target, no file in the archive directory.
 * (Already covered elsewhere: `list --no-such-flag`, backup with a pattern that matches nothing or `a.b.c`,
 * restore of a date without an archive, and backup against a wrong password, a refused connection or a missing
 * database in tests/cli/basics.test.ts and tests/cli/backup.test.ts.)
 */
const suffix = randomBytes(3).toString('hex');
const nobody = `rel_nobody_${suffix}`;
const nobodyPassword = `pw-${randomBytes(6).toString('hex')}`;
let db: TestDatabase;
let root: string;
let dir: string;
let dropRole: () => Promise<void> = async () => {};

beforeAll(async () => {
  db = await createFixtureDatabase('rel_input');
  root = scratchDir('rel-input');
  dir = path.join(root, 'backups');
  const b = await cliInProcess(['backup', '--url', db.url, '--dir', dir, '--quiet']);
  if (b.code !== 0) throw new Error(b.stderr);
  await db.query(`DELETE FROM public.error_logs WHERE level = 'fatal'`);
  dropRole = await createLoginRole(nobody, nobodyPassword);
});

afterAll(async () => {
  await db?.drop();
  await dropRole();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

/** Run, expect exit 2 and one line matching `says`, and prove the target and the archive directory unchanged. */
async function refused(args: string[], says: RegExp, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const before = await tableState(db);
  const files = filesBelow(root);
  const r = await cliInProcess(args, { env, cwd: root });
  if (process.env.PGSNAP_SHOW_LINES) console.log(`${args.join(' ')}\n  ${r.stderr.trim()}`);
  expectOneLine(r, 2, says);
  expect(await tableState(db)).toEqual(before);
  expect(filesBelow(root)).toEqual(files);
}

const down = 'postgres://app:pw-down@127.0.0.1:1/app';

describe('bad flags and arguments', () => {
  const unknown: string[][] = [
    ['backup', '--url', 'x', '--frobnicate'],
    ['restore', 'latest', '--no-such-flag'],
    ['verify', 'latest', '--no-such-flag'],
    ['prune', '--keep-last', '2', '--no-such-flag'],
    ['drift', 'check', '--no-such-flag'],
    ['types', '--no-such-flag'],
    ['scan', '--no-such-flag'],
  ];
  for (const args of unknown) {
    it(`[bad-input] unknown flag: pgsnap ${args.join(' ')}`, async () => {
      await refused(args, /unknown option '--(frobnicate|no-such-flag)'/);
    });
  }

  it('[bad-input] unknown command, missing argument, and values a flag does not take', async () => {
    await refused(['frobnicate'], /unknown command 'frobnicate'/);
    await refused(['verify'], /missing required argument 'archive'/);
    await refused(['restore', 'latest', '--dir', dir, '--url', db.url, '--on-conflict', 'sometimes'], /sometimes.*(invalid|Allowed choices)|(invalid|Allowed choices).*sometimes/i);
    await refused(['backup', '--url', db.url, '--dir', dir, '--jobs', '0'], /jobs/);
    await refused(['backup', '--url', db.url, '--dir', dir, '--jobs', 'many'], /jobs/);
  });

  it('[bad-input] malformed table patterns, for backup and restore', async () => {
    await refused(['backup', '--url', db.url, '--dir', dir, '--table', '"unbalanced'], /malformed table pattern .*unbalanced double quote/);
    await refused(['backup', '--url', db.url, '--dir', dir, '--exclude', ' '], /empty table pattern/);
    await refused(['restore', 'latest', '--dir', dir, '--url', db.url, '--table', 'a.b.c'], /malformed table pattern "a\.b\.c"/);
    await refused(['restore', 'latest', '--dir', dir, '--url', db.url, '--table', 'public.no_such_table'], /--table public\.no_such_table matches no table in the archive.* — nothing was changed/);
  });

  it('[bad-input] a date with no archive, a date that does not exist, an archive path that does not exist', async () => {
    await refused(['verify', '1999-01-01', '--dir', dir], /no archive from 1999-01-01 \(UTC\) in .* — nearest dates with archives: \d{4}-\d{2}-\d{2}/);
    await refused(['restore', '2025-02-30', '--dir', dir, '--url', db.url], /2025-02-30 is not a valid date — use YYYY-MM-DD/);
    await refused(['restore', path.join(root, 'nope.zip'), '--url', db.url], /archive not found: .*nope\.zip/);
  });

  it('[bad-input] a missing archive directory, and one that cannot be created', async () => {
    const missing = path.join(root, 'no-such-dir');
    await refused(['verify', 'latest', '--dir', missing], /archive directory .*no-such-dir does not exist — pass --dir/);
    await refused(['restore', 'latest', '--dir', missing, '--url', db.url], /archive directory .*no-such-dir does not exist/);
    await refused(['prune', '--keep-last', '1', '--dir', missing], /no-such-dir does not exist/);
    fs.writeFileSync(path.join(root, 'a-file'), 'not a directory');
    await refused(['backup', '--url', db.url, '--dir', path.join(root, 'a-file', 'backups')], /cannot create archive directory .* — pass --dir with a directory you can write to/);
    expect(fs.readFileSync(path.join(root, 'a-file'), 'utf8')).toBe('not a directory');
  });
});

describe('bad connections', () => {
  const wrong = () => withCredentials(db.url, new URL(adminUrl()).username, 'definitely-wrong-pw');
  it('[bad-input] a wrong password: restore, drift check, types', async () => {
    await refused(['restore', 'latest', '--dir', dir, '--url', wrong()], /password authentication failed connecting to .* — check the password/);
    await refused(['drift', 'check', '--url', wrong(), '--schemas', path.join(repoRoot, 'schemas')], /password authentication failed/);
    await refused(['types', '--url', wrong()], /password authentication failed/);
  });

  it('[bad-input] a server that is down: restore, drift check, types', async () => {
    await refused(['restore', 'latest', '--dir', dir, '--from-database', db.name, '--url', down], /could not connect to app@127\.0\.0\.1:1\/app: connection refused — is the server running/);
    await refused(['drift', 'check', '--url', down, '--schemas', path.join(repoRoot, 'schemas')], /connection refused/);
    await refused(['types', '--url', down], /connection refused/);
  });

  it('[bad-input] a database that does not exist: restore', async () => {
    await refused(['restore', 'latest', '--dir', dir, '--from-database', db.name, '--url', urlFor('no_such_db_here')], /database does not exist: .*no_such_db_here/);
  });
});

describe('targets that must not be written to', () => {
  it('[bad-input] a read-only database (default_transaction_read_only): restore refuses in one line; backup still works', async () => {
    await adminQuery(`ALTER DATABASE "${db.name}" SET default_transaction_read_only = on`);
    try {
      const readOnly = /cannot execute .* in a read-only transaction — nothing was changed/;
      await refused(['restore', 'latest', '--dir', dir, '--url', db.url], readOnly);
      await refused(['restore', 'latest', '--dir', dir, '--url', db.url, '--create-missing', '--on-conflict', 'update'], readOnly);
      const out = path.join(root, 'from-read-only');
      const b = await cliInProcess(['backup', '--url', db.url, '--dir', out, '--quiet']);
      expect(b.code, b.stderr).toBe(0);
      expect(zipsIn(out)).toHaveLength(1);
      fs.rmSync(out, { recursive: true });
    } finally {
      await adminQuery(`ALTER DATABASE "${db.name}" RESET default_transaction_read_only`);
    }
  });

  it('[bad-input] a role without privileges: restore and backup refuse in one line, change nothing, leave no file', async () => {
    const url = withCredentials(db.url, nobody, nobodyPassword);
    await refused(['restore', 'latest', '--dir', dir, '--url', url], /^pgsnap: restore cannot start: role rel_nobody_\w+ lacks SELECT and INSERT on auth\.users;.* — nothing was changed$/m);
    const out = path.join(root, 'by-nobody');
    await refused(['backup', '--url', url, '--dir', out], /permission denied for schema auth — connect as a role that owns the objects, or grant it/);
    expect(zipsIn(out)).toEqual([]);
    expect(fs.existsSync(out) ? fs.readdirSync(out) : []).toEqual([]);
  });
});
