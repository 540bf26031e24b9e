import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTarget } from '../../src/db/index.js';
import { checkDrift } from '../../src/drift/check.js';
import { planDrift } from '../../src/drift/plan-run.js';
import { type TestDatabase, adminQuery, adminUrl, createTestDatabase } from '../helpers/db.js';

/**
 * Extension versions against a real server: the live database runs citext at a version other than the server's
 * default. Schema files that pin a version are compared with it; files that do not pin one are not (the shadow
 * installs its own default, which says nothing about the live database).
 */
let live: TestDatabase;
let dir: string;
let older: string;
let newest: string;

beforeAll(async () => {
  // the installable versions of citext on this server, oldest first; the test needs two
  const versions = (await adminQuery<{ version: string }>(`SELECT version FROM pg_available_extension_versions WHERE name = 'citext'`)).map((r) => r.version);
  versions.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  older = versions[versions.length - 2] as string;
  newest = versions[versions.length - 1] as string;
  live = await createTestDatabase('drift_ext_version');
  await live.query(`CREATE EXTENSION citext VERSION '${older}'`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-ext-version-'));
});
afterAll(async () => {
  await live?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function schemaFiles(name: string, sql: string): string {
  const d = path.join(dir, name);
  fs.mkdirSync(d);
  fs.writeFileSync(path.join(d, '001_ext.sql'), sql);
  return d;
}

const check = (schemaDir: string) => checkDrift({ live: resolveTarget(live.url, {}), schemaDir, cwd: dir, shadow: { kind: 'url', url: adminUrl() } });

describe('drift check: extension versions', () => {
  it('reports a live version other than the one the schema files pin, with both definitions', async () => {
    expect(older).not.toBe(newest);
    const r = await check(schemaFiles('pinned', `CREATE EXTENSION citext VERSION '${newest}';\n`));
    const found = r.findings.filter((f) => f.object === 'citext');
    expect(found.map((f) => f.kind)).toEqual(['extension.version']);
    const d = r.differences.find((x) => x.kind === 'extension.version');
    expect(d?.desired).toContain(`VERSION '${newest}'`);
    expect(d?.actual).toContain(`VERSION '${older}'`);
  });

  it('is in sync when the pin is the live version, and when the files pin none', async () => {
    expect((await check(schemaFiles('same', `CREATE EXTENSION citext VERSION '${older}';\n`))).findings).toEqual([]);
    expect((await check(schemaFiles('unpinned', 'CREATE EXTENSION citext;\n'))).findings).toEqual([]);
    // a later ALTER EXTENSION … UPDATE TO is where the files leave it
    const updated = schemaFiles('updated', `CREATE EXTENSION citext VERSION '${older}';\nALTER EXTENSION citext UPDATE TO '${newest}';\n`);
    expect((await check(updated)).findings.map((f) => f.kind)).toEqual(['extension.version']);
  });

  it('drift plan repairs it with ALTER EXTENSION … UPDATE TO', async () => {
    const r = await planDrift({
      live: resolveTarget(live.url, {}),
      schemaDir: schemaFiles('plan', `CREATE EXTENSION citext VERSION '${newest}';\n`),
      cwd: dir,
      shadow: { kind: 'url', url: adminUrl() },
    });
    expect(r.plan.statements.map((s) => s.sql)).toEqual([`ALTER EXTENSION "citext" UPDATE TO '${newest}';`]);
  });
});
