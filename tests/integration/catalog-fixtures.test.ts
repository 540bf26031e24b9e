import { afterAll, describe, expect, it } from 'vitest';
import { type Difference, diff } from '../../src/catalog/diff.js';
import { introspect } from '../../src/catalog/introspect.js';
import type { CatalogModel } from '../../src/catalog/model.js';
import { withSession } from '../../src/db/client.js';
import { resolveTarget } from '../../src/db/connection.js';
import { createTestDatabase, serverMajor, type TestDatabase } from '../helpers/db.js';
import { fixtureCases, readFixture, requiredMajor } from './catalog-fixture-cases.js';
import { type Rendered, renderDifference } from '../../src/catalog/render-difference.js';

/**
 * Fixture pairs: tests/fixtures/catalog/<case>/a.sql is the desired schema, b.sql the actual one; each is applied
 * to a fresh database, both are introspected, and diff(a, b) must report exactly expected.json (kind, change,
 * object; order-insensitive). The other direction, diff(b, a), must report the same objects with missing and extra
 * swapped, and each side compared with itself must report nothing. A case whose a.sql starts with
 * `-- requires PostgreSQL N` is skipped on older servers (the feature does not exist there).
 */
const cases = fixtureCases();

const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const db of databases) await db.drop();
});

async function modelOf(sql: string): Promise<CatalogModel> {
  const db = await createTestDatabase('catcase');
  databases.push(db);
  await db.query(sql);
  return withSession(resolveTarget(db.url), (s) => introspect(s));
}

type Row = Pick<Difference, 'kind' | 'change' | 'object'>;
const order = (rows: Row[]) => [...rows].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
const brief = (found: readonly Row[]) => order(found.map(({ kind, change, object }) => ({ kind, change, object })));
const SWAP = { missing: 'extra', extra: 'missing', changed: 'changed' } as const;

function checkSides(found: readonly Rendered<Difference>[]): void {
  for (const d of found) {
    // each side's rendered definition is there exactly when that side has the object
    expect(d.desired !== undefined).toBe(d.change !== 'extra');
    expect(d.actual !== undefined).toBe(d.change !== 'missing');
    if (d.change === 'changed') expect(d.desired).not.toBe(d.actual);
  }
}

describe('catalog diff fixture pairs', () => {
  it('has a case per kind of difference, and one with none', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    expect(cases).toContain('same-sql-written-differently');
  });

  it.for(cases)('%s', async (name, ctx) => {
    const needs = requiredMajor(name);
    if (serverMajor() < needs) ctx.skip(`needs PostgreSQL ${needs}+ (server is ${serverMajor()})`);
    const expected = JSON.parse(readFixture(name, 'expected.json')) as Row[];
    const [a, b] = await Promise.all([modelOf(readFixture(name, 'a.sql')), modelOf(readFixture(name, 'b.sql'))]);
    const found = diff(a, b).map(renderDifference);
    expect(brief(found)).toEqual(order(expected));
    checkSides(found);
    const back = diff(b, a).map(renderDifference);
    expect(brief(back)).toEqual(order(expected.map((r) => ({ ...r, change: SWAP[r.change] }))));
    checkSides(back);
    // and nothing differs from itself
    expect(diff(a, a)).toEqual([]);
    expect(diff(b, b)).toEqual([]);
  });
});
