import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTPUT_SETTINGS } from '../../src/archive/format.js';
import { useOutputSettings } from '../../src/archive/output-settings.js';
import { close, connect, type Session } from '../../src/db/client.js';
import { resolveTarget } from '../../src/db/connection.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

// The one way backup, restore and the drill put a session under the archive's output settings.
let db: TestDatabase;
let s: Session;
beforeAll(async () => {
  db = await createTestDatabase('outset');
  s = await connect(resolveTarget(db.url));
});
afterAll(async () => {
  if (s) await close(s);
  await db?.drop();
});

async function current(): Promise<Record<string, string>> {
  const names = Object.keys(OUTPUT_SETTINGS);
  const r = await s.query<{ name: string; value: string }>(`SELECT n AS name, current_setting(n) AS value FROM unnest($1::text[]) n`, [names]);
  return Object.fromEntries(r.rows.map((row) => [row.name, row.value]));
}

describe('useOutputSettings', () => {
  it('transaction scope: every output setting holds inside the transaction and is gone after it', async () => {
    await s.query(`SET DateStyle = 'German, DMY'; SET lc_monetary = 'C'; SET search_path = public`);
    const before = await current();
    await s.query('BEGIN');
    await useOutputSettings(s, 'transaction');
    expect(await current()).toEqual({ ...OUTPUT_SETTINGS });
    const [row] = (await s.query<{ d: string }>(`SELECT DATE '2024-03-01'::text AS d`)).rows;
    expect(row?.d).toBe('2024-03-01');
    await s.query('COMMIT');
    expect(await current()).toEqual(before);
  });

  it('session scope: they stay for the connection', async () => {
    await useOutputSettings(s, 'session');
    await s.query('BEGIN');
    await s.query('COMMIT');
    expect(await current()).toEqual({ ...OUTPUT_SETTINGS });
  });
});
