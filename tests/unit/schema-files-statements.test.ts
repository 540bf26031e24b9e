import { describe, expect, it } from 'vitest';
import { errorPosition } from '../../src/drift/apply.js';
import { codePointToIndex, lineIndex } from '../../src/position.js';
import { locate } from '../../src/schema-files/definitions.js';
import { schemaSourceOf } from '../../src/schema-files/source.js';
import { parseSchemaFile } from '../../src/schema-files/statements.js';

const splitStatements = async (text: string, file: string) => parseSchemaFile(text, file).statements;
const indexOf = (text: string, file: string) => schemaSourceOf([{ file, text }]).definitions;

const FILE = `-- header comment
CREATE SCHEMA IF NOT EXISTS auth;

CREATE TABLE auth.users (
  id uuid PRIMARY KEY,
  email text NOT NULL CONSTRAINT users_email_key UNIQUE
);

/* a block comment */
CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now(); -- a semicolon; inside the body
  RETURN NEW;
END
$$;

CREATE TABLE projects (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text);
ALTER TABLE projects ADD COLUMN status text, ADD CONSTRAINT projects_name_check CHECK (name <> '');
CREATE INDEX idx_projects_name ON projects (name);
CREATE TRIGGER projects_touch BEFORE UPDATE ON public.projects FOR EACH ROW EXECUTE FUNCTION public.touch();
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY projects_all ON projects USING (true);
CREATE TYPE public.status AS ENUM ('a', 'b');
CREATE VIEW v AS SELECT 'é' AS x;
`;

describe('splitting schema files', () => {
  it('splits on real statement boundaries and reports the line each statement starts on', async () => {
    const st = await splitStatements(FILE, 'schemas/010.sql');
    expect(st.map((s) => s.line)).toEqual([2, 4, 10, 17, 18, 19, 20, 21, 22, 23, 24]);
    expect(st[2]?.sql).toMatch(/^CREATE FUNCTION public\.touch\(\)[\s\S]*END\n\$\$$/);
    expect(st[1]?.sql.startsWith('CREATE TABLE auth.users')).toBe(true);
    expect(st.every((s) => s.file === 'schemas/010.sql')).toBe(true);
  });

  it('turns a syntax error into file:line', async () => {
    await expect(splitStatements('SELECT 1;\n\nCREATE TABEL x (a int);\n', 'schemas/020.sql')).rejects.toThrow(
      /^schemas\/020\.sql:3:8: syntax error at or near "TABEL"/,
    );
  });

  it('maps PostgreSQL error positions (characters) to file lines, also inside function bodies', async () => {
    const [, table] = await splitStatements(FILE, 'f.sql');
    const pos = table!.sql.indexOf('email') + 1;
    expect(errorPosition(table!, { position: pos })).toEqual({ line: 6, column: 3 });
    expect(errorPosition(table!, {})).toEqual({ line: 4, column: 1 });
    const [, , fn] = await splitStatements(FILE, 'f.sql');
    const body = '\nBEGIN\n  NEW.updated_at := now(); -- a semicolon; inside the body\n  RETURN NEW;\nEND\n';
    expect(errorPosition(fn!, { internalQuery: body, internalPosition: body.indexOf('RETURN') + 1 })).toEqual({ line: 13, column: 3 });
  });

  it('counts characters, not UTF-16 units, like PostgreSQL', () => {
    const text = '😀\nx';
    expect(lineIndex(text).at(codePointToIndex(text, 3))).toEqual({ line: 2, column: 1 });
  });
});

describe('definition index', () => {
  it('knows where tables, columns, constraints, indexes, triggers, policies, functions and types are defined', async () => {
    const index = indexOf(FILE, 'schemas/010.sql');
    const line = (o: string) => locate(index, o)?.line;
    expect(line('auth.users')).toBe(4);
    expect(line('auth.users.email')).toBe(6);
    expect(line('auth.users.users_email_key')).toBe(6);
    expect(line('public.projects')).toBe(17);
    expect(line('public.projects.status')).toBe(18);
    expect(line('public.projects.projects_name_check')).toBe(18);
    expect(line('public.idx_projects_name')).toBe(19);
    expect(line('public.projects.projects_touch')).toBe(20);
    expect(line('public.projects.projects_all')).toBe(22);
    expect(line('public.touch()')).toBe(10);
    expect(line('public.status')).toBe(23);
    expect(line('public.v')).toBe(24);
    // Unknown sub-objects fall back to their table; unknown objects have no location.
    expect(line('public.projects.no_such_column')).toBe(17);
    expect(locate(index, 'public.nowhere')).toBeUndefined();
  });
});

describe('aspects set by ALTER TABLE', () => {
  it('points rls and trigger state at the statement that set them', async () => {
    const sql = 'CREATE TABLE t (a int);\nCREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();\nALTER TABLE t ENABLE ROW LEVEL SECURITY;\nALTER TABLE t DISABLE TRIGGER tr;\n';
    const index = indexOf(sql, 'x.sql');
    expect(locate(index, 'public.t', 'rls')?.line).toBe(3);
    expect(locate(index, 'public.t', 'rls.forced')?.line).toBe(1);
    expect(locate(index, 'public.t.tr', 'trigger.enabled')?.line).toBe(4);
    expect(locate(index, 'public.t.tr', 'trigger')?.line).toBe(2);
  });
});

describe('batching statements', () => {
  it('keeps statements that cannot run in a transaction alone and ends a batch after ALTER TYPE … ADD VALUE', async () => {
    const { batches } = await import('../../src/drift/apply.js');
    const st = await splitStatements(
      "CREATE TABLE a (x int);\nCREATE TYPE e AS ENUM ('a');\nALTER TYPE e ADD VALUE 'b';\nCREATE TABLE b (y e DEFAULT 'b');\nCREATE INDEX CONCURRENTLY ai ON a (x);\nCREATE TABLE c (z int);\nVACUUM a;\nCREATE TABLE d (w int);\n",
      'x.sql',
    );
    expect(batches(st, 200).map((b) => b.map((s) => s.line))).toEqual([[1, 2, 3], [4], [5], [6], [7], [8]]);
    expect(batches(st, 2).map((b) => b.length)).toEqual([2, 1, 1, 1, 1, 1, 1]);
  });
});
