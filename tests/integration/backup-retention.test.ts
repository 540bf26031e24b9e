import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveFileName } from '../../src/archive/naming.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { pgsnap, tempDir } from './restore-helpers.js';

/** `latest` and dates per database in a shared directory. */
let alpha: TestDatabase;
let beta: TestDatabase;
let empty: TestDatabase;
let dir: string;

async function backup(db: TestDatabase): Promise<string> {
  const r = await pgsnap(['backup', '--url', db.url, '--dir', dir, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).archive as string;
}

beforeAll(async () => {
  alpha = await createTestDatabase('bk_alpha');
  beta = await createTestDatabase('bk_beta');
  empty = await createTestDatabase('bk_gamma');
  await alpha.query('CREATE TABLE public.t (id int PRIMARY KEY, who text); INSERT INTO public.t SELECT i, $$alpha$$ FROM generate_series(1, 4) i');
  await beta.query('CREATE TABLE public.t (id int PRIMARY KEY, who text); INSERT INTO public.t SELECT i, $$beta$$ FROM generate_series(1, 2) i');
  dir = tempDir('retention');
});

afterAll(async () => {
  for (const db of [alpha, beta, empty]) await db?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('latest and dates resolve among the target database’s archives', () => {
  it('restore latest takes the target database’s newest archive, not the newest in the directory', async () => {
    await backup(alpha);
    const betaArchive = await backup(beta);
    await backup(alpha); // the newest file in the directory is alpha's
    await beta.query('DELETE FROM public.t');
    const r = await pgsnap(['restore', 'latest', '--dir', dir, '--url', beta.url, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).archive).toContain(path.basename(betaArchive));
    expect(await beta.query('SELECT DISTINCT who FROM public.t')).toEqual([{ who: 'beta' }]);
    const today = new Date().toISOString().slice(0, 10);
    const byDate = await pgsnap(['restore', today, '--dir', dir, '--url', beta.url, '--dry-run', '--json']);
    expect(byDate.code, byDate.stderr).toBe(0);
    expect(JSON.parse(byDate.stdout).archive).toContain(path.basename(betaArchive));
  });

  it('a target with no archives of its own: a clear error naming what is there; --from-database overrides', async () => {
    const r = await pgsnap(['restore', 'latest', '--dir', dir, '--url', empty.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`no archives of database ${empty.name}`);
    expect(r.stderr).toContain(alpha.name);
    expect(r.stderr).toContain(beta.name);
    const chosen = await pgsnap(['restore', 'latest', '--dir', dir, '--url', empty.url, '--from-database', beta.name, '--create-missing', '--json']);
    expect(chosen.code, chosen.stderr).toBe(0);
    expect(await empty.query('SELECT count(*)::int AS n FROM public.t')).toEqual([{ n: 2 }]);
  });

  it('verify latest in a directory of several databases asks which one; --from-database answers', async () => {
    const r = await pgsnap(['verify', 'latest', '--dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/holds archives of 2 databases .*which one\? — pass --from-database/);
    const ok = await pgsnap(['verify', 'latest', '--dir', dir, '--from-database', beta.name, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).archive).toContain(beta.name);
  });
});

describe('the shrink guard', () => {
  let shrinkDir: string;
  const archives: string[] = [];
  const run = async (...args: string[]) => {
    const r = await pgsnap(['backup', '--url', alpha.url, '--dir', shrinkDir, '--json', ...args]);
    if (r.code === 0 || r.code === 1) archives.push(JSON.parse(r.stdout).archive as string);
    return r;
  };

  beforeAll(async () => {
    shrinkDir = tempDir('shrink');
    await alpha.query('CREATE TABLE public.big (id int PRIMARY KEY); INSERT INTO public.big SELECT generate_series(1, 100)');
  });
  afterAll(() => fs.rmSync(shrinkDir, { recursive: true, force: true }));

  it('reports a table that lost more than half its rows, or went to zero, on stderr and in --json; --fail-on-shrink exits 1 and keeps the archive', async () => {
    expect((await run()).code).toBe(0);
    await alpha.query('DELETE FROM public.big WHERE id > 40');
    const lost = await run();
    expect(lost.code).toBe(0);
    expect(JSON.parse(lost.stdout).shrunk).toEqual([{ table: 'public.big', before: 100, after: 40 }]);
    expect(lost.stderr).toMatch(/warning: public\.big shrank from 100 to 40 rows since /);
    // a higher threshold: 60 % lost is not more than 70 %
    const tolerant = await run('--shrink-threshold', '70');
    expect(JSON.parse(tolerant.stdout).shrunk).toEqual([]);
    await alpha.query('DELETE FROM public.t');
    const before = fs.readdirSync(shrinkDir).length;
    const failed = await run('--fail-on-shrink');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/1 table\(s\) shrank since the previous archive: public\.t/);
    expect(JSON.parse(failed.stdout).shrunk).toEqual([{ table: 'public.t', before: 4, after: 0 }]);
    expect(fs.readdirSync(shrinkDir).length).toBe(before + 1);
  });

  it('pgsnap list marks the archives where a table shrank', async () => {
    const r = await pgsnap(['list', '--dir', shrinkDir, '--json']);
    const byFile = new Map(JSON.parse(r.stdout).archives.map((a: { file: string; shrunk: unknown[] }) => [a.file, a.shrunk]));
    expect(byFile.get(path.basename(archives[1] as string))).toEqual([{ table: 'public.big', before: 100, after: 40 }]);
    expect(byFile.get(path.basename(archives[0] as string))).toEqual([]);
    const text = await pgsnap(['list', '--dir', shrinkDir]);
    expect(text.stdout).toMatch(new RegExp(`${path.basename(archives[1] as string)}  SHRANK: public\\.big 100 → 40`));
  });

  it('prune keeps the last good archive of a wipe found two weeks later, per database, counting only readable archives', async () => {
    const dated = tempDir('dated');
    const day = 86_400_000;
    const now = Date.now();
    const at = (daysAgo: number) => new Date(now - daysAgo * day - 3_600_000);
    const good = archives[0] as string; // before the loss
    const wiped = archives[3] as string; // big and t shrunk
    for (let d = 20; d >= 15; d--) fs.copyFileSync(good, path.join(dated, archiveFileName(alpha.name, at(d))));
    for (let d = 14; d >= 0; d--) fs.copyFileSync(wiped, path.join(dated, archiveFileName(alpha.name, at(d))));
    // another database's only archive, older than all of them, and a truncated file named like alpha's newest
    const betaOnly = path.join(dated, archiveFileName(beta.name, at(30)));
    fs.copyFileSync(fs.readdirSync(dir).filter((f) => f.startsWith(beta.name)).map((f) => path.join(dir, f))[0] as string, betaOnly);
    const truncated = path.join(dated, archiveFileName(alpha.name, new Date(now - 60_000)));
    fs.writeFileSync(truncated, fs.readFileSync(wiped).subarray(0, 500));
    const lastGood = archiveFileName(alpha.name, at(15));
    try {
      const r = await pgsnap(['prune', '--dir', dated, '--keep-daily', '7', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const plan = JSON.parse(r.stdout);
      const kept = plan.keep.map((k: { file: string }) => k.file);
      expect(kept).toContain(lastGood);
      expect(plan.keep.find((k: { file: string }) => k.file === lastGood).reasons.join()).toMatch(/last before public\.big shrank 100 → 40/);
      expect(kept).toContain(path.basename(betaOnly));
      expect(kept).toHaveLength(7 + 1 + 1);
      expect(plan.unreadable.map((u: { file: string }) => u.file)).toEqual([path.basename(truncated)]);
      expect(r.stderr).toMatch(/is not a readable pgsnap archive .* not counted, not removed/);
      expect(fs.existsSync(truncated)).toBe(true);
      expect(fs.existsSync(path.join(dated, lastGood))).toBe(true);
      expect(fs.readdirSync(dated)).toHaveLength(7 + 1 + 1 + 1);
      // told that both losses were meant, prune lets the last good archive go
      const forgot = await pgsnap(['prune', '--dir', dated, '--keep-daily', '7', '--forget-shrink', 'public.big', '--forget-shrink', 't']);
      expect(forgot.code, forgot.stderr).toBe(0);
      expect(fs.existsSync(path.join(dated, lastGood))).toBe(false);
      const zero = await pgsnap(['prune', '--dir', dated, '--keep-last', '0']);
      expect(zero.code).toBe(2);
      expect(fs.readdirSync(dated)).toHaveLength(7 + 1 + 1);
    } finally {
      fs.rmSync(dated, { recursive: true, force: true });
    }
  });
});
