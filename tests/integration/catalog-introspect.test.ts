import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introspect, tableKey } from '../../src/catalog/introspect.js';
import type { CatalogModel, TableDef } from '../../src/catalog/model.js';
import { withSession } from '../../src/db/client.js';
import { resolveTarget } from '../../src/db/connection.js';
import { createFixtureDatabase, serverMajor, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
let model: CatalogModel;
beforeAll(async () => {
  db = await createFixtureDatabase('catintro');
  model = await withSession(resolveTarget(db.url), (s) => introspect(s));
});
afterAll(async () => db?.drop());

const table = (name: string): TableDef => {
  const t = model.tables.find((x) => `${x.schema}.${x.name}` === name);
  if (!t) throw new Error(`no table ${name}`);
  return t;
};

describe('introspect on the fixture application', () => {
  it('does not read a range type\'s constructor functions as functions of their own', async () => {
    const other = await createFixtureDatabase('catrange');
    try {
      await other.query(`CREATE TYPE public.floatrange AS RANGE (SUBTYPE = float8)`);
      const m = await withSession(resolveTarget(other.url), (s) => introspect(s));
      expect(m.rangeTypes?.map((r) => r.name)).toEqual(['floatrange']);
      expect(m.functions.map((f) => f.name)).toEqual(model.functions.map((f) => f.name));
    } finally {
      await other.drop();
    }
  });

  it('reads schemas, the extension and the enum, and no system schema', () => {
    expect(model.serverMajor).toBe(serverMajor());
    expect(model.schemas.map((s) => s.name)).toEqual(['auth', 'public']);
    expect(model.extensions.map((e) => [e.name, e.schema])).toEqual([['citext', 'public']]);
    expect(model.enums).toEqual([
      {
        schema: 'public',
        name: 'project_status',
        labels: ['draft', 'active', 'paused', 'archived'],
        comment: null,
        // PUBLIC's built-in USAGE, read so that revoking it would be a difference
        grants: [{ grantee: 'public', privilege: 'USAGE', grantable: false }],
      },
    ]);
    expect(model.tables.map((t) => `${t.schema}.${t.name}`)).toEqual([
      'auth.users',
      'public.error_logs',
      'public.profiles',
      'public.projects',
      'public.test_sessions',
    ]);
  });

  it('reads columns with qualified types, identity, generated expressions and defaults', () => {
    const projects = table('public.projects');
    const byName = Object.fromEntries(projects.columns.map((c) => [c.name, c]));
    expect(projects.columns.map((c) => c.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(byName.id).toMatchObject({ type: 'bigint', typeName: 'pg_catalog.int8', identity: 'always', default: null });
    expect(byName.status).toMatchObject({
      type: 'public.project_status',
      typeCategory: 'E',
      notNull: true,
      default: "'draft'::public.project_status",
    });
    expect(byName.slug?.generated).toContain('regexp_replace');
    expect(byName.slug?.default).toBeNull();
    const tags = table('public.test_sessions').columns.find((c) => c.name === 'tags');
    expect(tags).toMatchObject({ type: 'text[]', typeName: 'pg_catalog.text', isArray: true, typeCategory: 'A' });
    const email = table('auth.users').columns.find((c) => c.name === 'email');
    expect(email).toMatchObject({ type: 'public.citext', typeName: 'public.citext' });
  });

  it('reads constraints with foreign key actions, and skips internal RI triggers', () => {
    const sessions = table('public.test_sessions');
    const retry = sessions.constraints.find((c) => c.kind === 'foreign' && c.columns[0] === 'retry_of');
    expect(retry?.references).toEqual({
      schema: 'public',
      table: 'test_sessions',
      columns: ['id'],
      onUpdate: 'no action',
      onDelete: 'set null',
      match: 'simple',
    });
    expect(sessions.constraints.find((c) => c.kind === 'check')?.definition).toContain("'queued'::text");
    expect(sessions.triggers).toEqual([]);
    expect(table('public.projects').triggers.map((t) => [t.name, t.timing, t.events, t.level, t.function, t.enabled])).toEqual([
      ['projects_set_updated_at', 'before', ['insert', 'update'], 'row', 'public.set_updated_at', 'O'],
    ]);
  });

  it('reads indexes, RLS, policies, views, functions and comments', () => {
    const projects = table('public.projects');
    const partial = projects.indexes.find((i) => i.name === 'idx_projects_status');
    expect(partial).toMatchObject({ unique: false, method: 'btree', constraint: false });
    expect(partial?.predicate).toContain("'archived'::public.project_status");
    expect(projects.indexes.find((i) => i.name === 'projects_pkey')?.constraint).toBe(true);
    expect(projects.rowSecurity).toBe(true);
    expect(projects.policies).toEqual([
      {
        name: 'projects_owner_all',
        command: 'all',
        permissive: true,
        roles: ['public'],
        using: '(owner_id = auth.uid())',
        withCheck: '(owner_id = auth.uid())',
      },
    ]);
    expect(model.views.map((v) => [v.name, v.materialized])).toEqual([['project_summaries', false]]);
    expect(model.views[0]?.definition).toContain('public.projects p');
    const fn = model.functions.find((f) => f.name === 'handle_new_user');
    expect(fn).toMatchObject({ schema: 'public', identityArgs: '', kind: 'function', returns: 'trigger', language: 'plpgsql', securityDefiner: true });
    expect(fn?.definition).toMatch(/^CREATE OR REPLACE FUNCTION public\.handle_new_user\(\)/);
    expect(model.functions.find((f) => f.name === 'citext')).toBeUndefined();
    expect(table('public.error_logs').comment).toBe('Application errors, appended by the API');
  });

  it('finds each table key: primary key, or none for the log table', () => {
    expect(tableKey(table('public.projects'))).toEqual({ kind: 'primary', name: 'projects_pkey', columns: ['id'] });
    expect(tableKey(table('public.error_logs'))).toBeNull();
  });

  it('honours the schema filter and restores the search_path', async () => {
    await withSession(resolveTarget(db.url), async (s) => {
      const only = await introspect(s, { include: ['au*'] });
      expect(only.tables.map((t) => t.name)).toEqual(['users']);
      const without = await introspect(s, { exclude: ['auth'] });
      expect(without.schemas.map((x) => x.name)).toEqual(['public']);
      const r = await s.query<{ p: string }>(`SELECT current_setting('search_path') AS p`);
      expect(r.rows[0]?.p).toBe('"$user", public');
    });
  });

  it('reads inside the caller\'s read-only snapshot transaction, as backup does', async () => {
    await withSession(resolveTarget(db.url), async (s) => {
      await s.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const inside = await introspect(s);
      await s.query('COMMIT');
      expect(inside).toEqual(model);
    });
  });
});
