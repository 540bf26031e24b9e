import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRelation, locate } from '../../src/schema-files/definitions.js';
import { readSchemaSource, schemaSourceOf } from '../../src/schema-files/source.js';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const defs = (text: string, file = 'schemas/001.sql') => schemaSourceOf([{ file, text }]).definitions;

describe('readSchemaSource', () => {
  it('reads the fixture application: every object with the file and line that creates it', async () => {
    const source = readSchemaSource('schemas', { cwd: repoRoot });
    const d = source.definitions;
    expect(source.files).toEqual(['schemas/001_extensions.sql', 'schemas/010_auth.sql', 'schemas/020_profiles.sql', 'schemas/030_projects.sql', 'schemas/040_sessions.sql']);
    expect(d.relations.map((r) => `${r.kind} ${r.object}`)).toEqual([
      'table auth.users', 'table public.profiles', 'table public.projects', 'table public.test_sessions', 'table public.error_logs', 'view public.project_summaries',
    ]);
    expect(locate(d, 'public.projects')).toEqual({ file: 'schemas/030_projects.sql', line: 3, column: 14 });
    expect(locate(d, 'public.test_sessions.status')?.line).toBe(6);
    expect(locate(d, 'auth.users.on_auth_user_created')).toMatchObject({ file: 'schemas/020_profiles.sql', line: 21 });
    expect(locate(d, 'public.projects.projects_owner_all')).toMatchObject({ file: 'schemas/030_projects.sql', line: 24 });
    expect(locate(d, 'public.idx_projects_status')).toMatchObject({ file: 'schemas/030_projects.sql', line: 15 });
    expect(locate(d, 'auth.uid')).toMatchObject({ file: 'schemas/010_auth.sql', line: 15 });
    expect(locate(d, 'public.project_status')).toMatchObject({ line: 1 });
    expect(locate(d, 'citext', 'extension')).toMatchObject({ file: 'schemas/001_extensions.sql', line: 2 });
    expect(findRelation(d, 'public', 'projects')?.columns).toEqual(['id', 'owner_id', 'name', 'slug', 'status', 'metadata', 'created_at', 'updated_at']);
    expect(findRelation(d, 'public', 'project_summaries')?.columns).toBeNull();
  });

  it('says which folder is missing', () => {
    expect(() => readSchemaSource('no-such-folder', { cwd: repoRoot })).toThrow(/schema source not found: no-such-folder/);
  });
});

describe('what the schema files define', () => {
  it('follows renames, added and dropped columns, and dropped tables', () => {
    const d = defs(`CREATE TABLE a (x int, y int);
ALTER TABLE a RENAME TO b;
ALTER TABLE b RENAME COLUMN x TO z;
ALTER TABLE b ADD COLUMN w text, DROP COLUMN y;
CREATE TABLE gone (id int);
CREATE INDEX gone_idx ON gone (id);
DROP TABLE gone;
CREATE VIEW v AS SELECT 1;
DROP VIEW v;`);
    expect(d.relations.map((r) => [r.object, r.columns])).toEqual([['public.b', ['z', 'w']]]);
    expect(d.objects.map((o) => o.object)).toEqual(['public.b', 'public.b.z', 'public.b.w', 'public.gone_idx']);
    expect(locate(d, 'public.b')).toMatchObject({ line: 1 });
  });

  it('creates unqualified objects in the first schema of search_path, and in CREATE SCHEMA … CREATE TABLE', () => {
    const d = defs(`SET search_path = app, public;
CREATE TABLE t (id int);
CREATE SCHEMA billing CREATE TABLE invoices (id int);
ALTER TABLE app.t SET SCHEMA archive;`);
    expect(d.relations.map((r) => r.object)).toEqual(['archive.t', 'billing.invoices']);
  });

  it('resets search_path for every file and reads files in the order given', () => {
    const d = schemaSourceOf([
      { file: 'a.sql', text: "SELECT set_config('x', '1', false);\nSET search_path = other;\nCREATE TABLE t1 (id int);" },
      { file: 'b.sql', text: '\n\n-- a comment\n\nCREATE TABLE t2 (id int);' },
    ]).definitions;
    expect(d.relations.map((r) => `${r.object} ${r.file}:${r.line}`)).toEqual(['other.t1 a.sql:3', 'public.t2 b.sql:5']);
  });

  it('knows when it cannot know the columns: views, LIKE, OF type, CREATE TABLE AS; inherits parents', () => {
    const d = defs(`CREATE TABLE parent (id int, at timestamptz) PARTITION BY RANGE (at);
CREATE TABLE child PARTITION OF parent FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
CREATE TABLE copy (LIKE parent);
CREATE TABLE snap AS SELECT * FROM parent;
CREATE MATERIALIZED VIEW mv AS SELECT 1 AS one;`);
    expect(Object.fromEntries(d.relations.map((r) => [r.object, r.columns]))).toEqual({
      'public.parent': ['id', 'at'],
      'public.child': ['id', 'at'],
      'public.copy': null,
      'public.snap': null,
      'public.mv': null,
    });
    expect(d.relations.find((r) => r.name === 'mv')?.kind).toBe('materialized view');
  });

  it('points at the file, line and column of a syntax error', () => {
    expect(() => defs('CREATE TABLE ok (id int);\n\nCREATE TABEL nope (id int);', 'schemas/bad.sql')).toThrow('schemas/bad.sql:3:8: syntax error at or near "TABEL"');
  });

  it('counts lines in characters, not bytes, after non-ASCII comments', () => {
    const d = defs("-- Überblick über die Tabellen 😀\nCOMMENT ON SCHEMA public IS 'ä';\nCREATE TABLE ü (id int);");
    expect(locate(d, 'public.ü')).toEqual({ file: 'schemas/001.sql', line: 3, column: 14 });
  });
});
