import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTarget, withSession } from '../../src/db/index.js';
import { applyStatements } from '../../src/drift/apply.js';
import { explainSkippedExtensions } from '../../src/drift/check.js';
import { PgsnapError } from '../../src/errors.js';
import { parseSchemaFile } from '../../src/schema-files/statements.js';
import { type TestDatabase, createTestDatabase } from '../helpers/db.js';

/**
 * When the shadow lacks a platform extension that the live database has (left out of the baseline), a schema file
 * that uses one of its objects fails, and drift check says which extension is missing instead of blaming the
 * file. Which failures mean "an object is not there" is decided by the server's SQLSTATE; the errors here are
 * PostgreSQL's own, from applying the statements to a real database.
 */
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('drift_missing_ext');
});
afterAll(async () => {
  await db?.drop();
});

async function failureOf(sql: string): Promise<PgsnapError> {
  const { statements } = parseSchemaFile(sql, 'schemas/010_app.sql');
  const e = await withSession(resolveTarget(db.url), (s) => applyStatements(s, statements)).then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!(e instanceof PgsnapError)) throw new Error(`expected the file to fail, got ${String(e)}`);
  return e;
}

const explained = (e: PgsnapError) => explainSkippedExtensions(e, ['vector'], 'the shadow') as PgsnapError;

describe('drift check: a failure caused by an extension the shadow lacks', () => {
  it('names the extension for an object that does not exist (type, function, schema, table)', async () => {
    for (const sql of [
      'CREATE TABLE public.docs (id int PRIMARY KEY, embedding extensions_x.vector(3));',
      'CREATE TABLE public.docs (id int PRIMARY KEY, embedding vector(3));',
      'CREATE VIEW public.v AS SELECT l2_distance(1, 2);',
      'CREATE VIEW public.v AS SELECT * FROM extensions_x.items;',
    ]) {
      const e = await failureOf(sql);
      expect(['42704', '42883', '42P01', '3F000'], sql).toContain(e.sqlState);
      expect(explained(e).message, sql).toMatch(/ — extension "vector", which the live database has, is not available in the shadow database \(the shadow\)$/);
    }
  });

  it("leaves the file's own failure as it is, even when its words say 'does not exist'", async () => {
    const e = await failureOf(`DO $$ BEGIN RAISE EXCEPTION 'the settings row does not exist'; END $$;`);
    expect(e.sqlState).toBe('P0001');
    expect(explained(e)).toBe(e);
    expect(explained(e).message).toMatch(/the settings row does not exist/);
  });
});
