import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { backupTo, restore, tableTexts, tempDir } from './restore-helpers.js';

/**
 * The foreign-key check after a replica-mode load runs all of a restore's keys in one statement
 * (sql.findFirstOrphan): it must still name the table, the constraint and a value of the key that has the orphan,
 * whichever of the batched keys that is, and change nothing.
 */
const SCHEMA = `
CREATE SCHEMA o;
CREATE TABLE o.a (id int PRIMARY KEY);
CREATE TABLE o.b (x int, y text, PRIMARY KEY (x, y));
CREATE TABLE o.c (id int PRIMARY KEY, a_id int CONSTRAINT c_to_a REFERENCES o.a, bx int, by_name text,
  CONSTRAINT c_to_b FOREIGN KEY (bx, by_name) REFERENCES o.b);
CREATE TABLE o.d (id int PRIMARY KEY, a_id int CONSTRAINT d_to_a REFERENCES o.a);
INSERT INTO o.a VALUES (1), (2), (3);
INSERT INTO o.b VALUES (1, 'one'), (2, 'two');
INSERT INTO o.c VALUES (10, 1, 1, 'one'), (11, 2, 2, 'two'), (12, NULL, NULL, NULL);
INSERT INTO o.d VALUES (20, 1), (21, 3);`;
const TABLES = ['o.a', 'o.b', 'o.c', 'o.d'];

let source: TestDatabase;
let archive: string;
const cleanup: TestDatabase[] = [];

beforeAll(async () => {
  source = await createTestDatabase('orph_src');
  cleanup.push(source);
  await source.query(SCHEMA);
  archive = await backupTo(source, tempDir('restore-orphans'), ['o']);
});
afterAll(async () => {
  for (const db of cleanup) await db.drop();
});

/** the source's copy, with `lose` run on it */
async function target(prefix: string, lose: string): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix, source.name);
  cleanup.push(db);
  await db.query(lose);
  return db;
}

describe('restore: the batched foreign-key check', () => {
  it('[bad-input] names the second key of a table when only it has an orphan (a composite key, its value as a row)', async () => {
    const db = await target('orph_c', `DELETE FROM o.c; DELETE FROM o.d; DELETE FROM o.b WHERE x = 2`);
    const before = await tableTexts(db, TABLES);
    const r = await restore(db, archive, { tables: ['o.c', 'o.d'] });
    expect(r.code).toBe(2);
    expect(r.error?.message).toBe('restored rows of o.c point at o.b rows that do not exist (c_to_b: bx, by_name = (2,two))');
    expect(r.error?.hint).toMatch(/add --table o\.b/);
    expect(await tableTexts(db, TABLES)).toEqual(before);
  });

  it('[bad-input] names a later table when the earlier tables and keys of the batch are fine', async () => {
    const db = await target('orph_d', `DELETE FROM o.c; DELETE FROM o.d; DELETE FROM o.a WHERE id = 3`);
    const before = await tableTexts(db, TABLES);
    const r = await restore(db, archive, { tables: ['o.c', 'o.d'] });
    expect(r.code).toBe(2);
    expect(r.error?.message).toBe('restored rows of o.d point at o.a rows that do not exist (d_to_a: a_id = (3))');
    expect(await tableTexts(db, TABLES)).toEqual(before);
  });

  it('restores when every key finds its rows (NULLs pass, MATCH SIMPLE)', async () => {
    const db = await target('orph_ok', `DELETE FROM o.c; DELETE FROM o.d`);
    const r = await restore(db, archive, { tables: ['o.c', 'o.d'] });
    expect(r.code, r.error?.message).toBe(0);
    expect(await tableTexts(db, TABLES)).toEqual(await tableTexts(source, TABLES));
  });
});
