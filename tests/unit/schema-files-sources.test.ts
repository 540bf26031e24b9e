import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findRelation, locate } from '../../src/schema-files/definitions.js';
import { withoutPsqlSyntax } from '../../src/schema-files/psql.js';
import { readSchemaSource, schemaSourceOf } from '../../src/schema-files/source.js';

/** The schema sources people commit: pg_dump output, psql scripts, graphile-migrate, Prisma, Supabase, a root file. */
let dir: string;
const write = (rel: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
};

afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});
const fresh = () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-sources-'));
};

describe('psql syntax in schema files', () => {
  it('reads pg_dump output of current minors (\\restrict / \\unrestrict) with positions unchanged', () => {
    const dump = `--\n-- PostgreSQL database dump\n--\n\n\\restrict 3fQk9aZ0fQk9aZ0fQk9aZ0\n\nSET statement_timeout = 0;\nSELECT pg_catalog.set_config('search_path', '', false);\n\nCREATE TABLE public.accounts (\n    id bigint NOT NULL,\n    email text\n);\n\n\\unrestrict 3fQk9aZ0fQk9aZ0fQk9aZ0\n`;
    const s = schemaSourceOf([{ file: 'dump.sql', text: dump }]);
    expect(locate(s.definitions, 'public.accounts')).toEqual({ file: 'dump.sql', line: 10, column: 14 });
    expect(locate(s.definitions, 'public.accounts.email')).toEqual({ file: 'dump.sql', line: 12, column: 5 });
    expect(s.statements.map((st) => st.sql).join('\n')).not.toContain('restrict');
  });

  it('accepts psql variables (graphile-migrate placeholders) and meta-commands, and leaves casts, slices and strings alone', () => {
    const text = "\\set ON_ERROR_STOP on\nCREATE SCHEMA app_public;\nGRANT USAGE ON SCHEMA app_public TO :DATABASE_VISITOR;\nCOMMENT ON SCHEMA app_public IS :'comment';\nCREATE TABLE app_public.t (a int[] DEFAULT '{1,2}'::int[], b text DEFAULT ':keep');\nCREATE VIEW app_public.v AS SELECT a[1:2] AS s FROM app_public.t;\n";
    const out = withoutPsqlSyntax(text);
    expect(out.length).toBe(text.length);
    expect(out).toContain('TO  DATABASE_VISITOR');
    expect(out).toContain("IS  'comment'");
    expect(out).toContain("'{1,2}'::int[]");
    expect(out).toContain("':keep'");
    expect(out).toContain('a[1:2]');
    expect(out.startsWith(' '.repeat('\\set ON_ERROR_STOP on'.length))).toBe(true);
    const s = schemaSourceOf([{ file: 'current.sql', text }]);
    expect(findRelation(s.definitions, 'app_public', 't')?.columns).toEqual(['a', 'b']);
    expect(locate(s.definitions, 'app_public.v')?.line).toBe(6);
  });
});

describe('schema source layouts', () => {
  it('reads Prisma nested migration folders in order', () => {
    fresh();
    write('prisma/migrations/20240102000000_add_posts/migration.sql', 'CREATE TABLE "Post" (id int, "authorId" int);\n');
    write('prisma/migrations/20240101000000_init/migration.sql', 'CREATE TABLE "User" (id int);\n');
    write('prisma/migrations/migration_lock.toml', 'provider = "postgresql"\n');
    const s = readSchemaSource('prisma/migrations', { cwd: dir });
    expect(s.files).toEqual(['prisma/migrations/20240101000000_init/migration.sql', 'prisma/migrations/20240102000000_add_posts/migration.sql']);
    expect(s.definitions.relations.map((r) => r.object)).toEqual(['public.User', 'public.Post']);
  });

  it('reads Supabase migrations, and a single file at the repository root', () => {
    fresh();
    write('supabase/migrations/20240101000000_init.sql', 'create table public.prices (id int, amount int);\n');
    write('schema.sql', 'create table orders (id int);\n');
    write('queries/report.sql', 'select * from nowhere;\n');
    expect(readSchemaSource('supabase/migrations', { cwd: dir }).definitions.relations.map((r) => r.object)).toEqual(['public.prices']);
    expect(readSchemaSource('schema.sql', { cwd: dir }).files).toEqual(['schema.sql']);
    // at the root: the root's *.sql only, never the query files below it
    expect(readSchemaSource('.', { cwd: dir }).files).toEqual(['schema.sql']);
  });

  it('a source that reads no file is an error (exit 2) with a clear line, not an empty schema', () => {
    fresh();
    write('prisma/schema.prisma', 'model User { id Int @id }\n');
    let err: unknown;
    try {
      readSchemaSource('prisma', { cwd: dir });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'usage', exitCode: 2 });
    expect((err as Error).message).toBe('no schema files in prisma: it holds no *.sql and no */migration.sql');
  });
});
