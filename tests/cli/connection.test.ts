import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliInProcess } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
let work: string;
beforeAll(async () => {
  db = await createTestDatabase('cliconn');
  await db.query('CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1), (2)');
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-cliconn-'));
});
afterAll(async () => {
  await db?.drop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('where the connection comes from', () => {
  it('DATABASE_URL beats the config file url; --debug says which was used', async () => {
    const cwd = fs.mkdtempSync(path.join(work, 'env-'));
    const elsewhere = new URL(db.url);
    elsewhere.pathname = '/no_such_database_here';
    fs.writeFileSync(path.join(cwd, 'pgsnap.config.json'), JSON.stringify({ url: elsewhere.toString() }));
    const r = await cliInProcess(['--debug', 'backup', '--json'], { cwd, env: { DATABASE_URL: db.url } });
    expect(r.stderr).toMatch(/connection from DATABASE_URL/);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).database).toBe(db.name);
    // and without DATABASE_URL the config file's url is used (and here fails, naming that database)
    const r2 = await cliInProcess(['backup'], { cwd });
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/no_such_database_here/);
  });

  it('--url takes a libpq key=value string; its password never reaches output', async () => {
    const u = new URL(db.url);
    const password = decodeURIComponent(u.password);
    const conninfo = `host=${u.hostname} port=${u.port} dbname=${db.name} user=${decodeURIComponent(u.username)} password='${password}'`;
    const r = await cliInProcess(['--debug', 'backup', '--url', conninfo, '--dir', work, '--json'], { cwd: work });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ database: db.name, rows: 2 });
    if (password.length >= 3) expect(r.stdout + r.stderr).not.toContain(password);
    const bad = await cliInProcess(['backup', '--url', `${conninfo} colour=blue`, '--dir', work], { cwd: work });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown connection option "colour"/);
    if (password.length >= 3) expect(bad.stderr).not.toContain(password);
  });
});
