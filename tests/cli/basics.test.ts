import { describe, expect, it } from 'vitest';
import { cliInProcess } from '../helpers/cli.js';
import { adminUrl, urlFor } from '../helpers/db.js';

describe('pgsnap CLI basics', () => {
  it('lists every command of the contract in --help', async () => {
    const r = await cliInProcess(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['backup', 'list', 'verify', 'restore', 'prune', 'drift', 'scan', 'types', 'demo']) {
      expect(r.stdout).toMatch(new RegExp(`^  ${cmd}\\b`, 'm'));
    }
  });

  it('[bad-input] exits 2 with one line for an unknown flag', async () => {
    const r = await cliInProcess(['list', '--no-such-flag']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/unknown option '--no-such-flag'/);
  });

  it('[bad-input] exits 2 with one line, without the password, when the server refuses the connection', async () => {
    const r = await cliInProcess(['backup', '--url', 'postgres://u:secret@127.0.0.1:1/x']);
    expect(r.stderr).toMatch(/connection refused/);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('secret');
    expect(r.stdout).not.toContain('secret');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('[bad-input] reports a wrong password without echoing it', async () => {
    const u = new URL(adminUrl());
    u.password = 'definitely-wrong-pw';
    const r = await cliInProcess(['backup', '--url', u.toString(), '--dir', '/tmp/pgsnap-wrongpw']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/password authentication failed/);
    expect(r.stderr + r.stdout).not.toContain('definitely-wrong-pw');
  });

  it('[bad-input] reports a database that does not exist', async () => {
    const r = await cliInProcess(['backup', '--url', urlFor('no_such_db_here'), '--dir', '/tmp/pgsnap-nodb']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/database does not exist/);
  });
});
