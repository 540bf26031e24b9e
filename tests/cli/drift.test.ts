import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliInProcess, runCli } from '../helpers/cli.js';
import { type TestDatabase, adminUrl, createFixtureDatabase, repoRoot } from '../helpers/db.js';
import { e2e } from '../helpers/tier.js';

let inSync: TestDatabase;
let drifted: TestDatabase;

/** The line of the first line in a schema file containing `needle`. */
function lineOf(file: string, needle: string): number {
  return fs.readFileSync(path.join(repoRoot, file), 'utf8').split('\n').findIndex((l) => l.includes(needle)) + 1;
}

beforeAll(async () => {
  inSync = await createFixtureDatabase('drift_cli_sync');
  drifted = await createFixtureDatabase('drift_cli_drift');
  // The incident: the sign-up trigger went missing; and someone added a table by hand.
  await drifted.query(`DROP TRIGGER on_auth_user_created ON auth.users; CREATE TABLE public.scratch_notes (id int)`);
});

afterAll(async () => {
  await inSync?.drop();
  await drifted?.drop();
});

describe('pgsnap drift check (black box)', () => {
  it('exits 0 and says so when the live database matches the schema files (default embedded shadow)', async () => {
    const r = await cliInProcess(['drift', 'check', '--url', inSync.url]);
    expect(r.stdout).toBe(''); // the text report is for humans: stderr
    expect(r.code).toBe(0);
    expect(r.stderr.trim()).toBe('no drift: the live database matches 5 schema file(s) in schemas');
  });

  it('exits 1 with a text report grouped by table, with file:line, when there is drift', async () => {
    const r = await cliInProcess(['drift', 'check', '--url', drifted.url, '--shadow', adminUrl()]);
    expect(r.code).toBe(1);
    const line = lineOf('schemas/020_profiles.sql', 'CREATE TRIGGER on_auth_user_created');
    expect(r.stderr).toContain('auth.users\n  error   trigger auth.users.on_auth_user_created: defined in the schema files but missing from the live database');
    // one position format everywhere: file:line:column
    expect(r.stderr).toContain(`(schemas/020_profiles.sql:${line}:1)`);
    expect(r.stderr).toContain('public.scratch_notes\n  warning table public.scratch_notes');
    expect(r.stderr.trimEnd().split('\n').pop()).toBe('2 findings: 1 error, 1 warning');
    expect(r.stderr).not.toContain('\u001b[');
    expect(r.stdout).toBe('');
  });

  it('--json prints exactly one JSON document with findings and a summary', async () => {
    const r = await cliInProcess(['drift', 'check', '--json', '--url', drifted.url, '--shadow', adminUrl()]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.findings.map((f: { kind: string; object: string; severity: string }) => [f.kind, f.object, f.severity])).toEqual([
      ['trigger', 'auth.users.on_auth_user_created', 'error'],
      ['table', 'public.scratch_notes', 'warning'],
    ]);
    expect(doc.summary).toMatchObject({ total: 2, errors: 1, warnings: 1, schemaDir: 'schemas', schemaFiles: 5, inSync: false });
    expect(r.stderr).toContain('2 findings');
  });

  it('--format github annotates the defining line, and the schema directory for live-only objects', async () => {
    const r = await cliInProcess(['drift', 'check', '--url', drifted.url, '--shadow', adminUrl(), '--format', 'github']);
    expect(r.code).toBe(1);
    const line = lineOf('schemas/020_profiles.sql', 'CREATE TRIGGER on_auth_user_created');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^::error file=schemas/020_profiles\\.sql,line=${line}(,col=\\d+)?,title=pgsnap trigger%3A auth\\.users\\.on_auth_user_created::`));
    expect(lines[1]).toMatch(/^::warning file=schemas,title=pgsnap table%3A public\.scratch_notes::/);
  });

  it('--format sarif prints a SARIF 2.1.0 log', async () => {
    const r = await cliInProcess(['drift', 'check', '--url', drifted.url, '--shadow', adminUrl(), '--format', 'sarif']);
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout);
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0].results.map((x: { ruleId: string; level: string }) => `${x.ruleId}:${x.level}`)).toEqual(['trigger:error', 'table:warning']);
  });

  it('--code reports auth_configs (used by code, defined in no schema file) with every file:line, even when the schema is in sync', async () => {
    const r = await cliInProcess(['drift', 'check', '--url', inSync.url, '--shadow', adminUrl(), '--code', 'fixtures/app-code', '--json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    const f = doc.findings.find((x: { object: string }) => x.object === 'public.auth_configs');
    expect(f).toMatchObject({ kind: 'code.undefined-table', severity: 'error' });
    expect(f.references.length).toBeGreaterThanOrEqual(3);
    for (const ref of f.references) {
      expect(ref.file).toMatch(/^fixtures\/app-code\//);
      const text = fs.readFileSync(path.join(repoRoot, ref.file), 'utf8').split('\n')[ref.line - 1];
      expect(text).toContain('auth_configs');
    }
    expect(doc.findings.filter((x: { kind: string }) => !x.kind.startsWith('code.'))).toEqual([]);
  });

  it('[bad-input] exits 2 with file:line and PostgreSQL’s message for a broken schema file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-drift-cli-'));
    fs.mkdirSync(path.join(dir, 'schemas'));
    fs.writeFileSync(path.join(dir, 'schemas', '010_ok.sql'), 'CREATE TABLE a (id int PRIMARY KEY);\n');
    fs.writeFileSync(path.join(dir, 'schemas', '020_bad.sql'), '-- refers to a table no file creates\nCREATE VIEW b AS\n  SELECT id\n  FROM nope;\n');
    const r = await cliInProcess(['drift', 'check', '--url', inSync.url, '--shadow', adminUrl()], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^pgsnap: schemas\/020_bad\.sql:4:8: relation "nope" does not exist — fix the schema file/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('[bad-input] exits 2 for a syntax error, before starting any shadow', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-drift-cli-'));
    fs.writeFileSync(path.join(dir, '001.sql'), 'CREATE TABLE a (id int);\n\nCREATE TABEL b (id int);\n');
    const r = await cliInProcess(['drift', 'check', '--url', inSync.url, '--schemas', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/001\.sql:3:8: syntax error at or near "TABEL"/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('exits 2 for an unknown --profile, before connecting anywhere', async () => {
    const r = await cliInProcess(['drift', 'check', '--url', 'postgres://u@127.0.0.1:1/x', '--profile', 'heroku']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^pgsnap: unknown --profile "heroku" — known profiles: supabase/);
  });

  it('[bad-input] exits 2 when the live database is unreachable, without the password', async () => {
    const r = await cliInProcess(['drift', 'check', '--url', 'postgres://u:hunter2@127.0.0.1:1/x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/connection refused/);
    expect(r.stderr + r.stdout).not.toContain('hunter2');
  });

  // DOCKER_HOST is read by testcontainers from the process environment: a child process
  e2e('[bad-input] exits 2 with a clear message when --shadow docker finds no Docker engine', async () => {
    const r = await runCli(['drift', 'check', '--url', inSync.url, '--shadow', 'docker'], {
      env: { DOCKER_HOST: 'tcp://127.0.0.1:1' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--shadow docker: no Docker engine answered/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--fail-on error lets warnings pass; --ignore-kind on the command line leaves a kind out', async () => {
    // drifted: a missing trigger (error) and a hand-made table (warning); leave the trigger out
    const base = ['drift', 'check', '--url', drifted.url, '--shadow', adminUrl(), '--ignore-kind', 'trigger', '--json'];
    const warnings = await cliInProcess(base);
    expect(warnings.code).toBe(1);
    const findings = JSON.parse(warnings.stdout).findings as { severity: string; kind: string }[];
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.every((f) => f.severity === 'warning' && f.kind !== 'trigger')).toBe(true);
    const passing = await cliInProcess([...base, '--fail-on', 'error']);
    expect(passing.code).toBe(0);
    expect(JSON.parse(passing.stdout).findings).toEqual(JSON.parse(warnings.stdout).findings);
    const bad = await cliInProcess([...base, '--fail-on', 'note']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--fail-on must be one of error, warning/);
  });
});
