import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { type TestDatabase, createFixtureDatabase, repoRoot } from '../helpers/db.js';

const run = promisify(execFile);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-types-'));
let db: TestDatabase;

beforeAll(async () => {
  db = await createFixtureDatabase('types');
  await db.query('CREATE TABLE public.auth_configs (provider text PRIMARY KEY, enabled boolean NOT NULL DEFAULT true, n bigint GENERATED ALWAYS AS (1) STORED NOT NULL)');
});

afterAll(async () => {
  await db?.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Type-check the generated module together with a file that uses it; returns tsc's exit code and output. */
async function typecheck(dir: string, usage: string): Promise<{ code: number; output: string }> {
  fs.writeFileSync(path.join(dir, 'use.ts'), usage);
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', types: [] }, files: ['db.ts', 'use.ts'] }),
  );
  try {
    const r = await run(process.execPath, [path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir]);
    return { code: 0, output: r.stdout };
  } catch (e) {
    const err = e as { code: number; stdout: string };
    return { code: err.code, output: err.stdout };
  }
}

const USAGE = `import type { Projects_InsertParameters, Tables, TestSessions } from './db.js';
// identity (id), generated (slug) and defaulted (status, created_at) columns may be left out on insert
export const insert: Projects_InsertParameters = { owner_id: 'u', name: 'n' };
export const table: keyof Tables = 'projects';
export const user: Tables['auth.users']['email'] = 'a@example.com';
export const status: TestSessions['status'] = 'queued';
`;

describe('pgsnap types', () => {
  it('--from-schemas: types for exactly the tables the schema files define, which type-check, and reject auth_configs', async () => {
    const dir = path.join(tmp, 'from-schemas');
    const r = await runCli(['types', '--from-schemas', 'schemas', '--out', path.join(dir, 'db.ts')]);
    expect(r.stderr).toMatch(/wrote types for 5 table\(s\)/);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const text = fs.readFileSync(path.join(dir, 'db.ts'), 'utf8');
    for (const t of ['AuthUsers', 'Profiles', 'Projects', 'TestSessions', 'ErrorLogs']) expect(text).toContain(`export interface ${t} {`);
    expect(text).toMatch(/export interface Tables \{\n {2}"auth\.users": AuthUsers;\n {2}error_logs: ErrorLogs;\n {2}profiles: Profiles;\n {2}projects: Projects;\n {2}test_sessions: TestSessions;\n\}/);
    expect(text).toMatch(/export interface Projects_InsertParameters \{[^}]*\n {2}id\?: string\n/);
    expect(text).toMatch(/export type ProjectStatus = 'active' \| 'archived' \| 'draft' \| 'paused';/);
    expect(text).not.toContain('auth_configs');
    expect(await typecheck(dir, USAGE)).toEqual({ code: 0, output: '' });
    const bad = await typecheck(dir, `${USAGE}export const config: keyof Tables = 'auth_configs';\n`);
    expect(bad.code).not.toBe(0);
    expect(bad.output).toMatch(/use\.ts\(7,\d+\): error TS2322: Type '"auth_configs"' is not assignable to type 'keyof Tables'/);
  });

  it('--url: types for the live database on stdout (auth_configs included there, its generated column optional)', async () => {
    const r = await runCli(['types', '--url', db.url, '--schema', 'public']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('export interface AuthConfigs {');
    expect(r.stdout).toMatch(/export interface AuthConfigs_InsertParameters \{[^}]*\n {2}n\?: string\n/);
    expect(r.stdout).not.toContain('AuthUsers');
    const dir = path.join(tmp, 'live');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'db.ts'), r.stdout);
    const usage = USAGE.replace(/.*auth\.users.*\n/, '') + "export const config: keyof Tables = 'auth_configs';\n";
    expect(await typecheck(dir, usage)).toEqual({ code: 0, output: '' });
  });

  it('exits 2 with one line when the schema files do not load', async () => {
    const schemas = path.join(tmp, 'broken');
    fs.mkdirSync(schemas);
    fs.writeFileSync(path.join(schemas, '001.sql'), 'CREATE TABLE a (id int);\nCREATE TABLE b (id int REFERENCES nowhere (id));\n');
    const r = await runCli(['types', '--from-schemas', schemas]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/001\.sql:2.*relation "nowhere" does not exist/);
  });
});
