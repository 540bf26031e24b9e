import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTarget } from '../../src/db/index.js';
import { checkDrift } from '../../src/drift/check.js';
import { type TestDatabase, adminQuery, adminUrl, createFixtureDatabase, repoRoot } from '../helpers/db.js';
import { e2e } from '../helpers/tier.js';

let live: TestDatabase;

beforeAll(async () => {
  live = await createFixtureDatabase('drift_sync');
});

afterAll(async () => {
  await live?.drop();
});

describe('drift check on the fixture app', () => {
  it('finds nothing when the live database was built from the schema files (embedded shadow)', async () => {
    const r = await checkDrift({ live: resolveTarget(live.url, {}), schemaDir: 'schemas', cwd: repoRoot, shadow: { kind: 'embedded' } });
    expect(r.findings).toEqual([]);
    expect(r.schemaFiles).toHaveLength(5);
    expect(r.shadow).toMatch(/^embedded PostgreSQL \d+$/);
  });

  it('finds nothing with a temporary shadow database on a server URL', async () => {
    const r = await checkDrift({ live: resolveTarget(live.url, {}), schemaDir: 'schemas', cwd: repoRoot, shadow: { kind: 'url', url: adminUrl() } });
    expect(r.findings).toEqual([]);
    const name = /^temporary database (pgsnap_shadow_[0-9a-f]+)$/.exec(r.shadow)?.[1];
    expect(name).toBeDefined();
    expect(await adminQuery(`SELECT 1 FROM pg_database WHERE datname = $1`, [name])).toEqual([]);
  });
});

describe('an interrupted drift check', () => {
  e2e('drops its temporary shadow database on SIGTERM and exits 2', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-drift-int-'));
    fs.writeFileSync(path.join(dir, '001.sql'), 'CREATE TABLE a (id int);\nSELECT pg_sleep(30);\n');
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'pgsnap.js'), 'drift', 'check', '--debug', '--url', live.url, '--schemas', dir, '--shadow', adminUrl()], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const sleeping = new Promise<void>((resolve) => {
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        if (stderr.includes('pg_sleep(30)')) resolve();
      });
    });
    await sleeping;
    const name = /CREATE DATABASE "(pgsnap_shadow_[0-9a-f]+)"/.exec(stderr)?.[1];
    expect(name).toBeDefined();
    expect(await adminQuery(`SELECT 1 FROM pg_database WHERE datname = $1`, [name])).toHaveLength(1);
    child.kill('SIGTERM');
    expect(await closed).toBe(2);
    expect(stderr).toMatch(/interrupted by SIG[A-Z]+: nothing was changed \(drift check only reads the live database/);
    expect(await adminQuery(`SELECT 1 FROM pg_database WHERE datname = $1`, [name])).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
