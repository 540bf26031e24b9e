import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, repoRoot, type TestDatabase } from '../helpers/db.js';
import { backupTo, byTable, restore, tableTexts, tempDir } from './restore-helpers.js';

/**
 * Every type family of the archive contract (tests/fixtures/all-types.sql): backup → restore into an empty
 * database → every row's text is the same. Then the same into a database built from the same SQL, whose rows were
 * wiped, and once more to see nothing duplicated (json and other types without equality compared by text).
 */
const sql = readFileSync(path.join(repoRoot, 'tests', 'fixtures', 'all-types.sql'), 'utf8');
const dbs: TestDatabase[] = [];
let archive: string;
let tables: string[];
let original: Record<string, string[]>;

beforeAll(async () => {
  const source = await createTestDatabase('rs_types_src');
  dbs.push(source);
  await source.query(sql);
  const rows = await source.query<{ t: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'types' AND c.relkind IN ('r', 'p') ORDER BY 1`,
  );
  tables = rows.map((r) => r.t);
  archive = await backupTo(source, tempDir('restore-types'), ['types']);
  original = await tableTexts(source, tables);
});
afterAll(async () => {
  for (const db of dbs) await db.drop();
});

describe('restore of every type family', () => {
  it('round-trips into an empty database with --create-missing', async () => {
    const db = await createTestDatabase('rs_types_empty');
    dbs.push(db);
    const r = await restore(db, archive, { createMissing: true });
    expect(r.code, r.error?.message).toBe(0);
    expect(tables.length).toBeGreaterThan(5);
    expect(await tableTexts(db, tables)).toEqual(original);
  });

  it('round-trips into the same schema after the rows were wiped, and a re-run duplicates nothing', async () => {
    const db = await createTestDatabase('rs_types_wiped');
    dbs.push(db);
    await db.query(sql);
    await db.query(`DO $$ DECLARE t text; BEGIN
      FOR t IN SELECT format('%I.%I', schemaname, tablename) FROM pg_tables WHERE schemaname = 'types' LOOP
        EXECUTE 'TRUNCATE ' || t || ' CASCADE';
      END LOOP; END $$`);
    const first = await restore(db, archive);
    expect(first.code, first.error?.message).toBe(0);
    expect(await tableTexts(db, tables)).toEqual(original);
    // Load through the staging path too (the tables are no longer empty), with update: nothing differs.
    const again = await restore(db, archive, { onConflict: 'update' });
    expect(again.code, again.error?.message).toBe(0);
    for (const [table, c] of Object.entries(byTable(again))) expect([table, c.inserted, c.updated]).toEqual([table, 0, 0]);
    expect(await tableTexts(db, tables)).toEqual(original);
  });
});
