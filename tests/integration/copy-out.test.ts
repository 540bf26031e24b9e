import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, connect, type Session } from '../../src/db/client.js';
import { resolveTarget } from '../../src/db/connection.js';
import { createFixtureDatabase, type TestDatabase } from '../helpers/db.js';

/**
 * Session.copyOut reads COPY … TO STDOUT with pgsnap's own reader (db/copy-out.ts, db/copy-frames.ts), which takes
 * the socket from pg for the length of copy mode. These hold it to the server: every byte of a COPY large enough
 * to span many socket reads, notices in the middle, an error in the middle — and the session usable afterwards.
 */
let db: TestDatabase;
let s: Session;

beforeAll(async () => {
  db = await createFixtureDatabase('copyout');
  s = await connect(resolveTarget(db.url));
  // a function that raises a NOTICE for some rows: NoticeResponse messages between the CopyData ones
  await s.query(`CREATE FUNCTION public.noisy(i int) RETURNS int LANGUAGE plpgsql AS $$
    BEGIN IF i % 5000 = 0 THEN RAISE NOTICE 'row %', i; END IF; RETURN i; END $$`);
});

afterAll(async () => {
  if (s) await close(s);
  await db?.drop();
});

async function drain(sql: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s.copyOut(sql) as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

describe('Session.copyOut', () => {
  it('gives exactly the COPY text the server sends, across many reads and with notices between rows', async () => {
    const select = `SELECT public.noisy(i), repeat(md5(i::text), 1 + i % 7) FROM generate_series(1, 30000) i`;
    const got = await drain(`COPY (${select}) TO STDOUT`);
    const { rows } = await s.query<{ t: string }>(
      `SELECT string_agg(format(E'%s\\t%s\\n', n, r), '' ORDER BY n) AS t FROM (${select}) AS q(n, r)`,
    );
    expect(got.length).toBeGreaterThan(1 << 20);
    expect(got.toString('utf8')).toBe(rows[0]?.t);
    // the connection is pg's again: a plain query after the COPY works
    expect((await s.query<{ one: string }>('SELECT 1 AS one')).rows[0]?.one).toBe('1');
  });

  it('fails with the server error raised in the middle of a COPY, and the session goes on', async () => {
    await expect(drain(`COPY (SELECT 10 / (20000 - i) FROM generate_series(1, 30000) i) TO STDOUT`)).rejects.toThrow(/division by zero/);
    expect((await s.query<{ two: string }>('SELECT 2 AS two')).rows[0]?.two).toBe('2');
  });
});
