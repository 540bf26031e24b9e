import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introspect, introspectForCapture, introspectTables } from '../../src/catalog/introspect.js';
import type { CatalogModel } from '../../src/catalog/model.js';
import { withSession } from '../../src/db/client.js';
import { resolveTarget } from '../../src/db/connection.js';
import { createFixtureDatabase, type TestDatabase } from '../helpers/db.js';

/**
 * Restore reads its target with introspectTables and backup its source with introspectForCapture: fewer catalog
 * queries than introspect. What they return must be exactly the same parts of introspect's model, on a database
 * that has every kind they read and every kind they skip.
 */
let db: TestDatabase;
beforeAll(async () => {
  db = await createFixtureDatabase('catnarrow');
  await db.query(`
    CREATE DOMAIN public.positive AS integer CHECK (VALUE > 0);
    CREATE TYPE public.pair AS (a integer, b text);
    CREATE TYPE public.floatrange AS RANGE (SUBTYPE = float8);
    CREATE COLLATION public.bytes (locale = 'C');
    CREATE TABLE public.kinds (id integer PRIMARY KEY, n public.positive, p public.pair, r public.floatrange, t text COLLATE public.bytes);
    CREATE VIEW public.kinds_view AS SELECT id FROM public.kinds;
    CREATE RULE kinds_no_delete AS ON DELETE TO public.kinds DO INSTEAD NOTHING;
    GRANT SELECT (id) ON public.kinds TO PUBLIC;
    GRANT INSERT ON public.kinds TO PUBLIC;
    ALTER TABLE public.kinds ENABLE ROW LEVEL SECURITY;
    CREATE POLICY kinds_read ON public.kinds FOR SELECT USING (id > 0);
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO PUBLIC;
    CREATE PUBLICATION kinds_pub FOR TABLE public.kinds;
  `);
});
afterAll(async () => db?.drop());

function pick<K extends keyof CatalogModel>(model: CatalogModel, keys: readonly K[]): Pick<CatalogModel, K> {
  return Object.fromEntries(keys.map((k) => [k, model[k]])) as Pick<CatalogModel, K>;
}

describe('narrowed catalog reads', () => {
  it('introspectTables and introspectForCapture return exactly their parts of introspect', async () => {
    const { full, tables, capture } = await withSession(resolveTarget(db.url), async (s) => ({
      full: await introspect(s),
      tables: await introspectTables(s),
      capture: await introspectForCapture(s),
    }));
    // the database has what each read keeps and what it skips (else equality would say little)
    const kinds = full.tables.find((t) => t.name === 'kinds');
    expect(kinds?.policies.map((p) => p.name)).toEqual(['kinds_read']);
    expect(kinds?.rules?.map((r) => r.name)).toEqual(['kinds_no_delete']);
    expect(kinds?.columns.find((c) => c.name === 'id')?.grants).toEqual([{ grantee: 'public', privilege: 'SELECT', grantable: false }]);
    expect(full.tables.some((t) => t.grants.length > 0)).toBe(true);
    expect(full.tables.some((t) => t.triggers.length > 0)).toBe(true);
    expect(full.sequences.length).toBeGreaterThan(0);
    for (const k of ['enums', 'domains', 'compositeTypes', 'functions', 'extensions', 'views'] as const) expect(full[k].length, k).toBeGreaterThan(0);
    for (const k of ['collations', 'rangeTypes', 'defaultPrivileges', 'publications'] as const) expect(full[k]?.length, k).toBeGreaterThan(0);

    expect(tables).toEqual(pick(full, ['serverMajor', 'schemas', 'sequences', 'tables']));
    expect(capture).toEqual(pick(full, ['serverMajor', 'schemas', 'sequences', 'tables', 'extensions', 'enums', 'domains', 'compositeTypes', 'functions']));
    // nothing more: no kind that was not read comes back looking read and empty
    expect(Object.keys(tables).sort()).toEqual(['schemas', 'sequences', 'serverMajor', 'tables']);
    expect(Object.keys(capture).sort()).toEqual(['compositeTypes', 'domains', 'enums', 'extensions', 'functions', 'schemas', 'sequences', 'serverMajor', 'tables']);
  });
});
