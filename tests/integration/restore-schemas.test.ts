import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rewriteZip } from '../helpers/archives.js';
import { adminQuery, adminUrl, createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { asRole, backupTo, copyOf, countsOf, pgsnap, restore, tableTexts, tempDir } from './restore-helpers.js';

/**
 * Schema features real applications have (issue 14): DEFERRABLE keys, unique keys added since the backup, rows
 * clashing on another unique key, foreign keys declared on partitions, names with dots, quotes and spaces, a
 * forged manifest, and sequences that must stay put on a dry run or a failure. Restored by a non-superuser owner
 * (foreign keys and constraints checked as the application sees them) and by a superuser (session_replication_role).
 */
const SCHEMA = `
CREATE SCHEMA app;
CREATE TABLE app.deferred_pk (id int PRIMARY KEY DEFERRABLE INITIALLY DEFERRED, v text);
CREATE TABLE app.deferred_uq (id serial PRIMARY KEY, code text NOT NULL, CONSTRAINT deferred_uq_code UNIQUE (code) DEFERRABLE);
CREATE TABLE app.users (id int PRIMARY KEY, email text NOT NULL UNIQUE, name text);
CREATE TABLE app.tags (id int PRIMARY KEY, label text);
-- the referenced table sorts after the partitioned one: only the partition's foreign key orders them
CREATE TABLE app.z_accounts (id int PRIMARY KEY);
CREATE TABLE app.events (id int, at date, account_id int, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE app.events_2024 PARTITION OF app.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
ALTER TABLE app.events_2024 ADD CONSTRAINT events_2024_account FOREIGN KEY (account_id) REFERENCES app.z_accounts;
CREATE TABLE app.parents (id int PRIMARY KEY);
CREATE TABLE app.children (id serial PRIMARY KEY, parent_id int REFERENCES app.parents DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE app.ident (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text);
CREATE SCHEMA "my.schema";
CREATE TABLE "my.schema"."parent.tbl" (id int PRIMARY KEY);
CREATE TABLE "my.schema"."odd ""t"" x.y" (id serial PRIMARY KEY, parent int REFERENCES "my.schema"."parent.tbl", "a col" text);
INSERT INTO app.deferred_pk VALUES (1, 'a'), (2, 'b'), (3, 'c');
INSERT INTO app.deferred_uq (code) VALUES ('x'), ('y'), ('z');
INSERT INTO app.users VALUES (1, 'a@example.com', 'Ann'), (2, 'b@example.com', 'Bob');
INSERT INTO app.tags VALUES (1, 'red'), (2, 'red'), (3, 'blue');
INSERT INTO app.z_accounts VALUES (1), (2);
INSERT INTO app.events VALUES (1, '2024-03-01', 1), (2, '2024-04-01', 2);
INSERT INTO app.parents VALUES (1), (2);
INSERT INTO app.children (parent_id) SELECT 1 + i % 2 FROM generate_series(1, 10) i;
INSERT INTO app.ident (v) VALUES ('x'), ('y'), ('z');
INSERT INTO "my.schema"."parent.tbl" VALUES (1), (2);
INSERT INTO "my.schema"."odd ""t"" x.y" (parent, "a col") VALUES (1, 'one'), (2, 'two');
`;
const ODD = `"my.schema"."odd ""t"" x.y"`;

const suffix = randomBytes(3).toString('hex');
const owner = `rsch_owner_${suffix}`;
const password = randomBytes(8).toString('hex');
const dbs: TestDatabase[] = [];
let source: TestDatabase;
let archive: string;

const as = (role: string, db: TestDatabase) => asRole(role, password, db);
const copyOfSource = (prefix: string) => copyOf(source, owner, prefix, dbs);

async function sequence(db: TestDatabase, name: string): Promise<{ last_value: string; is_called: boolean }> {
  const [row] = await db.query<{ last_value: string; is_called: boolean }>(`SELECT last_value, is_called FROM ${name}`);
  return row as { last_value: string; is_called: boolean };
}

beforeAll(async () => {
  await adminQuery(`CREATE ROLE ${owner} LOGIN PASSWORD '${password}'`);
  source = await createTestDatabase('rs_schemas_src');
  dbs.push(source);
  await adminQuery(`ALTER DATABASE "${source.name}" OWNER TO ${owner}`);
  await as(owner, source).query(SCHEMA);
  archive = await backupTo(source, tempDir('restore-schemas'), ['app', 'my.schema']);
});
afterAll(async () => {
  for (const db of dbs) await db.drop();
  await adminQuery(`DROP ROLE IF EXISTS ${owner}`, [], adminUrl());
});

describe('restore on the schemas real applications have', () => {
  it('merges into tables whose primary key or unique constraint is DEFERRABLE', async () => {
    const db = await copyOfSource('rs_sch_deferrable');
    await db.query(`DELETE FROM app.deferred_pk WHERE id = 2; DELETE FROM app.deferred_uq WHERE code = 'y'; DELETE FROM app.tags WHERE id = 3`);
    for (const who of [as(owner, db), db]) {
      const r = await restore(who, archive, { tables: ['app.deferred_pk', 'app.deferred_uq', 'app.tags'] });
      expect(r.code, r.error?.message).toBe(0);
      if (who !== db) {
        expect(countsOf(r)['app.deferred_pk']).toEqual({ inserted: 1, present: 2, conflicting: 0, updated: 0 });
        expect(countsOf(r)['app.deferred_uq']).toEqual({ inserted: 1, present: 2, conflicting: 0, updated: 0 });
        expect(countsOf(r)['app.tags']?.inserted).toBe(1);
      } else {
        for (const t of r.report?.tables ?? []) expect([t.table, t.inserted]).toEqual([t.table, 0]);
      }
    }
    expect(await tableTexts(db, ['app.deferred_pk', 'app.deferred_uq'])).toEqual(await tableTexts(source, ['app.deferred_pk', 'app.deferred_uq']));
  });

  it('skips and reports a row that clashes on a DEFERRABLE unique key with a row added since', async () => {
    const db = await copyOfSource('rs_sch_deferrable_clash');
    await db.query(`DELETE FROM app.deferred_uq WHERE code = 'y'; INSERT INTO app.deferred_uq (id, code) VALUES (50, 'y')`);
    const r = await restore(as(owner, db), archive, { tables: ['app.deferred_uq'] });
    expect(r.code, r.error?.message).toBe(0);
    expect(countsOf(r)['app.deferred_uq']).toEqual({ inserted: 0, present: 2, conflicting: 1, updated: 0 });
    expect(JSON.stringify(r.report?.tables[0]?.conflicts)).toBe(JSON.stringify([{ key: '(id)=(2)', clashesWith: ['deferred_uq_code (code)=(y)'] }]));
  });

  it('restores into an emptied table that gained a UNIQUE constraint: skips and reports the clash instead of failing', async () => {
    const db = await copyOfSource('rs_sch_new_unique');
    await db.query(`DELETE FROM app.tags; ALTER TABLE app.tags ADD CONSTRAINT tags_label_key UNIQUE (label)`);
    const r = await restore(as(owner, db), archive, { tables: ['app.tags'] });
    expect(r.code, r.error?.message).toBe(0);
    expect(countsOf(r)['app.tags']).toEqual({ inserted: 2, present: 0, conflicting: 1, updated: 0 });
    expect(r.report?.tables[0]?.conflicts?.[0]?.key).toBe('(id)=(2)');
    expect(await db.query(`SELECT id, label FROM app.tags ORDER BY id`)).toEqual([
      { id: 1, label: 'red' },
      { id: 3, label: 'blue' },
    ]);
  });

  it('reports a missing row clashing with an existing row on another unique key as a conflict, with its key values', async () => {
    const db = await copyOfSource('rs_sch_clash');
    await db.query(`DELETE FROM app.users WHERE id = 2; INSERT INTO app.users VALUES (3, 'b@example.com', 'Bobby')`);
    for (const onConflict of ['nothing', 'update'] as const) {
      const r = await restore(as(owner, db), archive, { tables: ['app.users'], onConflict });
      expect(r.code, r.error?.message).toBe(0);
      expect(countsOf(r)['app.users']).toEqual({ inserted: 0, present: 1, conflicting: 1, updated: 0 });
      expect(JSON.stringify(r.report?.tables[0]?.conflicts)).toBe(JSON.stringify([{ key: '(id)=(2)', clashesWith: ['users_email_key (email)=(b@example.com)'] }]));
    }
  });

  it('orders loads by a foreign key declared on a partition, not on its parent', async () => {
    const db = await copyOfSource('rs_sch_part_order');
    await db.query(`DELETE FROM app.events; DELETE FROM app.z_accounts`);
    const r = await restore(as(owner, db), archive, { tables: ['app.events', 'app.z_accounts'] });
    expect(r.code, r.error?.message).toBe(0);
    expect(await tableTexts(db, ['app.events', 'app.z_accounts'])).toEqual(await tableTexts(source, ['app.events', 'app.z_accounts']));
  });

  it('[bad-input] finds rows that would dangle through a partition foreign key when FK triggers are off (superuser)', async () => {
    const db = await copyOfSource('rs_sch_part_orphan');
    await db.query(`DELETE FROM app.events; DELETE FROM app.z_accounts WHERE id = 2`);
    const r = await restore(db, archive, { tables: ['app.events'] });
    expect(r.code).toBe(2);
    expect(r.error?.message).toContain('partition app.events_2024');
    expect(r.error?.message).toContain('events_2024_account');
    expect(await db.query(`SELECT count(*)::int AS n FROM app.events`)).toEqual([{ n: 0 }]);
  });

  it('restores schemas and tables whose names hold dots, quotes and spaces', async () => {
    const db = await copyOfSource('rs_sch_names');
    await db.query(`DELETE FROM ${ODD} WHERE id = 2; SELECT setval('"my.schema"."odd ""t"" x.y_id_seq"', 1)`);
    const r = await restore(db, archive, { tables: ['"my.schema".*'] });
    expect(r.code, r.error?.message).toBe(0);
    expect(await tableTexts(db, [ODD])).toEqual(await tableTexts(source, [ODD]));
    expect(await sequence(db, `"my.schema"."odd ""t"" x.y_id_seq"`)).toEqual({ last_value: '2', is_called: true });
    // the orphan check (superuser: FK triggers off) addresses the referenced table by its parts
    const orphan = await copyOfSource('rs_sch_names_orphan');
    await orphan.query(`DELETE FROM ${ODD}; DELETE FROM "my.schema"."parent.tbl" WHERE id = 2`);
    const o = await restore(orphan, archive, { tables: [ODD] });
    expect(o.code).toBe(2);
    expect(o.error?.message).toContain('point at my.schema.parent.tbl rows that do not exist');
  });

  it('[bad-input] refuses, in one line and at once, a manifest that lists a table twice', async () => {
    const forged = path.join(tempDir('restore-dup'), path.basename(archive));
    await rewriteZip(archive, forged, (name, data) => {
      if (name !== 'manifest.json') return data;
      const m = JSON.parse(data.toString('utf8'));
      const tags = m.tables.find((t: { name: string }) => t.name === 'tags');
      // a second listing with its own (empty) data: the reader's duplicate-entry check does not catch it
      m.tables.push({ ...tags, rows: 0, entries: [] });
      return JSON.stringify(m);
    });
    const db = await copyOfSource('rs_sch_dup');
    await db.query(`DELETE FROM app.tags`);
    const started = Date.now();
    // The archive reader refuses it (archive/manifest.ts); the planner would too (restore/plan.ts, unit-tested).
    const r = await pgsnap(['restore', forged, '--url', db.url]);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/table app\.tags (is listed|twice)|lists table app\.tags twice/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(await db.query(`SELECT count(*)::int AS n FROM app.tags`)).toEqual([{ n: 0 }]);
    fs.rmSync(path.dirname(forged), { recursive: true, force: true });
  }, 30_000);
});

describe('restore --schema and --exclude (CLI)', () => {
  it('restores the tables of a schema but those excluded, and reports the new counts in --json', async () => {
    const db = await copyOfSource('rs_sch_flags');
    await db.query(`DELETE FROM app.tags; DELETE FROM app.deferred_pk; DELETE FROM ${ODD}`);
    const r = await pgsnap(['restore', archive, '--url', db.url, '--schema', 'app', '--exclude', 'app.deferred_*', '--exclude', 'app.events', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { tables: { table: string; inserted: number; present: number; conflicting: number }[] };
    const names = report.tables.map((t) => t.table);
    expect(names).toContain('app.tags');
    expect(names).not.toContain('app.deferred_pk');
    expect(names).not.toContain('app.events');
    expect(names).not.toContain('my.schema.odd "t" x.y');
    expect(report.tables.find((t) => t.table === 'app.tags')).toMatchObject({ inserted: 3, present: 0, conflicting: 0 });
    expect(await db.query(`SELECT (SELECT count(*)::int FROM app.deferred_pk) AS excluded, (SELECT count(*)::int FROM ${ODD}) AS other_schema`)).toEqual([
      { excluded: 0, other_schema: 0 },
    ]);
  });
});

describe('dry run and failure leave sequences where they were', () => {
  it('--dry-run moves no sequence, identity sequences included, and says what it would move; the real run moves them', async () => {
    const db = await copyOfSource('rs_sch_dry_seq');
    await db.query(`DELETE FROM app.children WHERE id > 5; ALTER SEQUENCE app.children_id_seq RESTART WITH 6;
                    DELETE FROM app.ident WHERE id = 3; ALTER TABLE app.ident ALTER COLUMN id RESTART WITH 3`);
    const before = [await sequence(db, 'app.children_id_seq'), await sequence(db, 'app.ident_id_seq')];
    for (const who of [as(owner, db), db]) {
      const dry = await restore(who, archive, { tables: ['app.children', 'app.ident'], dryRun: true });
      expect(dry.code, dry.error?.message).toBe(0);
      expect(dry.report?.committed).toBe(false);
      expect(dry.report?.sequences.filter((s) => s.to !== null).map((s) => [s.sequence, s.to])).toEqual([
        ['app.children_id_seq', '10'],
        ['app.ident_id_seq', '3'],
      ]);
      expect([await sequence(db, 'app.children_id_seq'), await sequence(db, 'app.ident_id_seq')]).toEqual(before);
    }
    const real = await restore(as(owner, db), archive, { tables: ['app.children', 'app.ident'] });
    expect(real.code, real.error?.message).toBe(0);
    expect(await sequence(db, 'app.children_id_seq')).toEqual({ last_value: '10', is_called: true });
    expect(await sequence(db, 'app.ident_id_seq')).toEqual({ last_value: '3', is_called: true });
  });

  it('[bad-input] a dry run fails where the real run fails (deferred foreign keys checked), and neither moves a sequence', async () => {
    const db = await copyOfSource('rs_sch_dry_deferred');
    // the children lost, and their parents too: restoring only the children leaves them pointing at nothing
    await db.query(`DELETE FROM app.children; DELETE FROM app.parents; ALTER SEQUENCE app.children_id_seq RESTART WITH 1`);
    const before = await sequence(db, 'app.children_id_seq');
    const dry = await restore(as(owner, db), archive, { tables: ['app.children'], dryRun: true });
    expect(dry.code).toBe(2);
    expect(dry.error?.message).toMatch(/foreign key|children_parent_id_fkey/);
    const real = await restore(as(owner, db), archive, { tables: ['app.children'] });
    expect(real.code).toBe(2);
    expect(await sequence(db, 'app.children_id_seq')).toEqual(before);
    expect(await db.query(`SELECT count(*)::int AS n FROM app.children`)).toEqual([{ n: 0 }]);
  });
});
