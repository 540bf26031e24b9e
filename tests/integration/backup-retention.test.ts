import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
