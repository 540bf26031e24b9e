import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, connect, type Session } from '../../src/db/client.js';
import { resolveTarget } from '../../src/db/connection.js';
import { mirrorRoles } from '../../src/db/roles.js';
import { quoteIdent } from '../../src/sql/quote.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

// The one role-mirroring helper (drift's shadow and the restore drill).
let db: TestDatabase;
let s: Session;
const tag = randomBytes(3).toString('hex');
const names = [`app_reader_${tag}`, `we"ird $$ name ${tag}`];
beforeAll(async () => {
  db = await createTestDatabase('roles');
  s = await connect(resolveTarget(db.url));
});
afterAll(async () => {
  if (s) {
    for (const n of names) await s.query(`DROP ROLE IF EXISTS ${quoteIdent(n)}`);
    await close(s);
  }
  await db?.drop();
});

describe('mirrorRoles', () => {
  it('creates the missing roles as NOLOGIN, skips PUBLIC and the ones the server has, and can run again', async () => {
    const before = (await s.query<{ n: string }>('SELECT count(*)::text AS n FROM pg_roles')).rows[0]?.n;
    await mirrorRoles(s, ['public', 'PUBLIC', 'postgres', 'pg_read_all_data', ...names, names[0] as string]);
    const r = await s.query<{ rolname: string; rolcanlogin: boolean }>('SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname = ANY($1) ORDER BY 1', [names]);
    expect(r.rows).toEqual([...names].sort().map((rolname) => ({ rolname, rolcanlogin: false })));
    const after = (await s.query<{ n: string }>('SELECT count(*)::text AS n FROM pg_roles')).rows[0]?.n;
    expect(Number(after) - Number(before)).toBe(2);
    await mirrorRoles(s, names);
  });
});
