import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../src/backup/backup.js';
import { resolveTarget } from '../../src/db/connection.js';
import { silentLogger } from '../../src/log.js';
import { createProgress, type Progress, type ProgressMode } from '../../src/report/progress.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

/**
 * The planner's row estimate (estimate.ts) is a query of its own; a backup runs it only for a progress bar, the one
 * meter that shows it. Off a terminal (cron, CI) and with --progress lines, begin() gets 0 and no estimate is read.
 * For the bar it sums plain tables and a partitioned table's leaves (it used to count plain tables as 0).
 */
let db: TestDatabase;
let work: string;

beforeAll(async () => {
  db = await createTestDatabase('bk_estimate');
  await db.query(`CREATE TABLE public.items (id int PRIMARY KEY, body text);
    INSERT INTO public.items SELECT i, 'item ' || i FROM generate_series(1, 500) i;`);
  await db.query(`CREATE TABLE public.parts (id int, at date) PARTITION BY RANGE (at);
    CREATE TABLE public.parts_a PARTITION OF public.parts FOR VALUES FROM ('2026-01-01') TO ('2026-07-01');
    CREATE TABLE public.parts_b PARTITION OF public.parts FOR VALUES FROM ('2026-07-01') TO ('2027-01-01');
    INSERT INTO public.parts SELECT i, date '2026-01-01' + i FROM generate_series(0, 299) i;`);
  await db.query('ANALYZE');
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-estimate-'));
});

afterAll(async () => {
  fs.rmSync(work, { recursive: true, force: true });
  await db?.drop();
});

async function expectedRowsSeen(mode: ProgressMode): Promise<number[]> {
  const meter = createProgress({ verb: 'backup', mode, stream: new PassThrough(), color: false });
  const seen: number[] = [];
  const progress: Progress = {
    ...meter,
    begin(tables, rows) {
      seen.push(rows ?? -1);
      meter.begin(tables, rows);
    },
  };
  const dir = path.join(work, mode);
  await runBackup({ target: resolveTarget(db.url), dir, selection: { schemas: [], tables: [], exclude: [] }, logger: silentLogger, progress });
  return seen;
}

describe('backup: the row estimate', () => {
  it('is read for a progress bar and not for lines or no progress', async () => {
    expect(await expectedRowsSeen('bar')).toEqual([800]);
    expect(await expectedRowsSeen('lines')).toEqual([0]);
    expect(await expectedRowsSeen('off')).toEqual([0]);
  });
});
