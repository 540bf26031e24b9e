import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Difference, diff } from '../../src/catalog/diff.js';
import { introspect } from '../../src/catalog/introspect.js';
import type { CatalogModel } from '../../src/catalog/model.js';
import { withSession } from '../../src/db/client.js';
import { resolveTarget } from '../../src/db/connection.js';
import { createTestDatabase, repoRoot, type TestDatabase } from '../helpers/db.js';

/**
 * Fixture pairs: tests/fixtures/catalog/<case>/a.sql is the desired schema, b.sql the actual one; each is applied
 * to a fresh database, both are introspected, and diff(a, b) must report exactly expected.json (kind, change,
 * object; order-insensitive).
 */
const root = path.join(repoRoot, 'tests/fixtures/catalog');
const cases = readdirSync(root)
  .filter((d) => existsSync(path.join(root, d, 'a.sql')))
  .sort();

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

describe('catalog diff fixture pairs', () => {
  it('has a case per kind of difference, and one with none', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    expect(cases).toContain('same-sql-written-differently');
  });

  it.each(cases)('%s', async (name) => {
    const read = (f: string) => readFileSync(path.join(root, name, f), 'utf8');
    const expected = JSON.parse(read('expected.json')) as Row[];
    const [a, b] = await Promise.all([modelOf(read('a.sql')), modelOf(read('b.sql'))]);
    const found = diff(a, b);
    expect(order(found.map(({ kind, change, object }) => ({ kind, change, object })))).toEqual(order(expected));
    for (const d of found) {
      // each side's rendered definition is there exactly when that side has the object
      expect(d.desired !== undefined).toBe(d.change !== 'extra');
      expect(d.actual !== undefined).toBe(d.change !== 'missing');
      if (d.change === 'changed') expect(d.desired).not.toBe(d.actual);
    }
    // and nothing differs from itself
    expect(diff(a, a)).toEqual([]);
    expect(diff(b, b)).toEqual([]);
  });
});
