import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { adminQuery, adminUrl, createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { asRole, backupTo, copyOf, restore, tableTexts, tempDir } from './restore-helpers.js';

/**
 * Triggers on partitions: restore loads a partitioned table through its parent, so its rows land in the
 * partitions and fire their triggers — their own ones (not clones of the parent's) and clones whose state was set
 * apart from the parent's. None may fire on restored rows, and every trigger's state must be as before afterwards.
 */
const SCHEMA = `
CREATE SCHEMA app;
CREATE TABLE app.log (what text);
CREATE TABLE app.kinds (id int PRIMARY KEY);
INSERT INTO app.kinds VALUES (1);
-- a foreign key on the partitioned table: its triggers on the partitions (internal, cloned) are no user triggers
CREATE TABLE app.events (id int, at date, updated_at timestamptz NOT NULL, kind int NOT NULL DEFAULT 1 REFERENCES app.kinds,
                         PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE app.events_2024 PARTITION OF app.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE app.events_2025 PARTITION OF app.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') PARTITION BY RANGE (at);
CREATE TABLE app.events_2025_h1 PARTITION OF app.events_2025 FOR VALUES FROM ('2025-01-01') TO ('2025-07-01');
CREATE TABLE app.events_2025_h2 PARTITION OF app.events_2025 FOR VALUES FROM ('2025-07-01') TO ('2026-01-01');
INSERT INTO app.events VALUES (1, '2024-05-01', '2020-01-01 00:00:00+00'), (2, '2025-02-01', '2020-01-02 00:00:00+00'),
                              (3, '2025-08-01', '2020-01-03 00:00:00+00'), (4, '2024-06-01', '2020-01-04 00:00:00+00');
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
CREATE FUNCTION app.log_it() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO app.log VALUES (TG_TABLE_NAME || ' ' || TG_NAME); RETURN NEW; END $$;
-- a partition's own triggers: one rewriting updated_at (ORIGIN), one logging (ALWAYS: fires even in replica mode)
CREATE TRIGGER part_touch BEFORE INSERT ON app.events_2024 FOR EACH ROW EXECUTE FUNCTION app.touch();
CREATE TRIGGER part_log BEFORE INSERT ON app.events_2024 FOR EACH ROW EXECUTE FUNCTION app.log_it();
ALTER TABLE app.events_2024 ENABLE ALWAYS TRIGGER part_log;
-- a partition's statement trigger: rows written through the parent do not fire it (restore leaves it alone)
CREATE TRIGGER part_statement AFTER INSERT ON app.events_2025_h2 FOR EACH STATEMENT EXECUTE FUNCTION app.log_it();
ALTER TABLE app.events_2025_h2 ENABLE ALWAYS TRIGGER part_statement;
-- a sub-partition's own trigger, two levels down
CREATE TRIGGER deep_touch BEFORE INSERT ON app.events_2025_h1 FOR EACH ROW EXECUTE FUNCTION app.touch();
-- a trigger of the parent, cloned onto every partition; one clone disabled, one enabled ALWAYS
CREATE TRIGGER parent_log AFTER INSERT ON app.events FOR EACH ROW EXECUTE FUNCTION app.log_it();
ALTER TABLE app.events_2025_h1 DISABLE TRIGGER parent_log;
ALTER TABLE app.events_2025_h2 ENABLE ALWAYS TRIGGER parent_log;
`;
const TABLES = ['app.events', 'app.log', 'app.kinds'];
const DAMAGE = `DELETE FROM app.events WHERE id IN (1, 2, 3)`;
// every trigger, the foreign key's internal ones included (their names hold oids, which a copied database keeps)
const STATES = `SELECT c.relname || ' ' || t.tgname || ' ' || t.tgenabled::text AS s FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                 WHERE c.relnamespace = 'app'::regnamespace ORDER BY 1`;

const suffix = randomBytes(3).toString('hex');
const owner = `rpt_owner_${suffix}`;
const other = `rpt_other_${suffix}`;
const password = randomBytes(8).toString('hex');
const dbs: TestDatabase[] = [];
let source: TestDatabase;
let archive: string;
let original: Record<string, string[]>;
let states: string[];

const as = (role: string, db: TestDatabase) => asRole(role, password, db);
const statesOf = async (db: TestDatabase) => (await db.query<{ s: string }>(STATES)).map((x) => x.s);
const damaged = async (prefix: string) => {
  const db = await copyOf(source, owner, prefix, dbs);
  await db.query(DAMAGE);
  return db;
};

beforeAll(async () => {
  await adminQuery(`CREATE ROLE ${owner} LOGIN PASSWORD '${password}'`);
  await adminQuery(`CREATE ROLE ${other} LOGIN PASSWORD '${password}'`);
  source = await createTestDatabase('rs_parttrig_src');
  dbs.push(source);
  await adminQuery(`ALTER DATABASE "${source.name}" OWNER TO ${owner}`);
  await as(owner, source).query(SCHEMA);
  archive = await backupTo(source, tempDir('restore-parttrig'), ['app']);
  original = await tableTexts(source, TABLES);
  states = await statesOf(source);
});
afterAll(async () => {
  for (const db of dbs) await db.drop();
  await adminQuery(`DROP ROLE IF EXISTS ${owner}`, [], adminUrl());
  await adminQuery(`DROP ROLE IF EXISTS ${other}`, [], adminUrl());
});

describe('restore into a partitioned table whose partitions have triggers', () => {
  it('the fixture: the archived rows are untouched by triggers, and the clones set apart are as meant', () => {
    expect(original['app.log']).toEqual([]);
    expect(states).toContain('events_2025_h1 parent_log D');
    expect(states).toContain('events_2025_h2 parent_log A');
    expect(states).toContain('events_2024 part_log A');
  });

  it('replica mode (superuser): no partition trigger fires, and every state is as before', async () => {
    const db = await damaged('rs_parttrig_replica');
    const r = await restore(db, archive, { tables: ['app.events'] });
    expect(r.code, r.error?.message).toBe(0);
    expect(r.report?.triggers).toBe('replica');
    expect(await tableTexts(db, TABLES)).toEqual(original);
    expect(await statesOf(db)).toEqual(states);
  });

  it('origin mode (the owner, not superuser): no partition trigger fires, and every state is as before', async () => {
    const db = await damaged('rs_parttrig_origin');
    const r = await restore(as(owner, db), archive, { tables: ['app.events'] });
    expect(r.code, r.error?.message).toBe(0);
    expect(r.report?.triggers).toBe('disabled per table');
    expect(await tableTexts(db, TABLES)).toEqual(original);
    expect(await statesOf(db)).toEqual(states);
  });

  it('with --commit-each-table, in both modes', async () => {
    for (const [prefix, who] of [
      ['rs_parttrig_each_r', undefined],
      ['rs_parttrig_each_o', owner],
    ] as const) {
      const db = await damaged(prefix);
      const r = await restore(who ? as(who, db) : db, archive, { commitEachTable: true });
      expect(r.code, r.error?.message).toBe(0);
      expect(await tableTexts(db, TABLES)).toEqual(original);
      expect(await statesOf(db)).toEqual(states);
    }
  });

  it('[bad-input] a failed restore rolls the switches back', async () => {
    const db = await damaged('rs_parttrig_failed');
    // a restored row breaks a constraint the target gained since: the load fails after the triggers were switched off
    await db.query(`ALTER TABLE app.events_2025_h2 ADD CONSTRAINT no_new CHECK (id < 3) NOT VALID`);
    const before = await tableTexts(db, TABLES);
    for (const target of [db, as(owner, db)]) {
      const r = await restore(target, archive, { tables: ['app.events'] });
      expect(r.code).toBe(2);
      expect(await tableTexts(db, TABLES)).toEqual(before);
      expect(await statesOf(db)).toEqual(states);
    }
  });

  it('[bad-input] refuses before changing anything when the role does not own a partition with a trigger to switch', async () => {
    const db = await damaged('rs_parttrig_foreign');
    await db.query(`ALTER TABLE app.events_2024 OWNER TO ${other}; GRANT ALL ON app.events_2024 TO ${owner}`);
    const before = await tableTexts(db, TABLES);
    const r = await restore(as(owner, db), archive, { tables: ['app.events'] });
    expect(r.code).toBe(2);
    expect(r.error?.message).toMatch(
      /app\.events_2024 \(partition of app\.events\) has trigger\(s\) parent_log, part_log, part_touch that would fire on restored rows/,
    );
    expect(r.error?.hint).toBe('nothing was changed');
    expect(await tableTexts(db, TABLES)).toEqual(before);
    expect(await statesOf(db)).toEqual(states);
  });
});
