import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveTarget } from '../../src/db/index.js';
import { checkDrift } from '../../src/drift/check.js';
import { applyDriftPlan, planDrift } from '../../src/drift/plan-run.js';
import { type TestDatabase, adminQuery, adminUrl, createTestDatabase } from '../helpers/db.js';

/**
 * The whole-object kinds end to end, the way a user runs them: drift plan proves its statements in a shadow copy of
 * the live schema (rendered from the live model, so these kinds must survive that copy too), drift apply runs them
 * in one transaction on the live database, and the check is clean afterwards.
 */
const role = 'pgsnap_plan_objects_reader';
const base = `
CREATE TABLE public.t (id int PRIMARY KEY, deleted boolean DEFAULT false, code text);
CREATE TABLE public.log (id int);
CREATE FUNCTION public.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN NULL; END $$;
`;
const files = `${base}
CREATE COLLATION public.bytewise (provider = libc, locale = 'C');
CREATE TYPE public.span AS RANGE (SUBTYPE = float8, SUBTYPE_DIFF = float8mi);
ALTER TABLE public.t ALTER COLUMN code TYPE text COLLATE public.bytewise, ADD COLUMN during public.span;
CREATE RULE t_log AS ON INSERT TO public.t DO ALSO INSERT INTO public.log VALUES (NEW.id);
CREATE EVENT TRIGGER pgsnap_plan_objects_ddl ON ddl_command_end WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION public.on_ddl();
CREATE PUBLICATION pgsnap_plan_objects_pub FOR TABLE public.t WITH (publish = 'insert');
ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO ${role};
`;
// Live: the collation with another locale, the range without its diff function, the rest missing or different.
const live = `${base}
CREATE COLLATION public.bytewise (provider = libc, locale = 'POSIX');
CREATE TYPE public.span AS RANGE (SUBTYPE = float8);
ALTER TABLE public.t ALTER COLUMN code TYPE text COLLATE public.bytewise, ADD COLUMN during public.span;
CREATE PUBLICATION pgsnap_plan_objects_pub FOR TABLE public.log;
INSERT INTO public.t VALUES (1, false, 'b', '[1.5,2)');
`;

const databases: TestDatabase[] = [];
const dir = mkdtempSync(path.join(os.tmpdir(), 'pgsnap-plan-objects-'));
afterAll(async () => {
  for (const db of databases) await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('drift plan + apply for collations, range types, rules, event triggers, publications, default privileges', () => {
  it('repairs them, proven in the shadow first, and the live check is clean after apply', async () => {
    await adminQuery(`DO $$ BEGIN CREATE ROLE ${role} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
    writeFileSync(path.join(dir, '010_objects.sql'), files);
    const db = await createTestDatabase('plan_objects');
    databases.push(db);
    await db.query(live);
    const options = { live: resolveTarget(db.url, {}), schemaDir: dir, cwd: dir, shadow: { kind: 'url', url: adminUrl() } as const };

    const r = await planDrift(options);
    expect(r.differences.map((d) => `${d.change} ${d.kind} ${d.object}`).sort()).toEqual([
      'changed collation public.bytewise',
      'changed publication pgsnap_plan_objects_pub',
      'changed range_type public.span',
      'extra publication.table pgsnap_plan_objects_pub.public.log',
      'missing default_privilege owner.*.tables.pgsnap_plan_objects_reader.SELECT',
      'missing event_trigger pgsnap_plan_objects_ddl',
      'missing publication.table pgsnap_plan_objects_pub.public.t',
      'missing rule public.t.t_log',
    ]);
    expect(r.plan.skipped).toEqual([]);
    expect(r.proof).toMatchObject({ proven: true, remaining: [], copyDifferences: [] });

    const applied = await applyDriftPlan({ live: resolveTarget(db.url, {}), text: r.text, file: 'plan.sql', lockTimeoutMs: 2000 });
    expect(applied.statements).toBe(r.plan.statements.length);
    expect((await checkDrift(options)).differences).toEqual([]);
    // the row survived the collation and range rebuilds, and the new rule works
    expect(await db.query('SELECT id, code, during::text FROM public.t')).toEqual([{ id: 1, code: 'b', during: '[1.5,2)' }]);
    await db.query('INSERT INTO public.t (id) VALUES (2)');
    expect(await db.query('SELECT id FROM public.log')).toEqual([{ id: 2 }]);
  });
});
