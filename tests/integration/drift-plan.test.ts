import { afterAll, describe, expect, it } from 'vitest';
import { resolveTarget } from '../../src/db/index.js';
import { checkDrift } from '../../src/drift/check.js';
import { applyDriftPlan, planDrift } from '../../src/drift/plan-run.js';
import { type TestDatabase, adminUrl, createFixtureDatabase, repoRoot } from '../helpers/db.js';

/**
 * The sample app (schemas/ + fixtures/seed.sql) with things dropped or added by hand: drift plan must repair
 * them, prove it in a shadow, and drift apply must run it on the live database only while the live schema is
 * the one the plan was made against.
 */
const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const db of databases) await db.drop();
});

const shadow = () => ({ kind: 'url', url: adminUrl() }) as const;

async function app(prefix: string, sql: string): Promise<TestDatabase> {
  const db = await createFixtureDatabase(prefix);
  databases.push(db);
  await db.query(sql);
  return db;
}

function options(db: TestDatabase, extra: { allowDataLoss?: boolean } = {}) {
  return { live: resolveTarget(db.url, {}), schemaDir: 'schemas', cwd: repoRoot, shadow: shadow(), ...extra };
}

describe('drift plan + apply on the sample app', () => {
  it('restores a dropped trigger, policy and index, proven first, and the live check is clean after apply', async () => {
    const db = await app(
      'plan_restore',
      `DROP TRIGGER on_auth_user_created ON auth.users;
       DROP POLICY projects_owner_all ON public.projects;
       DROP INDEX public.idx_projects_status;`,
    );
    const r = await planDrift(options(db));
    expect(r.differences.map((d) => `${d.change} ${d.kind} ${d.object}`).sort()).toEqual([
      'missing index public.idx_projects_status',
      'missing policy public.projects.projects_owner_all',
      'missing trigger auth.users.on_auth_user_created',
    ]);
    expect(r.plan.statements.map((s) => s.sql.split(' ').slice(0, 2).join(' '))).toEqual(['CREATE INDEX', 'CREATE TRIGGER', 'CREATE POLICY']);
    expect(r.plan.skipped).toEqual([]);
    expect(r.proof).toMatchObject({ proven: true, remaining: [], copyDifferences: [] });
    expect(r.text).toMatch(/^-- fixes: missing trigger auth\.users\.on_auth_user_created\nCREATE TRIGGER on_auth_user_created/m);

    // The plan only ran in the shadow: live still drifts.
    expect((await checkDrift(options(db))).differences).toHaveLength(3);
    const applied = await applyDriftPlan({ live: resolveTarget(db.url, {}), text: r.text, file: 'plan.sql', lockTimeoutMs: 2000 });
    expect(applied.statements).toBe(3);
    expect((await checkDrift(options(db))).differences).toEqual([]);
    // the restored trigger works: a new auth user gets a profile
    await db.query(`INSERT INTO auth.users (id, email) VALUES ('00000000-0000-0000-0000-0000000000aa', 'plan@example.com')`);
    const rows = await db.query<{ display_name: string }>(`SELECT display_name FROM public.profiles WHERE id = '00000000-0000-0000-0000-0000000000aa'`);
    expect(rows).toEqual([{ display_name: 'plan' }]);
  });

  it('withholds a data-loss statement without --allow-data-loss, lists why, and is then not proven', async () => {
    const db = await app('plan_loss', `ALTER TABLE public.profiles ADD COLUMN bio text; UPDATE public.profiles SET bio = 'kept';`);
    const safe = await planDrift(options(db));
    expect(safe.plan.statements).toEqual([]);
    expect(safe.plan.skipped).toHaveLength(1);
    expect(safe.plan.skipped[0]).toMatchObject({ dataLoss: 'drops a column and its values', sql: 'ALTER TABLE "public"."profiles" DROP COLUMN "bio";' });
    expect(safe.proof.proven).toBe(false);
    expect(safe.proof.remaining.map((d) => d.object)).toEqual(['public.profiles.bio']);
    expect(safe.text).toMatch(/^-- NOT REPAIRED: extra column public\.profiles\.bio: withheld: drops a column/m);
    await expect(applyDriftPlan({ live: resolveTarget(db.url, {}), text: safe.text, file: 'plan.sql', lockTimeoutMs: 2000 })).rejects.toThrow(/not proven/);

    const lossy = await planDrift(options(db, { allowDataLoss: true }));
    expect(lossy.plan.statements.map((s) => s.dataLoss)).toEqual(['drops a column and its values']);
    expect(lossy.proof.proven).toBe(true);
  });

  it('refuses to apply when the live schema changed since the plan was made, and changes nothing', async () => {
    const db = await app('plan_stale', `DROP INDEX public.idx_projects_status;`);
    const r = await planDrift(options(db));
    expect(r.proof.proven).toBe(true);
    await db.query(`CREATE TABLE public.made_meanwhile (id int)`);
    await expect(applyDriftPlan({ live: resolveTarget(db.url, {}), text: r.text, file: 'plan.sql', lockTimeoutMs: 2000 })).rejects.toThrow(
      /live schema changed since plan\.sql was made \(.*\); nothing was applied/,
    );
    const idx = await db.query(`SELECT 1 FROM pg_indexes WHERE indexname = 'idx_projects_status'`);
    expect(idx).toEqual([]);
  });

  it('refuses a plan whose statements were edited after it was made', async () => {
    const db = await app('plan_edit', `DROP INDEX public.idx_projects_status;`);
    const r = await planDrift(options(db));
    const edited = r.text.replace('CREATE INDEX', 'CREATE UNIQUE INDEX');
    await expect(applyDriftPlan({ live: resolveTarget(db.url, {}), text: edited, file: 'plan.sql', lockTimeoutMs: 2000 })).rejects.toThrow(/edited after/);
  });
});

describe('drift plan with a schema left out by the ignore rules', () => {
  it('copies the whole live schema into the shadow (a foreign key into the ignored schema), and proves the rest', async () => {
    const db = await app('plan_ignored', `DROP INDEX public.idx_projects_status; DROP TRIGGER on_auth_user_created ON auth.users;`);
    const r = await planDrift({ ...options(db), ignore: { schemas: ['auth'] } });
    // the auth trigger is not this plan's to repair; the public index is
    expect(r.differences.map((d) => d.object)).toEqual(['public.idx_projects_status']);
    expect(r.proof).toMatchObject({ proven: true, remaining: [], copyDifferences: [] });
    expect(r.exclude).toEqual(['auth']);
    await applyDriftPlan({ live: resolveTarget(db.url, {}), text: r.text, file: 'plan.sql', lockTimeoutMs: 2000 });
    expect((await checkDrift({ ...options(db), ignore: { schemas: ['auth'] } })).differences).toEqual([]);
  });
});
