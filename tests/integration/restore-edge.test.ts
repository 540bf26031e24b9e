import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { adminQuery, adminUrl, createTestDatabase, serverMajor, type TestDatabase } from '../helpers/db.js';
import { asRole, backupTo, byTable, copyOf, restore, tableTexts, tempDir } from './restore-helpers.js';

/**
 * The hard cases, restored by a role that owns the tables but is not a superuser: FK cycles with non-deferrable
 * constraints, self-references, a table without any key holding duplicate rows, identity ALWAYS and generated
 * columns, a partitioned table, FORCE ROW LEVEL SECURITY, a BEFORE INSERT trigger that rewrites updated_at.
 */
const SCHEMA = `
CREATE SCHEMA app;
CREATE TABLE app.dup (v text, n int);
CREATE TABLE app.a (id int PRIMARY KEY, b_id int);
CREATE TABLE app.b (id int PRIMARY KEY, a_id int NOT NULL REFERENCES app.a);
ALTER TABLE app.a ADD CONSTRAINT a_b_fk FOREIGN KEY (b_id) REFERENCES app.b;
CREATE TABLE app.node (id int PRIMARY KEY, parent int REFERENCES app.node);
CREATE TABLE app.ident (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text, doubled int GENERATED ALWAYS AS (length(v) * 2) STORED);
CREATE TABLE app.events (id int, at date, note text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE app.events_2024 PARTITION OF app.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE app.events_2025 PARTITION OF app.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE app.secret (id int PRIMARY KEY, note text);
CREATE TABLE app.stamped (id int PRIMARY KEY, updated_at timestamptz NOT NULL DEFAULT now());
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
INSERT INTO app.dup VALUES ('a', 1), ('a', 1), ('b', 2), (NULL, NULL), (NULL, NULL), ('tab\there', 3), ('back\\slash', 4);
INSERT INTO app.a VALUES (1, NULL), (2, NULL);
INSERT INTO app.b VALUES (10, 1), (20, 2);
UPDATE app.a SET b_id = id * 10;
INSERT INTO app.node VALUES (1, NULL), (2, 1), (3, 2), (4, 4);
INSERT INTO app.ident (v) VALUES ('x'), ('yy'), ('zzz');
INSERT INTO app.events VALUES (1, '2024-05-01', 'a'), (2, '2025-05-01', 'b'), (3, '2025-06-01', 'c');
INSERT INTO app.secret VALUES (1, 's1'), (2, 's2');
INSERT INTO app.stamped VALUES (1, '2020-01-01 00:00:00+00'), (2, '2020-01-02 00:00:00+00');
ALTER TABLE app.secret ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.secret FORCE ROW LEVEL SECURITY;
CREATE POLICY nobody ON app.secret USING (false) WITH CHECK (false);
CREATE TRIGGER stamped_touch BEFORE INSERT OR UPDATE ON app.stamped FOR EACH ROW EXECUTE FUNCTION app.touch();
`;
const TABLES = ['app.dup', 'app.a', 'app.b', 'app.node', 'app.ident', 'app.events', 'app.events_2024', 'app.events_2025', 'app.secret', 'app.stamped'];
// Lose rows everywhere, as superuser (the owner cannot see through FORCE ROW LEVEL SECURITY).
const DAMAGE = `
UPDATE app.a SET b_id = NULL; DELETE FROM app.b; DELETE FROM app.a;
DELETE FROM app.node WHERE id <> 1;
DELETE FROM app.ident WHERE id = 2;
DELETE FROM app.events WHERE id = 2;
DELETE FROM app.dup WHERE ctid IN (SELECT min(ctid) FROM app.dup WHERE v = 'a' OR v IS NULL GROUP BY v);
DELETE FROM app.dup WHERE v LIKE 'back%';
DELETE FROM app.secret WHERE id = 2;
DELETE FROM app.stamped WHERE id = 1;
`;

const suffix = randomBytes(3).toString('hex');
const owner = `rs_owner_${suffix}`;
const stranger = `rs_stranger_${suffix}`;
const password = randomBytes(8).toString('hex');
const dbs: TestDatabase[] = [];
let source: TestDatabase;
let archive: string;
let original: Record<string, string[]>;

const as = (role: string, db: TestDatabase) => asRole(role, password, db);
const copyOfSource = (prefix: string) => copyOf(source, owner, prefix, dbs);

beforeAll(async () => {
  await adminQuery(`CREATE ROLE ${owner} LOGIN PASSWORD '${password}'`);
  await adminQuery(`CREATE ROLE ${stranger} LOGIN PASSWORD '${password}'`);
  source = await createTestDatabase('rs_edge_src');
  dbs.push(source);
  await adminQuery(`ALTER DATABASE "${source.name}" OWNER TO ${owner}`);
  await as(owner, source).query(SCHEMA);
  archive = await backupTo(source, tempDir('restore-edge'), ['app']);
  original = await tableTexts(source, TABLES);
});
afterAll(async () => {
  for (const db of dbs) await db.drop();
  await adminQuery(`DROP ROLE IF EXISTS ${owner}`, [], adminUrl());
  await adminQuery(`DROP ROLE IF EXISTS ${stranger}`, [], adminUrl());
});

describe('restore edge cases, as the non-superuser owner', () => {
  it('restores FK cycles, self-references, duplicates without a key, identity, partitions, RLS and triggers', async () => {
    const db = await copyOfSource('rs_edge_owner');
    await db.query(DAMAGE);
    // A sequence ahead of the archive must not go back.
    await db.query(`SELECT setval('app.ident_id_seq', 100)`);
    const r = await restore(as(owner, db), archive);
    expect(r.code, r.error?.message).toBe(0);
    expect(r.report?.triggers).toBe('disabled per table');
    expect(await tableTexts(db, TABLES)).toEqual(original);
    const counts = byTable(r);
    expect(counts['app.dup']).toEqual({ inArchive: 7, inserted: 3, skipped: 4, updated: 0 });
    expect(counts['app.a']).toEqual({ inArchive: 2, inserted: 2, skipped: 0, updated: 0 });
    expect(counts['app.events']).toEqual({ inArchive: 3, inserted: 1, skipped: 2, updated: 0 });
    const [seq] = await db.query<{ last_value: string }>(`SELECT last_value FROM app.ident_id_seq`);
    expect(seq?.last_value).toBe('100');
    // Triggers and FORCE are back as they were.
    const [state] = await db.query<{ enabled: string; force: boolean }>(
      `SELECT (SELECT tgenabled FROM pg_trigger WHERE tgname = 'stamped_touch') AS enabled,
              (SELECT relforcerowsecurity FROM pg_class WHERE oid = 'app.secret'::regclass) AS force`,
    );
    expect(state).toEqual({ enabled: 'O', force: true });

    const again = await restore(as(owner, db), archive, { onConflict: 'update' });
    expect(again.code, again.error?.message).toBe(0);
    for (const t of again.report?.tables ?? []) expect([t.table, t.inserted, t.updated]).toEqual([t.table, 0, 0]);
    expect(await tableTexts(db, TABLES)).toEqual(original);
  });

  it('updates edited rows in a cycle and behind a trigger with --on-conflict update', async () => {
    const db = await copyOfSource('rs_edge_update');
    await db.query(`UPDATE app.a SET b_id = 20 WHERE id = 1; UPDATE app.stamped SET updated_at = '1999-01-01' WHERE id = 2;
                    UPDATE app.node SET parent = NULL WHERE id = 3`);
    const r = await restore(as(owner, db), archive, { onConflict: 'update' });
    expect(r.code, r.error?.message).toBe(0);
    expect(byTable(r)['app.a']).toEqual({ inArchive: 2, inserted: 0, skipped: 1, updated: 1 });
    expect(byTable(r)['app.stamped']).toEqual({ inArchive: 2, inserted: 0, skipped: 1, updated: 1 });
    expect(byTable(r)['app.node']).toEqual({ inArchive: 4, inserted: 0, skipped: 3, updated: 1 });
    expect(await tableTexts(db, TABLES)).toEqual(original);
  });

  it('restores into an empty database created from the archive (--create-missing), byte for byte', async () => {
    const db = await createTestDatabase('rs_edge_empty');
    dbs.push(db);
    const r = await restore(db, archive, { createMissing: true });
    expect(r.code, r.error?.message).toBe(0);
    expect(await tableTexts(db, TABLES)).toEqual(original);
    const [seq] = await db.query<{ last_value: string; is_called: boolean }>(`SELECT last_value, is_called FROM app.ident_id_seq`);
    expect(seq).toEqual({ last_value: '3', is_called: true });
  });

  it.runIf(serverMajor() >= 15)('uses session_replication_role when the role was granted SET on it (PostgreSQL 15+)', async () => {
    const db = await copyOfSource('rs_edge_replica');
    await db.query(DAMAGE);
    await adminQuery(`GRANT SET ON PARAMETER session_replication_role TO ${owner}`);
    try {
      const r = await restore(as(owner, db), archive);
      expect(r.code, r.error?.message).toBe(0);
      expect(r.report?.triggers).toBe('replica');
      expect(await tableTexts(db, TABLES)).toEqual(original);
    } finally {
      await adminQuery(`REVOKE SET ON PARAMETER session_replication_role FROM ${owner}`);
    }
  });

  it('[bad-input] refuses before changing anything when the role can neither silence triggers nor bypass RLS', async () => {
    const db = await copyOfSource('rs_edge_stranger');
    await db.query(DAMAGE);
    await db.query(`GRANT USAGE ON SCHEMA app TO ${stranger}; GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA app TO ${stranger};
                    GRANT SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA app TO ${stranger}`);
    const before = await tableTexts(db, TABLES);
    const r = await restore(as(stranger, db), archive);
    expect(r.code).toBe(2);
    expect(r.error?.message).toMatch(/app\.stamped has trigger\(s\) stamped_touch that would fire on restored rows/);
    expect(r.error?.message).toMatch(/row level security on app\.secret applies to role/);
    expect(r.error?.hint).toBe('nothing was changed');
    expect(await tableTexts(db, TABLES)).toEqual(before);
    // Leaving those two tables out, the rest restores.
    const rest = await restore(as(stranger, db), archive, { tables: ['app.a', 'app.b', 'app.node', 'app.dup'] });
    expect(rest.code, rest.error?.message).toBe(0);
    expect((await tableTexts(db, ['app.a', 'app.b', 'app.node', 'app.dup']))).toEqual(
      Object.fromEntries(['app.a', 'app.b', 'app.node', 'app.dup'].map((t) => [t, original[t]])),
    );
  });

  it('[load] gives up with a clear message when a writer holds a lock, and loses none of its writes', async () => {
    const db = await copyOfSource('rs_edge_lock');
    await db.query(`DELETE FROM app.node WHERE id = 3`);
    const pg = (await import('pg')).default;
    const app = new pg.Client({ connectionString: db.url });
    await app.connect();
    try {
      await app.query(`BEGIN; INSERT INTO app.node VALUES (99, 1)`);
      const r = await restore(db, archive, { lockTimeoutMs: 300 });
      expect(r.code).toBe(2);
      expect(r.error?.message).toMatch(/could not lock app\.\w+ within 0\.3 s/);
      expect(r.error?.hint).toMatch(/nothing was changed/);
      await app.query('COMMIT');
    } finally {
      await app.end();
    }
    const r = await restore(db, archive);
    expect(r.code, r.error?.message).toBe(0);
    const nodes = await tableTexts(db, ['app.node']);
    expect(nodes['app.node']).toEqual([...(original['app.node'] ?? []), '(99,1)'].sort());
  });

  it('[load] keeps every concurrent write of an application that writes while restore runs', async () => {
    const db = await copyOfSource('rs_edge_writer');
    await db.query(DAMAGE);
    const pg = (await import('pg')).default;
    const app = new pg.Client({ connectionString: db.url });
    await app.connect();
    let written = 0;
    let stop = false;
    const writer = (async () => {
      for (let i = 1000; !stop || written < 20; i++) {
        await app.query(`INSERT INTO app.node VALUES ($1, 1)`, [i]);
        written++;
      }
    })();
    const r = await restore(db, archive);
    stop = true;
    await writer;
    await app.end();
    expect(r.code, r.error?.message).toBe(0);
    const [n] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM app.node WHERE id >= 1000`);
    expect(Number(n?.n)).toBe(written);
    const rest = await tableTexts(db, TABLES.filter((t) => t !== 'app.node'));
    expect(rest).toEqual(Object.fromEntries(TABLES.filter((t) => t !== 'app.node').map((t) => [t, original[t]])));
  });
});
