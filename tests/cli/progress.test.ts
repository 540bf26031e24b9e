import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliInProcess } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

/** Off a terminal (cron mail, CI logs) a command prints its final summary and nothing else, unless --progress. */
let db: TestDatabase;
let target: TestDatabase;
let dir: string;
beforeAll(async () => {
  db = await createTestDatabase('cliprog');
  target = await createTestDatabase('cliprogt');
  const ddl = 'CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (id int PRIMARY KEY); CREATE TABLE c (id int PRIMARY KEY)';
  await db.query(`${ddl}; INSERT INTO a SELECT generate_series(1, 100); INSERT INTO b VALUES (1); ANALYZE`);
  await target.query(ddl);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-cliprog-'));
});
afterAll(async () => {
  await db?.drop();
  await target?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const lines = (s: string) => s.split('\n').filter((l) => l !== '');

describe('progress off a terminal', () => {
  it('backup: the summary line only; --progress adds one line per table; no escape codes either way', async () => {
    const quiet = await cliInProcess(['backup', '--url', db.url, '--dir', dir]);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(lines(quiet.stderr)).toHaveLength(1);
    expect(quiet.stderr).toMatch(/3 tables, 101 rows/);
    const asked = await cliInProcess(['backup', '--url', db.url, '--dir', dir, '--progress']);
    expect(asked.code).toBe(0);
    expect(lines(asked.stderr)).toHaveLength(4);
    expect(asked.stderr).toMatch(/^public\.a: 100 rows, /m);
    expect(quiet.stderr + asked.stderr).not.toContain('\u001b');
  });

  it('verify and restore: their report only', async () => {
    const v = await cliInProcess(['verify', 'latest', '--dir', dir]);
    expect(v.code).toBe(0);
    expect(v.stderr).not.toContain('\u001b');
    expect(lines(v.stderr)[0]).toMatch(/^verified: /);
    const r = await cliInProcess(['restore', 'latest', '--dir', dir, '--url', target.url, '--from-database', db.name]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('\u001b');
    const withProgress = await cliInProcess(['restore', 'latest', '--dir', dir, '--url', target.url, '--from-database', db.name, '--progress']);
    expect(lines(withProgress.stderr).length - lines(r.stderr).length).toBe(3);
  });
});
