import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/log.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { backupTo, restore, tableTexts, tempDir } from './restore-helpers.js';

/**
 * The replica-mode orphan check (execute.ts checkForeignKeys) skips a key only where it cannot find anything: both
 * tables empty under the lock and copied whole from the archive in this transaction, and the archive's schema has
 * the same key, validated. Everywhere else it still checks and fails loudly, changing nothing.
 *
 * Schema k: a validated key over a source that holds an orphan made with triggers off (session_replication_role =
 * replica): a skipped check copies it as it was, a check that runs names it; schema y, the same in a cycle. Schema m: no orphan in the source;
 * the target is changed so that restored rows would point at nothing. Schema v: a key NOT VALID in the archive.
 */
const SCHEMA = `
CREATE SCHEMA k;
CREATE TABLE k.p (id int PRIMARY KEY);
CREATE TABLE k.c (id int PRIMARY KEY, p_id int CONSTRAINT c_to_p REFERENCES k.p);
INSERT INTO k.p VALUES (1), (2);
INSERT INTO k.c VALUES (10, 1), (11, 2);
CREATE SCHEMA y;
CREATE TABLE y.a (id int PRIMARY KEY, b_id int);
CREATE TABLE y.b (id int PRIMARY KEY, a_id int CONSTRAINT b_to_a REFERENCES y.a);
ALTER TABLE y.a ADD CONSTRAINT a_to_b FOREIGN KEY (b_id) REFERENCES y.b;
INSERT INTO y.a VALUES (1, NULL);
INSERT INTO y.b VALUES (1, 1);
UPDATE y.a SET b_id = 1;
BEGIN;
SET LOCAL session_replication_role = replica;
INSERT INTO k.c VALUES (12, 99);
INSERT INTO y.b VALUES (2, 99);
COMMIT;
CREATE SCHEMA m;
CREATE TABLE m.p (id int PRIMARY KEY, code text UNIQUE);
CREATE TABLE m.q (id int PRIMARY KEY);
CREATE TABLE m.c (id int PRIMARY KEY, p_id int CONSTRAINT c_to_p REFERENCES m.p, other int);
INSERT INTO m.p VALUES (1, 'a'), (2, 'b');
INSERT INTO m.q VALUES (1);
INSERT INTO m.c VALUES (10, 1, 7), (11, 2, 8);
CREATE SCHEMA v;
CREATE TABLE v.p (id int PRIMARY KEY);
CREATE TABLE v.c (id int PRIMARY KEY, p_id int);
INSERT INTO v.p VALUES (1);
INSERT INTO v.c VALUES (10, 1), (11, 98);
ALTER TABLE v.c ADD CONSTRAINT c_to_p FOREIGN KEY (p_id) REFERENCES v.p NOT VALID;`;

let source: TestDatabase;
let archive: string;
const cleanup: TestDatabase[] = [];

beforeAll(async () => {
  source = await createTestDatabase('orsk_src');
  cleanup.push(source);
  await source.query(SCHEMA);
  archive = await backupTo(source, tempDir('restore-orphan-skip'), ['k', 'y', 'm', 'v']);
});
afterAll(async () => {
  for (const db of cleanup) await db.drop();
});

/** a copy of the source with every table emptied (a schema-only copy), then `change` run on it */
async function schemaOnly(prefix: string, change = ''): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix, source.name);
  cleanup.push(db);
  await db.query(`TRUNCATE k.p, k.c, y.a, y.b, m.p, m.q, m.c, v.p, v.c; ${change}`);
  return db;
}

function debugLines(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { lines, logger: { tty: false, info() {}, warn() {}, debug: (m) => lines.push(m) } };
}

const orphanLine = (lines: readonly string[]) => lines.filter((l) => l.startsWith('foreign-key orphan check:'));

describe('restore: the orphan check skipped where it cannot find anything', () => {
  it("copies a whole archive into empty tables without checking the archive's validated key (an orphan of the source stays, as pg_restore --disable-triggers copies it)", async () => {
    const db = await schemaOnly('orsk_whole');
    const { logger, lines } = debugLines();
    const r = await restore(db, archive, { tables: [], schemas: ['k'], logger });
    expect(r.code, r.error?.message).toBe(0);
    expect(await tableTexts(db, ['k.p', 'k.c'])).toEqual(await tableTexts(source, ['k.p', 'k.c']));
    expect(orphanLine(lines)).toEqual([
      "foreign-key orphan check: checking none; skipped k.c c_to_p (the archive's validated key, both tables copied whole into empty tables in this transaction)",
    ]);
  });

  it('skips them within one unit of --commit-each-table too (a foreign-key cycle, loaded and committed together)', async () => {
    const db = await schemaOnly('orsk_cycle');
    const { logger, lines } = debugLines();
    const r = await restore(db, archive, { tables: [], schemas: ['y'], commitEachTable: true, jobs: 2, logger });
    expect(r.code, r.error?.message).toBe(0);
    expect(await tableTexts(db, ['y.a', 'y.b'])).toEqual(await tableTexts(source, ['y.a', 'y.b']));
    expect(orphanLine(lines)).toEqual([
      "foreign-key orphan check: checking none; skipped y.a a_to_b, y.b b_to_a (the archive's validated key, both tables copied whole into empty tables in this transaction)",
    ]);
  });

  it('[bad-input] checks with --commit-each-table, where parent and child are committed apart', async () => {
    const db = await schemaOnly('orsk_each');
    const { logger, lines } = debugLines();
    const r = await restore(db, archive, { tables: [], schemas: ['k'], commitEachTable: true, jobs: 2, logger });
    expect(r.code).toBe(2);
    expect(r.error?.message).toMatch(/restored rows of k\.c point at k\.p rows that do not exist \(c_to_p: p_id = \(99\)\)/);
    expect(orphanLine(lines)).toContain(
      'foreign-key orphan check: checking k.c c_to_p (k.p not copied whole into an empty table in this transaction); skipped none',
    );
    expect(await tableTexts(db, ['k.c'])).toEqual({ 'k.c': [] });
  });
});

describe('restore: the orphan check still runs and fails loudly', () => {
  const mTables = ['m.p', 'm.q', 'm.c'];

  it('[bad-input] when the parent already had rows (staged) and lacks the referenced row', async () => {
    // the archived m.p row (2, 'b') clashes with (5, 'b') on code and is left out: m.c's row 11 points at nothing
    const db = await schemaOnly('orsk_staged', `INSERT INTO m.p VALUES (5, 'b')`);
    const before = await tableTexts(db, mTables);
    const { logger, lines } = debugLines();
    const r = await restore(db, archive, { tables: [], schemas: ['m'], logger });
    expect(r.code).toBe(2);
    expect(r.error?.message).toBe('restored rows of m.c point at m.p rows that do not exist (c_to_p: p_id = (2))');
    expect(orphanLine(lines)[0]).toMatch(/checking m\.c c_to_p \(m\.p not copied whole/);
    expect(await tableTexts(db, mTables)).toEqual(before);
  });

  it("[bad-input] when the target's key references another table than the archived one", async () => {
    const db = await schemaOnly('orsk_other_table', `ALTER TABLE m.c DROP CONSTRAINT c_to_p, ADD CONSTRAINT c_to_p FOREIGN KEY (p_id) REFERENCES m.q`);
    const r = await restore(db, archive, { tables: [], schemas: ['m'] });
    expect(r.code).toBe(2);
    expect(r.error?.message).toBe('restored rows of m.c point at m.q rows that do not exist (c_to_p: p_id = (2))');
    expect(await tableTexts(db, mTables)).toEqual({ 'm.p': [], 'm.q': [], 'm.c': [] });
  });

  it("[bad-input] when the target's key is over other columns than the archived one", async () => {
    const db = await schemaOnly('orsk_other_cols', `ALTER TABLE m.c DROP CONSTRAINT c_to_p, ADD CONSTRAINT c_to_p FOREIGN KEY (other) REFERENCES m.p`);
    const { logger, lines } = debugLines();
    const r = await restore(db, archive, { tables: [], schemas: ['m'], logger });
    expect(r.code).toBe(2);
    expect(r.error?.message).toMatch(/^restored rows of m\.c point at m\.p rows that do not exist \(c_to_p: other = \((7|8)\)\)$/);
    expect(orphanLine(lines)[0]).toMatch(/checking m\.c c_to_p \(not the archive's validated key/);
    expect(await tableTexts(db, mTables)).toEqual({ 'm.p': [], 'm.q': [], 'm.c': [] });
  });

  it('[bad-input] when the key was NOT VALID in the archive (validated in the target)', async () => {
    const db = await schemaOnly('orsk_not_valid', `ALTER TABLE v.c VALIDATE CONSTRAINT c_to_p`);
    const r = await restore(db, archive, { tables: [], schemas: ['v'] });
    expect(r.code).toBe(2);
    expect(r.error?.message).toBe('restored rows of v.c point at v.p rows that do not exist (c_to_p: p_id = (98))');
    expect(await tableTexts(db, ['v.p', 'v.c'])).toEqual({ 'v.p': [], 'v.c': [] });
  });

  it('[bad-input] with --table child only (the parent is not restored)', async () => {
    const db = await schemaOnly('orsk_child', `INSERT INTO m.p VALUES (1, 'a')`);
    const r = await restore(db, archive, { tables: ['m.c'] });
    expect(r.code).toBe(2);
    expect(r.error?.message).toBe('restored rows of m.c point at m.p rows that do not exist (c_to_p: p_id = (2))');
    expect(await tableTexts(db, ['m.c'])).toEqual({ 'm.c': [] });
  });
});
