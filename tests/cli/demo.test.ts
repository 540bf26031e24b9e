import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('pgsnap demo', () => {
  it('tells the whole story on its own embedded PostgreSQL and exits 0', async () => {
    const r = await runCli(['demo']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // each chapter ran and ended the way the story needs (the demo itself exits 2 otherwise)
    expect(r.stdout).toMatch(/public\.auth_configs is used by the code \(\d+ places in \d+ files\) but no schema file defines it/);
    expect(r.stdout).toMatch(/trigger auth\.users\.on_auth_user_created/);
    expect(r.stdout).toMatch(/public\.test_sessions\s+300\s+rows\s+\(as before the loss\)/);
    expect(r.stdout).toMatch(/restore drill on PostgreSQL \d+: passed/);
    // the shrink guard caught the wiped table the night after, and list marks that archive
    expect(r.stdout).toMatch(/warning: public\.error_logs shrank from \d+ to 0 rows since/);
    expect(r.stdout).toMatch(/SHRANK: public\.error_logs/);
    expect(r.stdout).not.toMatch(/postgres:\/\/[^$\s]*:[^@\s*]+@/); // no URL with a password in it
  }, 180_000);
});
