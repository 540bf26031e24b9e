import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliInProcess } from '../helpers/cli.js';
import { createFixtureDatabase, type TestDatabase } from '../helpers/db.js';

/** `pgsnap restore` as a user runs it: exit codes, one JSON document on stdout, the summary on stderr. */
let db: TestDatabase;
let dir: string;

beforeAll(async () => {
  db = await createFixtureDatabase('rs_cli');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-restore-cli-'));
  const b = await cliInProcess(['backup', '--url', db.url, '--dir', dir, '--schema', 'auth', '--schema', 'public', '--quiet']);
  if (b.code !== 0) throw new Error(`backup failed: ${b.stderr}`);
});
afterAll(async () => {
  await db?.drop();
});

describe('pgsnap restore (CLI)', () => {
  it('prints one JSON document on stdout with --json, and restores what was lost', async () => {
    await db.query(`DELETE FROM public.error_logs WHERE level = 'fatal'`);
    const r = await cliInProcess(['restore', 'latest', '--dir', dir, '--url', db.url, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { committed: boolean; tables: { table: string; inserted: number; skipped: number }[] };
    expect(report.committed).toBe(true);
    expect(report.tables.find((t) => t.table === 'public.error_logs')).toMatchObject({ inserted: 167, skipped: 333 });
    expect(r.stderr).toBe('');
  });

  it('prints the per-table summary and the time on stderr, nothing on stdout', async () => {
    const r = await cliInProcess(['restore', 'latest', '--dir', dir, '--url', db.url, '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^table\s+in archive\s+would insert\s+present\s+conflicting\s+would update$/m);
    expect(r.stderr).toMatch(/^public\.error_logs\s+500\s+0\s+500\s+0\s+0$/m);
    expect(r.stderr).toMatch(/dry run: nothing was changed \(\d+\.\d s\)/);
  });

  it('[bad-input] exits 2 with one line when a table is missing and --create-missing is not given', async () => {
    await db.query(`ALTER TABLE public.error_logs RENAME TO error_logs_old`);
    try {
      const r = await cliInProcess(['restore', 'latest', '--dir', dir, '--url', db.url]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/no table public\.error_logs .*--create-missing.* — nothing was changed/);
    } finally {
      await db.query(`ALTER TABLE public.error_logs_old RENAME TO error_logs`);
    }
  });

  it('[bad-input] exits 2 with one line for a date without an archive and for a file that is not an archive', async () => {
    const noDate = await cliInProcess(['restore', '1999-01-01', '--dir', dir, '--url', db.url]);
    expect(noDate.code).toBe(2);
    expect(noDate.stderr.trim().split('\n')).toHaveLength(1);
    expect(noDate.stderr).toMatch(/no archive from 1999-01-01/);
    const bogus = path.join(dir, 'not-an-archive.zip');
    fs.writeFileSync(bogus, 'hello');
    const foreign = await cliInProcess(['restore', bogus, '--url', db.url]);
    expect(foreign.code).toBe(2);
    expect(foreign.stderr.trim().split('\n')).toHaveLength(1);
  });
});
