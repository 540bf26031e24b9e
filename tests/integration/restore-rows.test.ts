import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { backupTo, countsOf, pgsnap, restore, tableTexts, tempDir } from './restore-helpers.js';

/** Restore exactly what was lost (issue 14): --where row filters and --with-dependents, down a tree of FKs. */
const SCHEMA = `
CREATE SCHEMA app;
CREATE TABLE app.projects (id text PRIMARY KEY, name text);
CREATE TABLE app.tasks (id int PRIMARY KEY, project_id text NOT NULL REFERENCES app.projects ON DELETE CASCADE,
                        parent_task int REFERENCES app.tasks ON DELETE CASCADE);
CREATE TABLE app.comments (id int PRIMARY KEY, task_id int REFERENCES app.tasks ON DELETE CASCADE, body text);
CREATE TABLE app.audit (id int PRIMARY KEY, note text);
INSERT INTO app.projects VALUES ('e6b2', 'alpha'), ('f7c3', 'beta'), ('a1d4', 'gamma');
INSERT INTO app.tasks VALUES (1, 'e6b2', NULL), (2, 'e6b2', 1), (3, 'e6b2', 2), (4, 'f7c3', NULL), (5, 'a1d4', NULL);
INSERT INTO app.comments VALUES (10, 3, 'deep'), (11, 4, 'beta'), (12, 5, 'gamma');
INSERT INTO app.audit VALUES (1, 'kept');
`;
const TABLES = ['app.projects', 'app.tasks', 'app.comments'];
const dbs: TestDatabase[] = [];
let source: TestDatabase;
let archive: string;

beforeAll(async () => {
  source = await createTestDatabase('rs_rows_src');
  dbs.push(source);
  await source.query(SCHEMA);
  archive = await backupTo(source, tempDir('restore-rows'), ['app']);
});
afterAll(async () => {
  for (const db of dbs) await db.drop();
});

async function lostTwoProjects(prefix: string): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix);
  dbs.push(db);
  await db.query(SCHEMA);
  await db.query(`DELETE FROM app.projects WHERE id IN ('e6b2', 'a1d4'); DELETE FROM app.audit`);
  return db;
}

describe('restore --where / --with-dependents', () => {
  it('brings back one project and everything under it, and nothing else; the dry run lists exactly those rows', async () => {
    const db = await lostTwoProjects('rs_rows_tree');
    const before = await tableTexts(db, [...TABLES, 'app.audit']);
    const options = { where: ["app.projects: id = 'e6b2'"], withDependents: true };
    const dry = await restore(db, archive, { ...options, dryRun: true });
    expect(dry.code, dry.error?.message).toBe(0);
    const rows = Object.fromEntries((dry.report?.tables ?? []).map((t) => [t.table, t.rows]));
    expect(rows).toEqual({ 'app.projects': ['(e6b2)'], 'app.tasks': ['(1)', '(2)', '(3)'], 'app.comments': ['(10)'] });
    expect(await tableTexts(db, [...TABLES, 'app.audit'])).toEqual(before);

    const real = await restore(db, archive, options);
    expect(real.code, real.error?.message).toBe(0);
    expect(countsOf(real)).toEqual({
      'app.projects': { inserted: 1, present: 0, conflicting: 0, updated: 0 },
      'app.tasks': { inserted: 3, present: 0, conflicting: 0, updated: 0 },
      'app.comments': { inserted: 1, present: 0, conflicting: 0, updated: 0 },
    });
    expect(await db.query(`SELECT id FROM app.projects ORDER BY id`)).toEqual([{ id: 'e6b2' }, { id: 'f7c3' }]);
    expect(await db.query(`SELECT id FROM app.tasks ORDER BY id`)).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }]);
    expect(await db.query(`SELECT count(*)::int AS n FROM app.audit`)).toEqual([{ n: 0 }]);
  });

  it('[bad-input] refuses a --where that is more than one condition, before connecting', async () => {
    const db = await lostTwoProjects('rs_rows_inject');
    for (const where of ["app.projects: true); DROP TABLE app.tasks; SELECT (1", 'app.projects: true) UNION (SELECT', 'app.projects id = 1', "app.projects: pg_read_file('/etc/passwd') <> ''"]) {
      const r = await pgsnap(['restore', archive, '--url', db.url, '--where', where]);
      expect(r.code, where).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/--where/);
    }
    expect(await db.query(`SELECT count(*)::int AS n FROM app.tasks`)).toEqual([{ n: 1 }]);
  });
});
