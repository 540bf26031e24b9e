import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diff } from '../../src/catalog/diff.js';
import { introspect } from '../../src/catalog/introspect.js';
import type { CatalogModel } from '../../src/catalog/model.js';
import { renderForTables, renderTable } from '../../src/catalog/render.js';
import { type Session, withSession } from '../../src/db/client.js';
import { resolveTarget } from '../../src/db/connection.js';
import { createTestDatabase, repoRoot, type TestDatabase } from '../helpers/db.js';

const allKinds = readFileSync(path.join(repoRoot, 'tests/fixtures/catalog/all-kinds.sql'), 'utf8');
let db: TestDatabase;
let before: CatalogModel;
beforeAll(async () => {
  db = await createTestDatabase('catrender');
  await db.query(allKinds);
  before = await withSession(resolveTarget(db.url), (s) => introspect(s));
});
afterAll(async () => db?.drop());

const inSession = <T>(fn: (s: Session) => Promise<T>) => withSession(resolveTarget(db.url), fn);

describe('renderForTables on the all-kinds schema', () => {
  it('recreates dropped tables (a partition tree and a table with domains, identity, policies) next to what exists', async () => {
    const names = ['billing.events', 'billing.events_2025', 'billing.events_2025_api', 'billing.events_2025_other', 'billing.events_default', 'billing.invoices'];
    const ddl = renderForTables(before, names);
    await inSession(async (s) => {
      await s.query('DROP TABLE billing.events, billing.invoices CASCADE');
      await s.query(ddl);
      const after = await introspect(s);
      for (const name of names) {
        expect(after.tables.find((t) => `${t.schema}.${t.name}` === name)).toEqual(before.tables.find((t) => `${t.schema}.${t.name}` === name));
      }
      // What CASCADE took with it (views, the foreign key from "Order Lines") is all that differs now.
      expect(
        diff(before, after)
          .map((d) => `${d.change} ${d.kind} ${d.object}`)
          .sort(),
      ).toEqual([
        'missing foreign_key Mixed Case.Order Lines.Order Lines_Invoice_fkey',
        'missing function billing.invoice_total(cid bigint)',
        'missing materialized_view billing.revenue_by_customer',
        'missing view billing.open_invoice_count',
        'missing view billing.open_invoices',
      ]);
    });
  });

  it('renders one table with everything attached to it, ready for a schema file', () => {
    const invoices = before.tables.find((t) => t.name === 'invoices');
    if (!invoices) throw new Error('fixture lost billing.invoices');
    const sql = renderTable(invoices, before);
    expect(sql).toMatch(/^CREATE TABLE "billing"\."invoices" \(\n {2}"id" integer DEFAULT nextval\('billing\.invoices_id_seq'::regclass\) NOT NULL,/);
    expect(sql).toContain('ADD CONSTRAINT "invoices_net_sane" CHECK (((net)::numeric < (1000000)::numeric)) NOT VALID;');
    expect(sql).toContain('ALTER TABLE "billing"."invoices" DISABLE TRIGGER "invoices_audit";');
    expect(sql).toContain('ALTER TABLE "billing"."invoices" FORCE ROW LEVEL SECURITY;');
    expect(sql).toContain('CREATE POLICY "invoices_no_void" ON "billing"."invoices" AS RESTRICTIVE FOR UPDATE TO "pgsnap_catalog_writer"');
    expect(sql).toContain('GRANT UPDATE ON TABLE "billing"."invoices" TO "pgsnap_catalog_writer" WITH GRANT OPTION;');
  });
});
