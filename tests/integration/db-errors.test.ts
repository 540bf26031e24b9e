import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, connect, type Session } from '../../src/db/client.js';
import { resolveTarget } from '../../src/db/connection.js';
import { mapPgError } from '../../src/db/errors.js';
import { PgsnapError } from '../../src/errors.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

// A server error carries the server's facts on the PgsnapError itself: callers decide by SQLSTATE and map
// positions without reaching into the driver's error.
let db: TestDatabase;
let s: Session;
beforeAll(async () => {
  db = await createTestDatabase('dberr');
  await db.query(`CREATE TABLE t (id int PRIMARY KEY, n int CHECK (n > 0))`);
  s = await connect(resolveTarget(db.url));
});
afterAll(async () => {
  if (s) await close(s);
  await db?.drop();
});

async function failure(sql: string): Promise<PgsnapError> {
  const e = await s.query(sql).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof PgsnapError)) throw new Error(`expected a PgsnapError from ${sql}, got ${String(e)}`);
  return e;
}

describe('server errors', () => {
  it('an unknown table is a server error with SQLSTATE 42P01 and the position of the name', async () => {
    const sql = 'SELECT 1 FROM no_such_table';
    const e = await failure(sql);
    expect(e.code).toBe('server');
    expect(e.sqlState).toBe('42P01');
    expect(e.position).toBe(sql.indexOf('no_such_table') + 1);
    expect(e.server?.message).toMatch(/relation "no_such_table" does not exist/);
    expect(e.message).toContain(s.where);
    expect(e.exitCode).toBe(2);
  });

  it('a constraint violation keeps its SQLSTATE and detail (23505 unique, 23514 check)', async () => {
    await s.query(`INSERT INTO t VALUES (1, 1)`);
    const dup = await failure(`INSERT INTO t VALUES (1, 2)`);
    expect([dup.code, dup.sqlState]).toEqual(['server', '23505']);
    expect(dup.server?.detail).toMatch(/\(id\)=\(1\)/);
    const check = await failure(`INSERT INTO t VALUES (2, -1)`);
    expect([check.code, check.sqlState]).toEqual(['server', '23514']);
  });

  it('an error inside a function body carries the body and the position in it', async () => {
    await s.query(`CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN (SELECT x FROM t); END $$`);
    const e = await failure(`SELECT f()`);
    expect(e.sqlState).toBe('42703');
    expect(e.server?.internalQuery).toContain('SELECT x FROM t');
    expect(e.server?.internalPosition).toBe((e.server?.internalQuery ?? '').indexOf('x') + 1);
  });

  it('mapped codes keep the SQLSTATE too (42501 permission)', async () => {
    await db.query(
      `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pgsnap_dberr_reader') THEN CREATE ROLE pgsnap_dberr_reader; END IF; END $$`,
    );
    await s.query(`SET ROLE pgsnap_dberr_reader`);
    try {
      const e = await failure(`SELECT * FROM t`);
      expect([e.code, e.sqlState]).toEqual(['permission', '42501']);
    } finally {
      await s.query(`RESET ROLE`);
    }
  });
});

describe('errors that are not the server answering', () => {
  it('a driver errno is a connection error without a SQLSTATE', () => {
    const e = mapPgError(Object.assign(new Error('connect EHOSTUNREACH 10.0.0.1:5432'), { code: 'EHOSTUNREACH' }), 'db at 10.0.0.1');
    expect(e.code).toBe('connection');
    expect(e.sqlState).toBeUndefined();
  });

  it('an error with neither (a bug on our side of the wire) is internal', () => {
    const e = mapPgError(new TypeError('cannot read properties of undefined'), 'db');
    expect(e.code).toBe('internal');
    expect(e.sqlState).toBeUndefined();
  });

  it('a SQLSTATE-looking code without a severity is not taken for the server (EPIPE has five capitals)', () => {
    expect(mapPgError(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }), 'db').sqlState).toBeUndefined();
    expect(mapPgError(Object.assign(new Error('x'), { code: '23505' }), 'db').code).toBe('internal');
  });
});
