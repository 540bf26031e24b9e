import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliInProcess } from '../helpers/cli.js';
import { createFixtureDatabase, createTestDatabase, type TestDatabase } from '../helpers/db.js';

let app: TestDatabase;
let work: string;

beforeAll(async () => {
  app = await createFixtureDatabase('clibk');
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-clibk-'));
});

afterAll(async () => {
  await app?.drop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const zips = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.zip'));

describe('pgsnap backup (CLI)', () => {
  it('--json prints one document on stdout; the per-table lines (--progress) go to stderr', async () => {
    const dir = path.join(work, 'json');
    const r = await cliInProcess(['backup', '--url', app.url, '--dir', dir, '--json', '--progress']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(doc).sort()).toEqual(['archive', 'bytes', 'comparedWith', 'database', 'rows', 'seconds', 'shrunk', 'skipped', 'snapshotId', 'tables']);
    expect(doc).toMatchObject({ database: app.name, tables: 5, rows: 890 });
    expect(fs.statSync(doc.archive as string).size).toBe(doc.bytes);
    expect(r.stderr).toMatch(/^public\.error_logs: 500 rows, .* KB, \d+\.\d s$/m);
    expect(r.stdout).not.toContain('error_logs:');
  });

  it('--quiet prints nothing on success; the summary line names the archive otherwise', async () => {
    const dir = path.join(work, 'quiet');
    const q = await cliInProcess(['backup', '--url', app.url, '--dir', dir, '--quiet']);
    expect([q.code, q.stdout, q.stderr]).toEqual([0, '', '']);
    const loud = await cliInProcess(['backup', '--url', app.url, '--dir', dir, '--schema', 'auth', '--table', 'public.profiles']);
    expect(loud.code).toBe(0);
    expect(loud.stderr).toMatch(/\.zip: 2 tables, 50 rows, .* in \d+\.\d s$/m);
    expect(zips(dir)).toHaveLength(2);
  });

  it('[bad-input] exits 2 with one line for a pattern that matches nothing and for a malformed pattern', async () => {
    const dir = path.join(work, 'usage');
    for (const args of [
      ['--table', 'no_such_table'],
      ['--table', 'a.b.c'],
    ]) {
      const r = await cliInProcess(['backup', '--url', app.url, '--dir', dir, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
    expect(fs.existsSync(dir) ? zips(dir) : []).toEqual([]);
  });

  it('--verify reads the new archive back before reporting success', async () => {
    const dir = path.join(work, 'verify');
    const r = await cliInProcess(['backup', '--url', app.url, '--dir', dir, '--verify', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ verified: true, problems: [], rows: 890 });
    const text = await cliInProcess(['backup', '--url', app.url, '--dir', dir, '--verify']);
    expect(text.code).toBe(0);
    expect(text.stderr).toMatch(/verified: every entry and row of .*\.zip reads back as written/);
  });
});

describe('pgsnap list and prune (CLI)', () => {
  const dir = () => path.join(work, 'listing');
  const names = ['app-2025-07-01T03-00-00-000Z.zip', 'app-2025-07-02T03-00-00-000Z.zip', 'app-2025-07-02T15-00-00-000Z.zip'];

  beforeAll(async () => {
    const r = await cliInProcess(['backup', '--url', app.url, '--dir', dir(), '--json']);
    const real = (JSON.parse(r.stdout) as { archive: string }).archive;
    for (const n of names) fs.copyFileSync(real, path.join(dir(), n));
    fs.writeFileSync(path.join(dir(), 'app-2025-06-30T03-00-00-000Z.zip'), 'not a zip');
  });

  it('list --json gives date, size, tables and rows per archive, oldest first, and flags unreadable ones', async () => {
    const r = await cliInProcess(['list', '--dir', dir(), '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { archives: { file: string; tables: number | null; rows: number | null; bytes: number; error?: string }[] };
    expect(doc.archives.map((a) => a.file).slice(0, 4)).toEqual(['app-2025-06-30T03-00-00-000Z.zip', ...names]);
    expect(doc.archives).toHaveLength(5);
    expect(doc.archives[0]).toMatchObject({ tables: null, rows: null });
    expect(doc.archives[0]?.error).toMatch(/not a pgsnap archive/);
    expect(doc.archives[1]).toMatchObject({ tables: 5, rows: 890 });
  });

  it('list prints a table on stdout', async () => {
    const r = await cliInProcess(['list', '--dir', dir()]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^taken \(UTC\)\s+size\s+tables\s+rows\s+file$/);
    expect(r.stdout).toMatch(/2025-07-02 15:00:00Z\s+\S+ KB\s+5\s+890\s+app-2025-07-02T15-00-00-000Z\.zip/);
  });

  it('prune refuses without a rule, dry-runs, then deletes by the rules', async () => {
    const none = await cliInProcess(['prune', '--dir', dir()]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/at least one keep rule/);
    const dry = await cliInProcess(['prune', '--dir', dir(), '--keep-daily', '2', '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    const plan = JSON.parse(dry.stdout) as { remove: { file: string }[]; keep: { file: string }[] };
    // rules apply per database (the copies are named "app", the real archive by its own database); the unreadable
    // file is reported, never counted or removed
    expect(plan.remove.map((x) => x.file)).toEqual(['app-2025-07-02T03-00-00-000Z.zip']);
    expect(fs.readdirSync(dir())).toHaveLength(5);
    const real = await cliInProcess(['prune', '--dir', dir(), '--keep-last', '2']);
    expect(real.code).toBe(0);
    expect(real.stderr).toMatch(/removed 1 of 4 archives/);
    expect(real.stderr).toMatch(/app-2025-06-30T03-00-00-000Z\.zip is not a readable pgsnap archive/);
    expect(zips(dir())).toHaveLength(4);
  });

  it('[bad-input] list on a missing directory exits 2 with a hint', async () => {
    const r = await cliInProcess(['list', '--dir', path.join(work, 'nowhere')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/does not exist — pass --dir/);
  });
});

describe('backup --lock-wait-timeout', () => {
  it('fails within the timeout with one line naming the locked table, and writes nothing', async () => {
    const db = await createTestDatabase('clilock');
    const holder = new pg.Client({ connectionString: db.url });
    try {
      await db.query('CREATE TABLE free (id int); CREATE TABLE "held table" (id int)');
      await holder.connect();
      await holder.query('BEGIN; LOCK TABLE "held table" IN ACCESS EXCLUSIVE MODE');
      const dir = fs.mkdtempSync(path.join(work, 'lock-'));
      const t0 = Date.now();
      const r = await cliInProcess(['backup', '--url', db.url, '--dir', dir, '--lock-wait-timeout', '1']);
      expect(r.code).toBe(2);
      expect(Date.now() - t0).toBeLessThan(15_000);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/could not lock public\."held table" within 1 s \(--lock-wait-timeout\)/);
      expect(fs.readdirSync(dir)).toEqual([]);
      const bad = await cliInProcess(['backup', '--url', db.url, '--dir', dir, '--lock-wait-timeout', '0']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--lock-wait-timeout must be a whole number ≥ 1/);
    } finally {
      await holder.end().catch(() => {});
      await db.drop();
    }
  });
});
