import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTarget } from '../../src/db/index.js';
import { checkDrift } from '../../src/drift/check.js';
import type { ShadowSpec } from '../../src/drift/shadow.js';
import { adminQuery, adminUrl, createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { e2e } from '../helpers/tier.js';

/**
 * Schema files as people write them: they create their roles, and some create a subscription. The shadow must
 * apply them (no "role already exists" because live roles were mirrored), and leave nothing behind on a server
 * shadow: not the roles the files created (roles are cluster-wide), not the database (a subscription blocks DROP).
 */
const suffix = randomBytes(3).toString('hex');
const liveRole = `pgsnap_sf_live_${suffix}`;
const newRole = `pgsnap_sf_new_${suffix}`;
let live: TestDatabase;
let work: string;

const schema = `
CREATE ROLE ${liveRole} NOLOGIN;
CREATE ROLE ${newRole} NOLOGIN;
DO $$ BEGIN CREATE ROLE "${newRole}_do" NOLOGIN; END $$;
CREATE TABLE public.t (id int PRIMARY KEY);
GRANT SELECT ON public.t TO ${liveRole};
GRANT SELECT ON public.t TO ${newRole};
GRANT INSERT ON public.t TO "${newRole}_do";
CREATE SUBSCRIPTION pgsnap_sf_sub CONNECTION 'host=127.0.0.1 port=1 dbname=nowhere' PUBLICATION nothing WITH (connect = false);
`;

beforeAll(async () => {
  await adminQuery(`CREATE ROLE ${liveRole} NOLOGIN`);
  live = await createTestDatabase('drift_sf');
  await live.query(`CREATE TABLE public.t (id int PRIMARY KEY); GRANT SELECT ON public.t TO ${liveRole};`);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-sf-'));
  fs.mkdirSync(path.join(work, 'schemas'));
  fs.writeFileSync(path.join(work, 'schemas', '010_app.sql'), schema);
});

afterAll(async () => {
  await live?.drop();
  await adminQuery(`DROP ROLE IF EXISTS ${liveRole}, ${newRole}, "${newRole}_do"`);
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const check = (shadow: ShadowSpec) => checkDrift({ live: resolveTarget(live.url, {}), schemaDir: 'schemas', cwd: work, shadow });
const missingGrants = (r: Awaited<ReturnType<typeof check>>) => r.findings.map((f) => `${f.kind} ${f.object}`).sort();
const expected = [`grant public.t.${newRole}.SELECT`, `grant public.t.${newRole}_do.INSERT`];

describe('schema files that create roles and subscriptions', () => {
  it('apply on a server shadow, which drops the roles the files created and its database afterwards', async () => {
    const r = await check({ kind: 'url', url: adminUrl() });
    expect(missingGrants(r)).toEqual(expected);
    const roles = await adminQuery<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname LIKE $1 ORDER BY 1`, [`pgsnap_sf_%_${suffix}%`]);
    // the live role existed before and is not the shadow's to drop; the two the files created are gone
    expect(roles.map((x) => x.rolname)).toEqual([liveRole]);
    const name = /pgsnap_shadow_[0-9a-f]+/.exec(r.shadow)?.[0];
    expect(name).toBeDefined();
    expect(await adminQuery(`SELECT 1 FROM pg_database WHERE datname = $1`, [name])).toEqual([]);
  });

  // starts a private server: e2e tier (drift-check and tests/cli/drift keep the embedded path in the fast one)
  e2e('apply on a private embedded shadow, where the live roles are mirrored except those the files create', async () => {
    const r = await check({ kind: 'embedded' });
    expect(missingGrants(r)).toEqual(expected);
  });

  it('refuses a subscription that would connect to its publisher from the shadow, before starting one', async () => {
    fs.writeFileSync(path.join(work, 'schemas', '020_sub.sql'), `\nCREATE SUBSCRIPTION s2 CONNECTION 'host=127.0.0.1 port=1' PUBLICATION p;\n`);
    try {
      await expect(check({ kind: 'url', url: adminUrl() })).rejects.toThrow(/020_sub\.sql:2:1: CREATE SUBSCRIPTION s2 would connect to its publisher/);
    } finally {
      fs.rmSync(path.join(work, 'schemas', '020_sub.sql'));
    }
  });
});
