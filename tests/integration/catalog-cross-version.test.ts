import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diff } from '../../src/catalog/diff.js';
import { introspect } from '../../src/catalog/introspect.js';
import type { CatalogModel } from '../../src/catalog/model.js';
import { withSession } from '../../src/db/client.js';
import { resolveTarget } from '../../src/db/connection.js';
import { type EmbeddedServer, startEmbedded } from '../../src/db/embedded.js';
import { createTestDatabase, fixtureSchemaSql, repoRoot, serverMajor, type TestDatabase } from '../helpers/db.js';

/**
 * Drift's default: the schema files go into an embedded PostgreSQL whose major need not be the live server's.
 * The same SQL on two majors must diff to nothing.
 */
const otherMajor = serverMajor() === 17 ? 14 : 17;
let other: EmbeddedServer;
const databases: TestDatabase[] = [];
beforeAll(async () => {
  other = await startEmbedded({ major: otherMajor });
});
afterAll(async () => {
  for (const db of databases) await db.drop();
  await other?.stop();
});

async function both(sql: string): Promise<[CatalogModel, CatalogModel]> {
  const db = await createTestDatabase('catxv');
  databases.push(db);
  await db.query(sql);
  const here = await withSession(resolveTarget(db.url), (s) => introspect(s));
  const url = await other.createDatabase(db.name);
  await withSession(resolveTarget(url), (s) => s.query(sql));
  const there = await withSession(resolveTarget(url), (s) => introspect(s));
  return [here, there];
}

describe(`the same schema on PostgreSQL ${serverMajor()} and ${otherMajor}`, () => {
  it('diffs the fixture application to nothing', async () => {
    const [here, there] = await both(fixtureSchemaSql());
    expect(there.serverMajor).toBe(otherMajor);
    expect(diff(here, there)).toEqual([]);
  });

  it('diffs the all-kinds schema to nothing', async () => {
    const [here, there] = await both(readFileSync(path.join(repoRoot, 'tests/fixtures/catalog/all-kinds.sql'), 'utf8'));
    const found = diff(here, there);
    if (found.length) console.log(JSON.stringify(found, null, 1));
    expect(found.map((d) => `${d.change} ${d.kind} ${d.object}`)).toEqual([]);
  });
});
