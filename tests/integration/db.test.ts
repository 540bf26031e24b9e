import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, connect } from '../../src/db/client.js';
import { resolveTarget } from '../../src/db/connection.js';
import { createFixtureDatabase, serverMajor, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createFixtureDatabase('dbmod');
});
afterAll(async () => db?.drop());

describe('db module against a real server', () => {
  it('connects and reports the server major version', async () => {
    const s = await connect(resolveTarget(db.url));
    try {
      expect(await s.serverMajor()).toBe(serverMajor());
    } finally {
      await close(s);
    }
  });

  it('loads the fixture application: trigger-created profiles, identity ids, RLS, a view', async () => {
    const [counts] = await db.query<{ users: string; profiles: string; projects: string }>(
      `SELECT (SELECT count(*) FROM auth.users) AS users, (SELECT count(*) FROM public.profiles) AS profiles,
              (SELECT count(*) FROM public.projects) AS projects`,
    );
    expect(counts).toEqual({ users: '25', profiles: '25', projects: '40' });
    const [rls] = await db.query<{ relrowsecurity: boolean }>(`SELECT relrowsecurity FROM pg_class WHERE oid = 'public.projects'::regclass`);
    expect(rls?.relrowsecurity).toBe(true);
    const nopk = await db.query(`SELECT 1 FROM pg_constraint WHERE conrelid = 'public.error_logs'::regclass AND contype = 'p'`);
    expect(nopk).toHaveLength(0);
  });

  it('returns int8 and numeric as exact text', async () => {
    const s = await connect(resolveTarget(db.url));
    try {
      const r = await s.query<{ a: string; b: string }>(`SELECT 9007199254740993::int8 AS a, 0.1000000000000000000001::numeric AS b`);
      expect(r.rows[0]).toEqual({ a: '9007199254740993', b: '0.1000000000000000000001' });
    } finally {
      await close(s);
    }
  });
});
