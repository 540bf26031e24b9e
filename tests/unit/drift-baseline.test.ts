import { parse } from 'libpg-query';
import { describe, expect, it } from 'vitest';
import { fileObjects, leaveOutFileObjects, platformPart, renderBaseline } from '../../src/drift/baseline.js';
import { missingExtensionError, requireExtensions } from '../../src/drift/shadow.js';
import type { PgsnapError } from '../../src/errors.js';
import { fk, model, table } from '../fixtures/catalog/builders.js';

/** The platform baseline's pure parts: what of the live model is the platform's, and what the files create. */
const trigger = (name: string, fn: string) =>
  ({ name, timing: 'after', events: ['insert'], level: 'row', function: fn, definition: `CREATE TRIGGER ${name} …`, enabled: 'O' }) as const;
const policy = { name: 'own', command: 'all', permissive: true, roles: ['authenticated'], using: 'true', withCheck: null } as const;

const live = model({
  schemas: [
    { name: 'auth', owner: 'supabase_admin', comment: null },
    { name: 'extensions', owner: 'supabase_admin', comment: null },
    { name: 'public', owner: 'pg_database_owner', comment: null },
  ],
  extensions: [
    { name: 'pgcrypto', schema: 'extensions', version: '1.3' },
    { name: 'pg_graphql', schema: 'graphql', version: '1.5' },
    { name: 'citext', schema: 'extensions', version: '1.6' },
  ],
  tables: [
    table('auth.users', {
      triggers: [trigger('on_auth_user_created', 'public.handle_new_user'), trigger('audit', 'auth.audit')],
      policies: [policy],
    }),
    table('auth.user_settings', { constraints: [fk('user_settings_user_fkey', ['id'], 'auth.users')] }),
    table('auth.sessions', { constraints: [fk('sessions_user_fkey', ['id'], 'auth.users')] }),
    table('public.profiles', { constraints: [fk('profiles_id_fkey', ['id'], 'auth.users')] }),
  ],
});
const facts = { owned: new Set(['auth.users', 'auth.sessions', 'auth.audit']), extensions: new Set(['pgcrypto', 'pg_graphql', 'citext']) };

describe('platformPart', () => {
  it("keeps the platform-owned objects and leaves out the user's, including their triggers and policies on platform tables", () => {
    const part = platformPart(live, facts);
    expect(part.tables.map((t) => `${t.schema}.${t.name}`)).toEqual(['auth.users', 'auth.sessions']);
    const users = part.tables.find((t) => t.name === 'users');
    expect(users?.triggers.map((t) => t.name)).toEqual(['audit']);
    expect(users?.policies).toEqual([]);
    expect(part.schemas.map((s) => s.name)).toEqual(['auth', 'extensions']);
  });
});

describe('fileObjects and leaveOutFileObjects', () => {
  it('leaves out of the baseline what the schema files create, and everything in a schema they create outright', async () => {
    const sql = `create extension if not exists citext with schema extensions;
      create table auth.sessions (id int);
      create schema billing;
      create function auth.audit() returns trigger language plpgsql as $$ begin return new; end $$;`;
    const asts = ((await parse(sql)) as { stmts: { stmt: Record<string, unknown> }[] }).stmts.map((s) => s.stmt);
    const files = fileObjects(asts);
    expect([...files.objects].sort()).toEqual(['auth.audit', 'auth.sessions']);
    expect([...files.schemas]).toEqual(['billing']);
    const b = leaveOutFileObjects({ model: platformPart(live, facts), publications: [], defaultGrants: [] }, files);
    expect(b.model.tables.map((t) => t.name)).toEqual(['users']);
    expect(b.model.extensions.map((e) => e.name)).toEqual(['pgcrypto', 'pg_graphql']);
  });
});

describe('renderBaseline', () => {
  it('leaves out extensions the shadow cannot install and names them; publications hold only platform tables', () => {
    const baseline = {
      model: platformPart(live, facts),
      publications: [{ name: 'supabase_realtime', allTables: false, publish: ['insert', 'update'], tables: [] }],
      defaultGrants: [
        { schema: 'public', objects: 'TABLES', grantee: 'anon', privilege: 'SELECT', grantable: false },
        { schema: 'billing', objects: 'TABLES', grantee: 'anon', privilege: 'SELECT', grantable: false },
      ] as const,
    };
    const r = renderBaseline(baseline, new Set(['pgcrypto', 'citext']));
    expect(r.skippedExtensions).toEqual(['pg_graphql']);
    // where the shadow has it, an extension with a schema of its own is installed where it says
    expect(renderBaseline(baseline, new Set(['pgcrypto', 'pg_graphql'])).sql).toMatch(/^CREATE EXTENSION IF NOT EXISTS "pg_graphql";$/m);
    expect(r.sql).toContain('CREATE EXTENSION IF NOT EXISTS "pgcrypto" WITH SCHEMA "extensions";');
    expect(r.sql).not.toContain('pg_graphql');
    expect(r.sql).toContain(`CREATE PUBLICATION "supabase_realtime" WITH (publish = 'insert, update');`);
    // billing does not exist before the migrations run, so its defaults cannot be set yet
    expect(r.sql).toContain('ALTER DEFAULT PRIVILEGES IN SCHEMA "public" GRANT SELECT ON TABLES TO "anon";');
    expect(r.sql).not.toContain('billing');
  });
});

describe('extensions the shadow lacks', () => {
  it('names the extension, where it is created and the way out', async () => {
    const asts = ((await parse('create table t (id int);\ncreate extension vector;')) as { stmts: { stmt: Record<string, unknown> }[] }).stmts;
    const statements = asts.map((a, i) => ({ file: 'supabase/migrations/1_x.sql', line: i + 1, column: 1, sql: '', ast: a.stmt }));
    const e = (() => {
      try {
        requireExtensions(statements, new Set(['citext']), 'embedded PostgreSQL 17');
      } catch (x) {
        return x as PgsnapError;
      }
    })();
    expect(e?.message).toBe('supabase/migrations/1_x.sql:2:1: extension "vector" is not available in the shadow database (embedded PostgreSQL 17)');
    expect(e?.hint).toMatch(/^run the check with a shadow server that has it: --shadow postgres:\/\//);
    expect(() => requireExtensions(statements, new Set(['vector']), 'x')).not.toThrow();
    expect(missingExtensionError(['pg_graphql', 'vector'], 'embedded PostgreSQL 15', { live: true }).message).toBe(
      'extensions "pg_graphql", "vector", which the live database has, are not available in the shadow database (embedded PostgreSQL 15)',
    );
  });
});
