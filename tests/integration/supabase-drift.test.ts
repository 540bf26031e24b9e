import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTarget } from '../../src/db/index.js';
import { checkDrift } from '../../src/drift/check.js';
import { cliInProcess } from '../helpers/cli.js';
import { type TestDatabase, adminUrl } from '../helpers/db.js';
import { copySupabaseProject, createSupabaseDatabase } from '../helpers/supabase.js';
import { e2e } from '../helpers/tier.js';

/**
 * Drift on a Supabase CLI project: the migrations reference auth.users, auth.uid(), extensions.citext,
 * storage.objects and the supabase_realtime publication, which only the platform creates. The shadow gets the
 * platform baseline from the live database first; a correct project is in sync, and the user's own objects on
 * platform tables (the sign-up trigger, storage policies) are still compared.
 */
let live: TestDatabase;
let project: ReturnType<typeof copySupabaseProject>;

beforeAll(async () => {
  live = await createSupabaseDatabase('sb_drift');
  project = copySupabaseProject();
});

afterAll(async () => {
  await live?.drop();
  project?.remove();
});

const check = (extra: Partial<Parameters<typeof checkDrift>[0]> = {}) =>
  checkDrift({
    live: resolveTarget(live.url, {}),
    schemaDir: 'supabase/migrations',
    cwd: project.dir,
    shadow: { kind: 'url', url: adminUrl() },
    profile: 'supabase',
    ...extra,
  });

describe('drift check --profile supabase on a Supabase CLI project', () => {
  it('reports nothing for a project in sync, in the default embedded shadow too', async () => {
    const viaUrl = await check();
    expect(viaUrl.findings).toEqual([]);
    // The baseline reproduces the platform: nothing needed ignoring, so the profile hides nothing here.
    expect(viaUrl.ignored).toBe(0);
    const embedded = await check({ shadow: { kind: 'embedded' } });
    expect(embedded.findings).toEqual([]);
  });

  it('without the baseline the first migration cannot apply (what happened before)', async () => {
    await expect(check({ profile: undefined })).rejects.toThrow(/supabase\/migrations\/20240101000000_init\.sql:\d+:\d+: schema "extensions" does not exist/);
  });

  it("reports the user's missing trigger, policies and grant — and never the platform's own changes", async () => {
    await live.query(`
      DROP TRIGGER on_auth_user_created ON auth.users;
      DROP POLICY "Users upload their own avatar" ON storage.objects;
      DROP POLICY "Users can update their own profile" ON public.profiles;
      REVOKE SELECT ON public.notes FROM anon;
      -- what a platform upgrade does
      SET ROLE supabase_auth_admin;
      ALTER TABLE auth.users ADD COLUMN email_change_confirm_status smallint DEFAULT 0;
      CREATE TABLE auth.flow_state (id uuid PRIMARY KEY, auth_code text NOT NULL);
      CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('request.jwt.claim.sub', true), '')::uuid $$;
      RESET ROLE;
    `);
    try {
      const r = await check();
      expect(r.findings.map((f) => `${f.kind} ${f.object}`).sort()).toEqual([
        'grant public.notes.anon.SELECT',
        'policy public.profiles.Users can update their own profile',
        'policy storage.objects.Users upload their own avatar',
        'trigger auth.users.on_auth_user_created',
      ]);
      const trigger = r.findings.find((f) => f.kind === 'trigger');
      expect(trigger?.location?.file).toBe('supabase/migrations/20240101000000_init.sql');
    } finally {
      await live.query(`
        CREATE TRIGGER on_auth_user_created AFTER INSERT ON auth.users FOR EACH ROW EXECUTE FUNCTION public.handle_new_user();
        CREATE POLICY "Users upload their own avatar" ON storage.objects FOR INSERT TO authenticated
          WITH CHECK (bucket_id = 'avatars' AND (storage.foldername(name))[1] = auth.uid()::text);
        CREATE POLICY "Users can update their own profile" ON public.profiles FOR UPDATE TO authenticated
          USING (auth.uid() = id) WITH CHECK (auth.uid() = id);
        GRANT SELECT ON public.notes TO anon;
      `);
    }
  });

  // starts a private server: e2e tier (the first case here keeps the embedded path in the fast one)
  e2e('takes the baseline from a file with --baseline instead of the live database', async () => {
    const baseline = path.join(project.dir, 'platform.sql');
    // As a pg_dump of the platform schemas would be: no SET ROLE (the shadow's supabase_admin is a plain role).
    const platform = fs.readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'supabase', 'platform.sql'), 'utf8');
    fs.writeFileSync(baseline, platform.replace(/^(SET|RESET) ROLE.*$/gm, ''));
    const r = await check({ profile: undefined, baselineFile: 'platform.sql', shadow: { kind: 'embedded' } });
    // Without the profile the platform's upgrade (above) is drift like any other; the migrations applied.
    expect(r.findings.map((f) => f.object)).toEqual(expect.arrayContaining(['auth.flow_state']));
    expect(r.findings.map((f) => f.object)).not.toContain('auth.users.on_auth_user_created');
  });

  it('names an extension the shadow lacks and the way out, instead of blaming the schema file', async () => {
    const extra = path.join(project.dir, 'supabase', 'migrations', '20240201000000_embeddings.sql');
    fs.writeFileSync(extra, 'create extension if not exists vector with schema extensions;\ncreate table public.docs (id bigint primary key, embedding extensions.vector(3));\n');
    try {
      const e = (await check().catch((x: unknown) => x)) as { message: string; hint?: string; exitCode?: number };
      expect(e.message).toMatch(
        /^supabase\/migrations\/20240201000000_embeddings\.sql:1:1: extension "vector" is not available in the shadow database \(temporary database pgsnap_shadow_\w+\)$/,
      );
      expect(e.hint).toMatch(/--shadow postgres:\/\//);
      expect(e.exitCode).toBe(2);
    } finally {
      fs.rmSync(extra);
    }
  });
});

describe('pgsnap drift check in a Supabase CLI project (black box)', () => {
  it('finds supabase/config.toml, reads supabase/migrations with the supabase profile, exits 0', async () => {
    const r = await cliInProcess(['drift', 'check', '--url', live.url, '--shadow', adminUrl()], { cwd: project.dir });
    expect(r.stderr).toContain('Supabase project (supabase/config.toml): --profile supabase, schema files from supabase/migrations');
    expect(r.stderr).toContain('no drift: the live database matches 1 schema file(s) in supabase/migrations');
    expect(r.code).toBe(0);
  });
});
