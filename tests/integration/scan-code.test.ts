import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introspect } from '../../src/catalog/introspect.js';
import type { CatalogModel } from '../../src/catalog/model.js';
import { withSession } from '../../src/db/client.js';
import { checkCode } from '../../src/scan/check.js';
import { scanPaths } from '../../src/scan/walk.js';
import { type TestDatabase, createFixtureDatabase, repoRoot } from '../helpers/db.js';

/**
 * The code scan end to end, against the fixture application: its code (fixtures/app-code), its schema files
 * (schemas/) and a real database built from them. The live database also gets `auth_configs` — the incident:
 * the table exists where someone created it by hand, and nowhere else.
 */
const AUTH_CONFIG_USES = [
  'fixtures/app-code/sql/dashboard.sql:8',
  'fixtures/app-code/src/auth/providers.ts:12',
  'fixtures/app-code/src/auth/providers.ts:21',
  'fixtures/app-code/src/auth/session.ts:9',
  'fixtures/app-code/src/db/schema.ts:11',
  'fixtures/app-code/src/realtime/sessions.ts:9',
  'fixtures/app-code/src/reports/retention.ts:22',
  'fixtures/app-code/src/reports/weekly.ts:35',
  'fixtures/app-code/src/sessions/runner.ts:22',
];

let db: TestDatabase;
let live: CatalogModel;

beforeAll(async () => {
  db = await createFixtureDatabase('scan');
  await db.query(`CREATE TABLE public.auth_configs (provider text PRIMARY KEY, enabled boolean NOT NULL DEFAULT true, client_id text, settings jsonb);
                  CREATE TABLE public.legacy_exports (id int);
                  DROP TABLE public.error_logs;`);
  live = await withSession({ url: db.url, source: 'flag' }, (s) => introspect(s));
});

afterAll(async () => {
  await db?.drop();
});

describe('checkCode on the fixture application', () => {
  it('without a live database: auth_configs is the one error, with every place the code uses it', async () => {
    const r = await checkCode({ paths: ['fixtures/app-code'], schemaDir: 'schemas', live: null, config: { file: undefined }, cwd: repoRoot });
    expect(r.files).toBe(14);
    expect(r.findings.map((f) => [f.kind, f.object, f.severity])).toEqual([['code.undefined-table', 'public.auth_configs', 'error']]);
    expect(r.findings[0]?.references?.map((x) => `${x.file}:${x.line}`)).toEqual(AUTH_CONFIG_USES);
    expect(r.tables.map((t) => `${t.object} ${t.verdict}`)).toEqual([
      'auth.users ok', 'public.auth_configs undefined', 'public.error_logs ok', 'public.profiles ok', 'public.project_summaries ok', 'public.projects ok', 'public.test_sessions ok',
    ]);
    expect(r.functions.map((f) => `${f.object} ${f.verdict}`)).toEqual(['auth.uid ok']);
  });

  it('with the live database: still an error although live has it; a used table missing live; a live-only leftover', async () => {
    const r = await checkCode({ paths: ['fixtures/app-code'], schemaDir: 'schemas', live, config: { file: undefined }, cwd: repoRoot });
    const by = Object.fromEntries(r.findings.map((f) => [f.object, f]));
    expect(by['public.auth_configs']).toMatchObject({ kind: 'code.undefined-table', severity: 'error' });
    expect(by['public.auth_configs']?.message).toMatch(/the live database has it/);
    expect(by['public.error_logs']).toMatchObject({ kind: 'code.missing-live-table', severity: 'error', location: { file: 'schemas/040_sessions.sql', line: 16 } });
    expect(by['public.error_logs']?.references?.length).toBe(3);
    expect(by['public.legacy_exports']).toMatchObject({ kind: 'code.unused-live-table', severity: 'warning' });
    expect(Object.keys(by).sort()).toEqual(['public.auth_configs', 'public.error_logs', 'public.legacy_exports']);
    expect(r.tables.find((t) => t.object === 'public.projects')).toMatchObject({ verdict: 'ok', live: true, definedInSchemaFiles: true });
  });

  it('honours scan.exclude globs and scan.calls patterns from the config', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-scan-'));
    try {
      fs.mkdirSync(path.join(dir, 'src', 'generated'), { recursive: true });
      fs.mkdirSync(path.join(dir, 'node_modules', 'lib'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'src', 'repo.ts'), "export const rows = () => orm.table('auth_configs').all();\nexport const t = (x: Db) => x.from('projects');\n");
      fs.writeFileSync(path.join(dir, 'src', 'repo.test.ts'), "supabase.from('test_only_table');\n");
      fs.writeFileSync(path.join(dir, 'src', 'generated', 'client.ts'), "supabase.from('generated_table');\n");
      fs.writeFileSync(path.join(dir, 'node_modules', 'lib', 'index.js'), "supabase.from('vendored_table');\n");
      const config = { file: undefined, scan: { exclude: ['*.test.ts', 'src/generated'], calls: ['orm.table'] } };
      const r = await checkCode({ paths: ['.'], schemaDir: path.join(repoRoot, 'schemas'), config, cwd: dir });
      expect(r.files).toBe(1);
      expect(r.tables.map((t) => `${t.object} ${t.verdict} ${t.references.map((x) => `${x.file}:${x.line} ${x.via}`).join()}`)).toEqual([
        'public.auth_configs undefined src/repo.ts:1 orm.table()',
        'public.projects ok src/repo.ts:2 .from()',
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('scanPaths says which path does not exist', async () => {
    await expect(scanPaths(['no/such/dir'], { cwd: repoRoot })).rejects.toThrow('no such file or directory: no/such/dir');
  });
});
