import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTarget } from '../../src/db/index.js';
import { checkDrift } from '../../src/drift/check.js';
import { type TestDatabase, adminQuery, createTestDatabase, repoRoot } from '../helpers/db.js';

/**
 * No false positives: a realistic schema (extensions in several schemas, enum, domain, composite type,
 * partitions, identity and generated columns, deferrable and composite FKs, NOT VALID checks, procedures,
 * SECURITY DEFINER functions, disabled triggers, forced RLS, restrictive policies, a materialized view with an
 * index, grants to a role) applied to the live database exactly as the files say must give zero findings, with
 * the default embedded shadow (which must mirror the role).
 */
const schemaDir = path.join('tests', 'fixtures', 'drift', 'realistic', 'schemas');
let live: TestDatabase;

beforeAll(async () => {
  await adminQuery(`DO $$ BEGIN CREATE ROLE pgsnap_realistic_reader NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
  live = await createTestDatabase('drift_realistic');
  const dir = path.join(repoRoot, schemaDir);
  for (const f of fs.readdirSync(dir).sort()) await live.query(fs.readFileSync(path.join(dir, f), 'utf8'));
});

afterAll(async () => {
  await live?.drop();
});

describe('drift check on a realistic schema', () => {
  it('reports nothing when the live database matches the files', async () => {
    const r = await checkDrift({ live: resolveTarget(live.url, {}), schemaDir, cwd: repoRoot, shadow: { kind: 'embedded' } });
    expect(r.findings).toEqual([]);
    // The comparison saw the objects (an empty model on both sides would also "match").
    expect(r.actual.tables.map((t) => `${t.schema}.${t.name}`)).toContain('app.events_2026');
    expect(r.desired.tables.find((t) => t.name === 'members')?.policies.map((p) => p.name)).toEqual(['members_read', 'members_reader', 'members_write']);
    expect(r.desired.extensions.map((e) => e.name)).toEqual(expect.arrayContaining(['citext', 'hstore', 'ltree', 'pgcrypto']));
  });

  it('reports a change made by hand on it', async () => {
    await live.query(`ALTER TABLE app.members NO FORCE ROW LEVEL SECURITY; DROP INDEX app.events_payload`);
    const r = await checkDrift({ live: resolveTarget(live.url, {}), schemaDir, cwd: repoRoot, shadow: { kind: 'embedded' } });
    expect(r.findings.map((f) => `${f.kind} ${f.object} ${f.location?.file}:${f.location?.line}`)).toEqual([
      `index app.events_payload ${schemaDir}/020_events.sql:18`,
      `rls.forced app.members ${schemaDir}/030_security.sql:29`,
    ]);
  });
});
