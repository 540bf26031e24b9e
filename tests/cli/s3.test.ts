import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtureDatabase, createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cliInProcess } from '../helpers/cli.js';
import { expectOneLine, scratchDir, spawnCli, waitFor } from '../helpers/faults.js';
import { startS3, type TestS3, useS3Env } from '../helpers/s3.js';

/**
 * `--dir s3://bucket/prefix` end to end through the real CLI, against a real S3-protocol server on loopback
 * (tests/helpers/s3.ts): backup → list → verify → restore → prune, and the faults.
 */
let s3: TestS3;
let app: TestDatabase;
let work: string;
let restoreEnv = () => {};

beforeAll(async () => {
  s3 = await startS3();
  restoreEnv = useS3Env(s3);
  app = await createFixtureDatabase('clis3');
  work = scratchDir('clis3');
});

afterAll(async () => {
  await s3?.stop();
  restoreEnv();
  await app?.drop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const listed = async (dir: string): Promise<{ file: string; rows: number | null }[]> => {
  const r = await cliInProcess(['list', '--dir', dir, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).archives;
};

describe('archives in S3-compatible storage', () => {
  it('backup → list → verify → restore through s3://, then prune by the same rules as a directory', async () => {
    const dir = `s3://${s3.bucket}/nightly/app`;
    const b = await cliInProcess(['backup', '--url', app.url, '--dir', dir, '--json']);
    expect(b.code, b.stderr).toBe(0);
    const archive = JSON.parse(b.stdout).archive as string;
    expect(archive).toMatch(new RegExp(`^s3://${s3.bucket}/nightly/app/clis3_\\w+-[\\dT-]+Z\\.zip$`));
    const [only] = await listed(dir);
    expect(only?.file).toBe(path.basename(archive));
    expect(only?.rows).toBe(25 + 25 + 40 + 300 + 500);

    const v = await cliInProcess(['verify', 'latest', '--dir', dir, '--json']);
    expect(v.code, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout).verify.rows).toBe(25 + 25 + 40 + 300 + 500);

    const target = await createTestDatabase('clis3r');
    try {
      await target.query('CREATE SCHEMA auth');
      const r = await cliInProcess(['restore', 'latest', '--from-database', app.name, '--dir', dir, '--url', target.url, '--create-missing']);
      expect(r.code, r.stderr).toBe(0);
      // latest among the target's own database's archives: there are none of it in this prefix
      expectOneLine(await cliInProcess(['restore', 'latest', '--dir', dir, '--url', target.url]), 2, /no archives of database clis3r_/);
      for (const table of ['public.projects', 'public.error_logs', 'auth.users']) {
        const [src, dst] = await Promise.all([app.query(`SELECT count(*) AS n FROM ${table}`), target.query(`SELECT count(*) AS n FROM ${table}`)]);
        expect(dst[0], table).toEqual(src[0]);
      }
    } finally {
      await target.drop();
    }

    expect((await cliInProcess(['backup', '--url', app.url, '--dir', dir])).code).toBe(0);
    const two = await listed(dir);
    expect(two).toHaveLength(2);
    const p = await cliInProcess(['prune', '--dir', dir, '--keep-last', '1']);
    expect(p.code, p.stderr).toBe(0);
    expect((await listed(dir)).map((a) => a.file)).toEqual([two[1]?.file]);
  });

  it('an encrypted backup to s3:// verifies with its identity', async () => {
    const dir = `s3://${s3.bucket}/encrypted`;
    const secret = await generateX25519Identity();
    const key = path.join(work, 'key.txt');
    fs.writeFileSync(key, `${secret}\n`);
    const b = await cliInProcess(['backup', '--url', app.url, '--dir', dir, '--encrypt-to', await identityToRecipient(secret), '--json']);
    expect(b.code, b.stderr).toBe(0);
    expect(JSON.parse(b.stdout).archive).toMatch(/\.zip\.age$/);
    const v = await cliInProcess(['verify', 'latest', '--dir', dir, '--identity', key]);
    expect(v.code, v.stderr).toBe(0);
    expectOneLine(await cliInProcess(['verify', 'latest', '--dir', dir]), 2, /is encrypted/);
  });

  it('the endpoint may come from the config file (s3.endpoint) instead of AWS_ENDPOINT_URL', async () => {
    const project = path.join(work, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'pgsnap.config.json'), JSON.stringify({ dir: `s3://${s3.bucket}/configured`, s3: { endpoint: s3.endpoint } }));
    delete process.env.AWS_ENDPOINT_URL;
    try {
      const b = await cliInProcess(['backup', '--url', app.url, '--json'], { cwd: project });
      expect(b.code, b.stderr).toBe(0);
      expect(JSON.parse(b.stdout).archive).toContain(`s3://${s3.bucket}/configured/`);
      expect((await cliInProcess(['verify', 'latest'], { cwd: project })).code).toBe(0);
      // the configured endpoint is the one used: an unreachable one is one line, not a fallback elsewhere
      fs.writeFileSync(path.join(project, 'pgsnap.config.json'), JSON.stringify({ s3: { endpoint: 'http://127.0.0.1:1' } }));
      expectOneLine(await cliInProcess(['list', '--dir', `s3://${s3.bucket}/configured`], { cwd: project }), 2, /cannot reach the storage service at 127\.0\.0\.1:1/);
    } finally {
      Object.assign(process.env, s3.env);
    }
  });

  it('[bad-input] a missing bucket and refused credentials: one line, exit 2', async () => {
    expectOneLine(await cliInProcess(['list', '--dir', 's3://no-such-bucket/app']), 2, /bucket no-such-bucket does not exist/);
    expectOneLine(await cliInProcess(['backup', '--url', app.url, '--dir', 's3://no-such-bucket/app']), 2, /bucket no-such-bucket does not exist/);
    process.env.AWS_ACCESS_KEY_ID = 'AKIANOBODY';
    process.env.AWS_SECRET_ACCESS_KEY = 'not-the-secret-123';
    try {
      const r = await cliInProcess(['verify', 'latest', '--dir', `s3://${s3.bucket}/nightly/app`]);
      expectOneLine(r, 2, /refused the credentials/);
      expect(r.stderr).not.toContain('not-the-secret-123');
    } finally {
      Object.assign(process.env, s3.env);
    }
  });

  it('[fault] the server stops mid-upload: exit 2 in one line, and nothing that looks finished remains', async () => {
    const big = await createTestDatabase('clis3big');
    try {
      await big.query(`CREATE TABLE big (id int PRIMARY KEY, pad text); INSERT INTO big SELECT i, md5(i::text) || md5((i * 7)::text) FROM generate_series(1, 800000) i`);
      const dir = `s3://${s3.bucket}/cut`;
      const run = spawnCli(['backup', '--url', big.url, '--dir', dir], s3.env);
      // the upload is under way once the server holds a part (s3rver keeps parts in its directory)
      let stderr = '';
      run.child.stderr?.on('data', (d: Buffer) => (stderr += String(d)));
      const partStored = () => fs.readdirSync(s3.directory, { recursive: true }).some((f) => /uploads.*[/\\]1$/.test(String(f)));
      await waitFor(() => partStored() || stderr.length > 0, 60_000, 'a stored part');
      await s3.stop();
      const r = await run.done;
      await s3.restart();
      expectOneLine(r, 2, /cannot reach the storage service/);
      expect(await listed(dir)).toEqual([]);
    } finally {
      await big.drop();
    }
  });
});
