import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTarget } from '../../src/db/index.js';
import { checkDrift } from '../../src/drift/check.js';
import { cliInProcess } from '../helpers/cli.js';
import { type TestDatabase, adminUrl, createTestDatabase } from '../helpers/db.js';

/**
 * The one reading of the schema files, against a real server: drift applies what it read (psql syntax blanked,
 * each file with its own search_path), locates findings with it, and the code scan judges uses with the same
 * reading and the same ignore rules.
 */
let live: TestDatabase;
let dir: string;
const write = (rel: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
};

beforeAll(async () => {
  live = await createTestDatabase('scan_source');
  await live.query(`CREATE SCHEMA app; CREATE TABLE app.accounts (id int); CREATE TABLE public.notes (id int, body text);
                    CREATE SCHEMA auth; CREATE TABLE auth.users (id uuid);`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-source-'));
  // psql syntax pg_dump and scripts commit, and a search_path that must not leak into the next file
  write('schemas/001_app.sql', '\\restrict k3Yq9\nCREATE SCHEMA app;\nSET search_path = app;\nCREATE TABLE accounts (id int);\n\\unrestrict k3Yq9\n');
  write('schemas/002_notes.sql', '\\set ON_ERROR_STOP on\nCREATE TABLE notes (id int, body text);\n');
  write('schemas/003_auth.sql', 'CREATE SCHEMA auth;\nCREATE TABLE auth.users (id uuid);\n');
  write('src/notes.ts', "// @ts-nocheck\nexport const n = (s) => s.from('notes').select('body');\nexport const u = (s) => s.schema('auth').from('users').select('id');\nexport const a = (s) => s.schema('app').from('accounts');\n");
});

afterAll(async () => {
  await live?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('drift on the schema-files reader', () => {
  it('applies each file with its own search_path, psql lines blanked: in sync', async () => {
    const r = await checkDrift({ live: resolveTarget(live.url, {}), schemaDir: 'schemas', cwd: dir, shadow: { kind: 'url', url: adminUrl() } });
    expect(r.findings).toEqual([]);
    expect(r.schemaFiles).toEqual(['schemas/001_app.sql', 'schemas/002_notes.sql', 'schemas/003_auth.sql']);
    expect(r.source.definitions.relations.map((x) => x.object)).toEqual(['app.accounts', 'public.notes', 'auth.users']);
  });

  it('drift check --code with drift.ignore.schemas: a table used in an ignored schema is not "missing live"', async () => {
    fs.writeFileSync(path.join(dir, 'pgsnap.config.json'), JSON.stringify({ drift: { shadow: adminUrl(), ignore: { schemas: ['auth'] } } }));
    try {
      const r = await cliInProcess(['drift', 'check', '--url', live.url, '--code', 'src', '--json'], { cwd: dir });
      expect(JSON.parse(r.stdout).findings).toEqual([]);
      expect(r.code).toBe(0);
    } finally {
      fs.rmSync(path.join(dir, 'pgsnap.config.json'));
    }
  });

  it('a schema source that holds no schema file is exit 2 with one line, before any server starts', async () => {
    const r = await cliInProcess(['drift', 'check', '--url', live.url, '--schemas', 'src'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no schema files in src: it holds no \*\.sql and no \*\/migration\.sql/);
  });
});
