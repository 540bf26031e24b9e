import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliInProcess } from '../helpers/cli.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-scan-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('pgsnap scan', () => {
  it('exits 1 and names auth_configs with file:line for every place the fixture app uses it', async () => {
    const r = await cliInProcess(['scan', 'fixtures/app-code']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(''); // the text report is for humans: stderr
    expect(r.stderr).toMatch(/error\s+code\.undefined-table public\.auth_configs: .*no schema file defines it/);
    for (const loc of ['fixtures/app-code/src/auth/providers.ts:12:', 'fixtures/app-code/src/sessions/runner.ts:22:', 'fixtures/app-code/sql/dashboard.sql:8:']) {
      expect(r.stderr).toContain(loc);
    }
    expect(r.stderr).not.toMatch(/avatars|documents|recent|failing|generate_series|your/);
    expect(r.stderr).toMatch(/scanned 14 files/);
  });

  it('--json prints one document: findings, summary, and every table with its references and verdict', async () => {
    const r = await cliInProcess(['scan', 'fixtures/app-code', '--json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as {
      findings: { kind: string; object: string; severity: string; references: { file: string; line: number; column: number }[] }[];
      summary: { errors: number; files: number; tables: number };
      tables: { object: string; verdict: string; definedInSchemaFiles: boolean; live: null; references: { file: string; line: number; via: string }[] }[];
      functions: { object: string; verdict: string }[];
    };
    expect(doc.summary).toMatchObject({ errors: 1, files: 14, tables: 7 });
    expect(doc.findings).toHaveLength(1);
    expect(doc.findings[0]).toMatchObject({ kind: 'code.undefined-table', object: 'public.auth_configs', severity: 'error' });
    expect(doc.findings[0]?.references).toHaveLength(9);
    const auth = doc.tables.find((t) => t.object === 'public.auth_configs');
    expect(auth).toMatchObject({ verdict: 'undefined', definedInSchemaFiles: false, live: null });
    expect(auth?.references.map((x) => x.via)).toContain('pgTable()');
    expect(doc.tables.find((t) => t.object === 'public.projects')?.verdict).toBe('ok');
    expect(doc.functions).toEqual([expect.objectContaining({ object: 'auth.uid', verdict: 'ok' })]);
  });

  it('exits 0 when everything the code uses is defined', async () => {
    const dir = path.join(tmp, 'clean');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'app.ts'), "export const list = () => supabase.from('projects').select('id, name');\n");
    const r = await cliInProcess(['scan', dir]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/all 1 table and 0 functions the code uses are defined in schemas/);
  });

  it('[bad-input] exits 2 with one line for a path that does not exist and for a schema file that does not parse', async () => {
    const missing = await cliInProcess(['scan', 'no/such/dir']);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toEqual(['pgsnap: no such file or directory: no/such/dir — pass the folders that hold your application code']);
    const schemas = path.join(tmp, 'schemas');
    fs.mkdirSync(schemas);
    fs.writeFileSync(path.join(schemas, '001.sql'), 'CREATE TABLE ok (id int);\nCREATE TABEL broken (id int);\n');
    const broken = await cliInProcess(['scan', 'fixtures/app-code', '--schemas', schemas, '--json']);
    expect(broken.code).toBe(2);
    // --json: the failure is a JSON document on stdout too, so a script piping to jq still gets JSON
    expect(JSON.parse(broken.stdout)).toMatchObject({ error: { code: 'schema_file', message: expect.stringMatching(/001\.sql:2:8: syntax error/) } });
    expect(broken.stderr.trim().split('\n')).toHaveLength(1);
    expect(broken.stderr).toMatch(/001\.sql:2:8: syntax error at or near "TABEL"/);
  });

  it('--format github prints workflow annotations at the code locations', async () => {
    const r = await cliInProcess(['scan', 'fixtures/app-code', '--format', 'github']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^::error file=fixtures\/app-code\/sql\/dashboard\.sql,line=8,col=31,.*public\.auth_configs/m);
  });
});
