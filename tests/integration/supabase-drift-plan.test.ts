import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTarget } from '../../src/db/index.js';
import { checkDrift } from '../../src/drift/check.js';
import { applyDriftPlan, planDrift } from '../../src/drift/plan-run.js';
import { type TestDatabase, adminUrl } from '../helpers/db.js';
import { copySupabaseProject, createSupabaseDatabase } from '../helpers/supabase.js';

/**
 * drift plan / apply with --profile supabase on the Supabase-shaped fixture: the user's own objects on platform
 * tables (the sign-up trigger on auth.users, a storage policy) go missing live; the plan puts exactly those back,
 * proven in a shadow, and touches nothing the platform owns (its tables, functions, roles).
 */
let live: TestDatabase;
let project: ReturnType<typeof copySupabaseProject>;

beforeAll(async () => {
  live = await createSupabaseDatabase('sb_plan');
  project = copySupabaseProject();
});

afterAll(async () => {
  await live?.drop();
  project?.remove();
});

const options = () => ({
  live: resolveTarget(live.url, {}),
  schemaDir: 'supabase/migrations',
  cwd: project.dir,
  shadow: { kind: 'url', url: adminUrl() } as const,
  profile: 'supabase' as const,
});

describe('drift plan --profile supabase', () => {
  it('restores a dropped storage policy and the on_auth_user_created trigger, and nothing of the platform', async () => {
    await live.query(`
      DROP TRIGGER on_auth_user_created ON auth.users;
      DROP POLICY "Users upload their own avatar" ON storage.objects;
      -- what a platform upgrade does: not drift under the profile, and never the plan's to undo
      SET ROLE supabase_auth_admin;
      ALTER TABLE auth.users ADD COLUMN email_change_confirm_status smallint DEFAULT 0;
      CREATE TABLE auth.flow_state (id uuid PRIMARY KEY, auth_code text NOT NULL);
      RESET ROLE;
    `);
    const r = await planDrift(options());
    expect(r.plan.skipped).toEqual([]);
    expect(r.plan.statements.map((s) => `${s.fixes.change} ${s.fixes.kind} ${s.fixes.object}`).sort()).toEqual([
      'missing policy storage.objects.Users upload their own avatar',
      'missing trigger auth.users.on_auth_user_created',
    ]);
    const sql = r.plan.statements.map((s) => s.sql).join('\n');
    expect(sql).toMatch(/^CREATE TRIGGER on_auth_user_created AFTER INSERT ON auth\.users/m);
    expect(sql).toMatch(/^CREATE POLICY "Users upload their own avatar" ON "storage"\."objects"/m);
    // only CREATE TRIGGER / CREATE POLICY: no DROP, ALTER, GRANT or REVOKE, no platform role named
    expect(r.plan.statements.every((s) => /^CREATE (TRIGGER|POLICY) /.test(s.sql) && !/\n/.test(s.sql))).toBe(true);
    expect(sql).not.toMatch(/supabase_|flow_state|email_change_confirm_status/);
    expect(r.proof.error).toBeUndefined();
    expect(r.proof.remaining).toEqual([]);
    expect(r.proof.proven).toBe(true);
    // the default shadow (a private embedded server, the live roles mirrored) proves the same plan
    const embedded = await planDrift({ ...options(), shadow: { kind: 'embedded' } });
    expect(embedded.proof.error).toBeUndefined();
    expect(embedded.proof.proven).toBe(true);
    expect(embedded.plan.statements.map((s) => s.sql)).toEqual(r.plan.statements.map((s) => s.sql));

    const applied = await applyDriftPlan({ live: resolveTarget(live.url, {}), text: r.text, file: 'supabase-plan.sql', lockTimeoutMs: 5000 });
    expect(applied.statements).toBe(2);
    const after = await checkDrift(options());
    expect(after.findings).toEqual([]);
    // the platform's own change is still there: the plan did not undo it
    const columns = await live.query(
      "SELECT 1 FROM information_schema.columns WHERE table_schema = 'auth' AND table_name = 'users' AND column_name = 'email_change_confirm_status'",
    );
    expect(columns).toHaveLength(1);
  });
});
