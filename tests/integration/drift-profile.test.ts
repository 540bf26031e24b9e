import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTarget } from '../../src/db/index.js';
import { checkDrift } from '../../src/drift/check.js';
import { type TestDatabase, adminQuery, adminUrl, createFixtureDatabase, repoRoot } from '../helpers/db.js';

/**
 * --profile supabase on a database laid out like Supabase: the platform's objects are owned by its service roles
 * (supabase_auth_admin, supabase_storage_admin), the user's by the connecting role. The profile must ignore what
 * the platform changes (columns it adds to auth.users, its own auth.uid(), its tables in auth and storage) and
 * still report the user's own objects in those schemas (the sign-up trigger on auth.users, a user table in auth).
 */
let live: TestDatabase;
let work: string;

beforeAll(async () => {
  for (const role of ['supabase_auth_admin', 'supabase_storage_admin']) {
    await adminQuery(`DO $$ BEGIN CREATE ROLE ${role} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
  }
  live = await createFixtureDatabase('drift_profile');
  await live.query(`
    ALTER TABLE auth.users OWNER TO supabase_auth_admin;
    ALTER FUNCTION auth.uid() OWNER TO supabase_auth_admin;
    -- what a platform upgrade does
    ALTER TABLE auth.users ADD COLUMN phone text;
    CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE
      AS $$ SELECT coalesce(current_setting('request.jwt.claim.sub', true), (current_setting('request.jwt.claims', true)::jsonb ->> 'sub'))::uuid $$;
    CREATE TABLE auth.sessions (id uuid PRIMARY KEY, user_id uuid NOT NULL);
    ALTER TABLE auth.sessions OWNER TO supabase_auth_admin;
    CREATE SCHEMA storage;
    CREATE TABLE storage.objects (id uuid PRIMARY KEY, name text);
    ALTER TABLE storage.objects OWNER TO supabase_storage_admin;
    -- the user's own drift
    DROP TRIGGER on_auth_user_created ON auth.users;
  `);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-profile-'));
  fs.cpSync(path.join(repoRoot, 'schemas'), path.join(work, 'schemas'), { recursive: true });
  fs.writeFileSync(path.join(work, 'schemas', '050_auth_settings.sql'), 'CREATE TABLE auth.user_settings (user_id uuid PRIMARY KEY REFERENCES auth.users (id), theme text);\n');
});

afterAll(async () => {
  await live?.drop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('--profile supabase', () => {
  const check = (profile?: string) =>
    checkDrift({
      live: resolveTarget(live.url, {}),
      schemaDir: 'schemas',
      cwd: work,
      shadow: { kind: 'url', url: adminUrl() },
      ...(profile ? { profile } : {}),
    });

  it("ignores the platform's objects and still reports the user's objects in platform schemas", async () => {
    const r = await check('supabase');
    expect(r.findings.map((f) => `${f.kind} ${f.object}`).sort()).toEqual(['table auth.user_settings', 'trigger auth.users.on_auth_user_created']);
    expect(r.findings.find((f) => f.object === 'auth.user_settings')?.location).toMatchObject({ file: 'schemas/050_auth_settings.sql', line: 1 });
    // auth.users.phone and auth.uid()'s body: the schema files' stubs of platform objects differ from the live ones.
    // (auth.sessions and storage.objects come into the shadow with the platform baseline, so they do not differ.)
    expect(r.ignored).toBeGreaterThanOrEqual(2);
  });

  it('without the profile, the platform changes are drift too', async () => {
    const objects = (await check()).findings.map((f) => f.object);
    expect(objects).toEqual(expect.arrayContaining(['auth.users.phone', 'auth.uid()', 'auth.sessions', 'storage', 'storage.objects', 'auth.users.on_auth_user_created']));
  });

  it('config ignore rules drop kinds, schemas and objects', async () => {
    const r = await checkDrift({
      live: resolveTarget(live.url, {}),
      schemaDir: 'schemas',
      cwd: work,
      shadow: { kind: 'url', url: adminUrl() },
      ignore: { schemas: ['storage'], objects: ['auth.sessions', 'auth.users.phone'], kinds: ['function', 'trigger'] },
    });
    expect(r.findings.map((f) => f.object)).toEqual(['auth.user_settings']);
  });
});
