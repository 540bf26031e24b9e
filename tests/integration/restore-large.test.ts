import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { backupTo, pgsnap, tempDir } from './restore-helpers.js';

/**
 * A table large enough (≥ 200,000 rows) that a re-run reads it back on two connections, half the pages each,
 * to see whether it already holds the archive. A change in either half must still be found.
 */
const ROWS = 240_000;
let source: TestDatabase;
let target: TestDatabase;
let dir: string;
let archive: string;

const table = `CREATE TABLE big (id int PRIMARY KEY, label text NOT NULL, amount numeric, at timestamptz);`;

beforeAll(async () => {
  source = await createTestDatabase('rl_src');
  target = await createTestDatabase('rl_dst');
  await source.query(
    `${table} INSERT INTO big SELECT i, 'row ' || i, i * 1.5, timestamptz '2025-01-01 00:00:00+00' + i * interval '1 minute' FROM generate_series(1, ${ROWS}) i`,
  );
  await target.query(table);
  dir = tempDir('restore-large');
  archive = await backupTo(source, dir, ['public']);
});

afterAll(async () => {
  await source?.drop();
  await target?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function restore(...flags: string[]) {
  const r = await pgsnap(['restore', archive, '--url', target.url, '--json', ...flags]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout).tables[0] as { inserted: number; skipped: number; updated: number };
}

describe('restore of a large table', () => {
  it('loads an empty table, then finds on a re-run that it already holds every row', async () => {
    expect(await restore()).toMatchObject({ inserted: ROWS, skipped: 0 });
    expect(await restore()).toMatchObject({ inserted: 0, skipped: ROWS, updated: 0 });
  });

  it('notices a row edited in the first half and in the last pages, and puts them back with --on-conflict update', async () => {
    const [pages] = await target.query<{ n: string }>(`SELECT pg_relation_size('big') / current_setting('block_size')::int AS n`);
    expect(Number(pages?.n)).toBeGreaterThan(2);
    await target.query(`UPDATE big SET label = 'edited' WHERE id = 10`);
    // an UPDATE writes the new row version at the end of the table: that is the second reader's half
    expect(await restore('--on-conflict', 'update')).toMatchObject({ inserted: 0, updated: 1 });
    const [back] = await target.query<{ label: string }>(`SELECT label FROM big WHERE id = 10`);
    expect(back?.label).toBe('row 10');
    await target.query(`VACUUM FULL big`); // rows packed again: id 1 … in order, the edited one in the first half
    await target.query(`UPDATE big SET amount = -1 WHERE id = ${ROWS}`);
    expect(await restore('--on-conflict', 'update')).toMatchObject({ inserted: 0, updated: 1 });
    expect(await restore('--on-conflict', 'update')).toMatchObject({ inserted: 0, updated: 0, skipped: ROWS });
  });
});
