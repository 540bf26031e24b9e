import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { introspect } from '../../src/catalog/introspect.js';
import type { CatalogModel } from '../../src/catalog/model.js';
import { renderModel } from '../../src/catalog/render.js';
import { withSession } from '../../src/db/client.js';
import { resolveTarget } from '../../src/db/connection.js';
import { createTestDatabase, fixtureSchemaSql, repoRoot, type TestDatabase } from '../helpers/db.js';

const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const db of databases) await db.drop();
});

async function build(sql: string, prefix: string): Promise<{ db: TestDatabase; model: CatalogModel }> {
  const db = await createTestDatabase(prefix);
  databases.push(db);
  await db.query(sql);
  const model = await withSession(resolveTarget(db.url), (s) => introspect(s));
  return { db, model };
}

/** introspect → renderModel → apply to an empty database → introspect: the two models must be equal. */
async function roundTrip(sql: string, prefix: string): Promise<{ first: CatalogModel; second: CatalogModel; ddl: string }> {
  const { model: first } = await build(sql, `${prefix}_a`);
  const ddl = renderModel(first);
  const { model: second } = await build(ddl, `${prefix}_b`);
  return { first, second, ddl };
}

describe('render round trip', () => {
  it('rebuilds the fixture application exactly', async () => {
    const { first, second } = await roundTrip(fixtureSchemaSql(), 'rt_app');
    expect(first.tables.length).toBe(5);
    expect(second).toEqual(first);
  });

  it('rebuilds a schema that uses every object kind exactly', async () => {
    const sql = readFileSync(path.join(repoRoot, 'tests/fixtures/catalog/all-kinds.sql'), 'utf8');
    const { first, second, ddl } = await roundTrip(sql, 'rt_all');
    // The fixture really exercises what it claims to.
    const tables = new Map(first.tables.map((t) => [`${t.schema}.${t.name}`, t]));
    expect(first.extensions.map((e) => e.name)).toEqual(['btree_gist', 'citext', 'hstore', 'ltree']);
    expect(tables.get('billing.events')?.kind).toBe('partitioned');
    expect(tables.get('billing.events_2025')?.partitionKey).toBe('LIST (kind)');
    expect(tables.get('billing.events_2025_api')?.partitionBound).toBe("FOR VALUES IN ('api', 'webhook')");
    expect(tables.get('billing.cache')?.unlogged).toBe(true);
    expect(tables.get('billing.invoices')?.forceRowSecurity).toBe(true);
    expect(tables.get('billing.invoices')?.triggers.find((t) => t.name === 'invoices_audit')?.enabled).toBe('D');
    expect(tables.get('billing.invoices')?.constraints.find((c) => c.name === 'invoices_net_sane')?.notValid).toBe(true);
    expect(tables.get('billing.invoices')?.constraints.find((c) => c.kind === 'exclusion')).toBeDefined();
    expect(tables.get('billing.invoices')?.grants.length).toBe(4);
    expect(first.views.find((v) => v.name === 'revenue_by_customer')?.indexes.length).toBe(1);
    expect(first.functions.find((f) => f.name === 'void_invoice')?.kind).toBe('procedure');
    expect(first.functions.find((f) => f.name === 'invoice_total')?.sqlStandardBody).toBe(true);
    expect(first.domains.find((d) => d.name === 'positive_money')?.checks.length).toBe(1);
    expect(first.compositeTypes.map((c) => c.name)).toEqual(['address']);
    expect(ddl).toContain('"Mixed Case"."Order Lines"');
    expect(second).toEqual(first);
  });
});
