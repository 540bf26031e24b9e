import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArchive } from '../../src/archive/reader.js';
import { runBackup } from '../../src/backup/backup.js';
import { resolveTarget } from '../../src/db/connection.js';
import { silentLogger } from '../../src/log.js';
import { restoreArchive } from '../../src/restore/restore.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

/**
 * The settings a restore's transaction runs under (restore.ts sessionSettings), as the rows being loaded see them:
 * a CHECK on the target calls a function that notes them. A role's own statement_timeout is overridden.
 */
let source: TestDatabase;
let target: TestDatabase;
let work: string;

beforeAll(async () => {
  source = await createTestDatabase('rs_settings_src');
  await source.query(`CREATE TABLE public.items (id int PRIMARY KEY, body text);
    INSERT INTO public.items SELECT i, 'item ' || i FROM generate_series(1, 3) i;`);
  target = await createTestDatabase('rs_settings_dst');
  await target.query(`ALTER DATABASE "${target.name}" SET statement_timeout = '5s'`);
  await target.query(`CREATE TABLE public.seen (row_security text, lock_timeout text, temp_buffers text, statement_timeout text);
    CREATE FUNCTION public.note_settings() RETURNS boolean LANGUAGE sql AS $$
      INSERT INTO public.seen SELECT current_setting('row_security'), current_setting('lock_timeout'),
        current_setting('temp_buffers'), current_setting('statement_timeout') RETURNING true $$;
    CREATE TABLE public.items (id int PRIMARY KEY, body text CHECK (public.note_settings()));`);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-rs-settings-'));
});

afterAll(async () => {
  fs.rmSync(work, { recursive: true, force: true });
  await source?.drop();
  await target?.drop();
});

describe('restore: session settings', () => {
  it('loads rows with row security off, its lock timeout, room for staging tables and no statement timeout', async () => {
    const backup = await runBackup({ target: resolveTarget(source.url), dir: work, selection: { schemas: [], tables: [], exclude: [] }, logger: silentLogger });
    const archive = await openArchive(backup.archive);
    try {
      const { failure } = await restoreArchive(archive, backup.archive, resolveTarget(target.url), {
        onConflict: 'nothing',
        tables: ['public.items'],
        createMissing: false,
        dryRun: false,
        logger: silentLogger,
        lockTimeoutMs: 7000,
      });
      expect(failure).toBeUndefined();
    } finally {
      await archive.close();
    }
    const seen = await target.query(`SELECT DISTINCT * FROM public.seen`);
    expect(seen).toEqual([{ row_security: 'off', lock_timeout: '7s', temp_buffers: '128MB', statement_timeout: '0' }]);
    expect(await target.query(`SELECT count(*)::int AS n FROM public.items`)).toEqual([{ n: 3 }]);
  });
});
