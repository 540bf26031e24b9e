import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtureDatabase, createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { flipByteInEntry, tableState } from '../helpers/faults.js';
import { backupTo, countsOf, damagedCopyOf, pgsnap, restore, tableTexts, tempDir } from './restore-helpers.js';

/**
 * restore --jobs N decodes the next tables of the archive while one loads (restore/lookahead.ts). The result must
 * be the one --jobs 1 gives, and a failure anywhere — in a table's rows or in an entry decoded ahead — must still
 * leave the target as it was.
 */
const APP_TABLES = ['auth.users', 'public.profiles', 'public.projects', 'public.test_sessions', 'public.error_logs'];
const CYCLE = `
CREATE SCHEMA cyc;
CREATE TABLE cyc.a (id int PRIMARY KEY, b_id int, note text);
CREATE TABLE cyc.b (id int PRIMARY KEY, a_id int NOT NULL REFERENCES cyc.a, note text);
ALTER TABLE cyc.a ADD CONSTRAINT a_b_fk FOREIGN KEY (b_id) REFERENCES cyc.b;
CREATE TABLE cyc.node (id int PRIMARY KEY, parent int REFERENCES cyc.node, label text);
CREATE TABLE cyc.leaf (id int PRIMARY KEY, a_id int NOT NULL REFERENCES cyc.a, node_id int REFERENCES cyc.node);
INSERT INTO cyc.a SELECT i, NULL, 'a' || i FROM generate_series(1, 3000) i;
INSERT INTO cyc.b SELECT i, i, 'b' || i FROM generate_series(1, 3000) i;
UPDATE cyc.a SET b_id = id;
INSERT INTO cyc.node SELECT i, CASE WHEN i > 1 THEN i / 2 END, 'n' || i FROM generate_series(1, 2000) i;
INSERT INTO cyc.leaf SELECT i, 1 + i % 3000, 1 + i % 2000 FROM generate_series(1, 5000) i;
`;
const CYCLE_TABLES = ['cyc.a', 'cyc.b', 'cyc.node', 'cyc.leaf'];

const dbs: TestDatabase[] = [];
let app: TestDatabase;
let appArchive: string;
let cyc: TestDatabase;
let cycArchive: string;

beforeAll(async () => {
  app = await createFixtureDatabase('rj_app');
  dbs.push(app);
  appArchive = await backupTo(app, tempDir('restore-jobs-app'), ['auth', 'public']);
  cyc = await createTestDatabase('rj_cyc');
  dbs.push(cyc);
  await cyc.query(CYCLE);
  cycArchive = await backupTo(cyc, tempDir('restore-jobs-cyc'), ['cyc']);
});
afterAll(async () => {
  for (const db of dbs) await db.drop();
});

const copyOf = (template: TestDatabase, prefix: string, damage: string) => damagedCopyOf(template, prefix, damage, dbs);

const EMPTY_APP = 'TRUNCATE auth.users, public.profiles, public.projects, public.test_sessions, public.error_logs CASCADE';
const DAMAGED_APP = `DELETE FROM public.error_logs WHERE level = 'warn'; DELETE FROM public.test_sessions WHERE status = 'queued'`;
const EMPTY_CYCLE = 'TRUNCATE cyc.a, cyc.b, cyc.node, cyc.leaf';
const DAMAGED_CYCLE = `DELETE FROM cyc.leaf WHERE id % 2 = 0 OR a_id > 2500 OR node_id > 1000; UPDATE cyc.a SET b_id = NULL WHERE id > 1500; DELETE FROM cyc.b WHERE id > 1500;
  DELETE FROM cyc.a WHERE id > 2500; DELETE FROM cyc.node WHERE id > 1000`;

describe('restore --jobs 2', () => {
  for (const [name, template, archive, tables, damage] of [
    ['the sample app, schema-only copy', () => app, () => appArchive, APP_TABLES, EMPTY_APP],
    ['the sample app, partly lost', () => app, () => appArchive, APP_TABLES, DAMAGED_APP],
    ['a foreign-key cycle, schema-only copy', () => cyc, () => cycArchive, CYCLE_TABLES, EMPTY_CYCLE],
    ['a foreign-key cycle, partly lost', () => cyc, () => cycArchive, CYCLE_TABLES, DAMAGED_CYCLE],
  ] as const) {
    it(`gives what --jobs 1 gives: ${name}`, async () => {
      const one = await copyOf(template(), 'rj_one', damage);
      const two = await copyOf(template(), 'rj_two', damage);
      const r1 = await restore(one, archive(), { jobs: 1 });
      const r2 = await restore(two, archive(), { jobs: 2 });
      expect(r1.code, r1.error?.message).toBe(0);
      expect(r2.code, r2.error?.message).toBe(0);
      expect(countsOf(r2)).toEqual(countsOf(r1));
      expect(await tableTexts(two, tables)).toEqual(await tableTexts(one, tables));
      // into an empty copy, both give back the source exactly (a partly lost one keeps ON DELETE SET NULL edits)
      if (damage.startsWith('TRUNCATE')) expect(await tableTexts(two, tables)).toEqual(await tableTexts(template(), tables));
    });
  }

  it('through the CLI, a second run finds every table already restored', async () => {
    const db = await copyOf(app, 'rj_cli', EMPTY_APP);
    const first = await pgsnap(['restore', appArchive, '--url', db.url, '--jobs', '2', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const again = await pgsnap(['restore', appArchive, '--url', db.url, '--jobs', '3', '--json']);
    expect(again.code, again.stderr).toBe(0);
    const report = JSON.parse(again.stdout) as { tables: { table: string; inserted: number }[] };
    expect(report.tables.map((t) => t.inserted)).toEqual(report.tables.map(() => 0));
    expect(await tableTexts(db, APP_TABLES)).toEqual(await tableTexts(app, APP_TABLES));
  });

  it('[bad-input] a table whose rows fail after others loaded leaves the target unchanged', async () => {
    const db = await copyOf(app, 'rj_fail', EMPTY_APP);
    // the target refuses some archived sessions: the tables before it in the plan are loaded by then
    await db.query(`ALTER TABLE public.test_sessions ADD CONSTRAINT no_failed CHECK (status <> 'failed')`);
    const before = await tableState(db);
    const r = await restore(db, appArchive, { jobs: 2 });
    expect(r.code).toBe(2);
    expect(r.error?.message).toMatch(/restoring public\.test_sessions failed: .*no_failed/);
    expect(r.report?.tables.some((t) => t.table === 'auth.users')).toBe(true);
    expect(await tableState(db)).toEqual(before);
  });

  it('[bad-input] a damaged entry decoded ahead fails the restore and changes nothing', async () => {
    const db = await copyOf(app, 'rj_corrupt', EMPTY_APP);
    const damaged = path.join(tempDir('restore-jobs-corrupt'), path.basename(appArchive));
    flipByteInEntry(appArchive, damaged, 'data/public.error_logs.0001.ndjson');
    expect(fs.existsSync(damaged)).toBe(true);
    const before = await tableState(db);
    const r = await restore(db, damaged, { jobs: 5 });
    expect(r.code).toBe(2);
    expect(r.error?.message).toMatch(/error_logs/);
    expect(await tableState(db)).toEqual(before);
  });
});
