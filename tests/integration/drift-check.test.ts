import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTarget } from '../../src/db/index.js';
import { checkDrift } from '../../src/drift/check.js';
import { type TestDatabase, adminUrl, createFixtureDatabase, repoRoot } from '../helpers/db.js';

let live: TestDatabase;

beforeAll(async () => {
  live = await createFixtureDatabase('drift_sync');
});

afterAll(async () => {
  await live?.drop();
});

describe('drift check on the fixture app', () => {
  it('finds nothing when the live database was built from the schema files (embedded shadow)', async () => {
    const r = await checkDrift({ live: resolveTarget(live.url, {}), schemaDir: 'schemas', cwd: repoRoot, shadow: { kind: 'embedded' } });
    expect(r.findings).toEqual([]);
    expect(r.schemaFiles).toHaveLength(5);
    expect(r.shadow).toMatch(/^embedded PostgreSQL \d+$/);
  });

  it('finds nothing with a temporary shadow database on a server URL', async () => {
    const r = await checkDrift({ live: resolveTarget(live.url, {}), schemaDir: 'schemas', cwd: repoRoot, shadow: { kind: 'url', url: adminUrl() } });
    expect(r.findings).toEqual([]);
    expect(r.shadow).toMatch(/^temporary database pgsnap_shadow_/);
  });
});
