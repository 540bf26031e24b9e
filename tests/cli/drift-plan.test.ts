import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliInProcess } from '../helpers/cli.js';
import { type TestDatabase, adminUrl, createFixtureDatabase } from '../helpers/db.js';

let drifted: TestDatabase;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-plan-cli-'));

beforeAll(async () => {
  drifted = await createFixtureDatabase('plan_cli');
  // The incident: the sign-up trigger went missing; and someone added a table by hand (and put a row in it).
  await drifted.query(`DROP TRIGGER on_auth_user_created ON auth.users; CREATE TABLE public.scratch_notes (id int); INSERT INTO public.scratch_notes VALUES (1)`);
});

afterAll(async () => {
  await drifted?.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('pgsnap drift plan / drift apply (black box)', () => {
  const safe = path.join(tmp, 'safe.sql');
  const lossy = path.join(tmp, 'lossy.sql');

  it('withholds the DROP TABLE, says why, writes an unproven plan and exits 1 (default embedded shadow)', async () => {
    const r = await cliInProcess(['drift', 'plan', '--url', drifted.url, '--out', safe]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('plan: 1 statement(s) for 2 finding(s)');
    expect(r.stderr).toContain('not repaired: extra table public.scratch_notes: withheld: drops a table and every row in it (rerun with --allow-data-loss to include it)');
    expect(r.stderr).toContain('still drifting after the plan: extra table public.scratch_notes');
    expect(r.stderr).toMatch(/NOT proven in the shadow \(embedded PostgreSQL \d+\)/);
    expect(r.stderr).not.toContain('differs from it');
    const text = fs.readFileSync(safe, 'utf8');
    expect(text).toMatch(/^-- pgsnap-plan: \{"version":1,"fingerprint":"sha256:[0-9a-f]{64}","proven":false,/);
    expect(text).toContain('-- fixes: missing trigger auth.users.on_auth_user_created\nCREATE TRIGGER on_auth_user_created');
    expect(text).toContain('-- NOT REPAIRED: extra table public.scratch_notes');
  });

  it('drift apply refuses an unproven plan with one line and exit 2, changing nothing', async () => {
    const r = await cliInProcess(['drift', 'apply', safe, '--url', drifted.url]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/was not proven in the shadow database/);
    expect(await drifted.query(`SELECT 1 FROM pg_trigger WHERE tgname = 'on_auth_user_created'`)).toEqual([]);
  });

  it('--allow-data-loss --json: one JSON document with the statements and the proof, exit 0', async () => {
    const r = await cliInProcess(['drift', 'plan', '--json', '--allow-data-loss', '--url', drifted.url, '--shadow', adminUrl(), '--out', lossy]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { proven: boolean; statements: { sql: string; fixes: { object: string }; dataLoss?: string }[]; proof: { proven: boolean; remaining: unknown[] } };
    expect(doc.proven).toBe(true);
    expect(doc.proof).toMatchObject({ proven: true, remaining: [] });
    expect(doc.statements.map((s) => [s.fixes.object, s.dataLoss ?? null])).toEqual([
      ['auth.users.on_auth_user_created', null],
      ['public.scratch_notes', 'drops a table and every row in it'],
    ]);
  });

  it('drift apply runs the proven plan; drift check is clean after; a second apply is refused', async () => {
    const r = await cliInProcess(['drift', 'apply', lossy, '--url', drifted.url, '--lock-timeout', '3']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('applied 2 statement(s)');
    const check = await cliInProcess(['drift', 'check', '--url', drifted.url, '--shadow', adminUrl()]);
    expect(check.code).toBe(0);
    const again = await cliInProcess(['drift', 'apply', lossy, '--url', drifted.url]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/the live schema changed since .*lossy\.sql was made/);
  });

  it('drift plan --apply repairs the live database in the same run when the plan is proven', async () => {
    const db = await createFixtureDatabase('plan_cli_apply');
    try {
      await db.query('DROP INDEX public.idx_projects_status');
      const r = await cliInProcess(['drift', 'plan', '--apply', '--url', db.url, '--shadow', adminUrl()]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^-- pgsnap-plan: /);
      expect(r.stderr).toContain('applied 1 statement(s) to the live database in one transaction');
      expect(await db.query(`SELECT indexname FROM pg_indexes WHERE indexname = 'idx_projects_status'`)).toEqual([{ indexname: 'idx_projects_status' }]);
    } finally {
      await db.drop();
    }
  });
});
