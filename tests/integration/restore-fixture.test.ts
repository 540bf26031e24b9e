import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminQuery, createFixtureDatabase, createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { backupTo, byTable, restore, tableTexts, tempDir } from './restore-helpers.js';

/**
 * The worst day, on the fixture application: back it up, lose data in different ways, restore, and compare every
 * row's text with the original.
 */
const TABLES = ['auth.users', 'public.profiles', 'public.projects', 'public.test_sessions', 'public.error_logs'];

let source: TestDatabase;
let archive: string;
let original: Record<string, string[]>;
const cleanup: TestDatabase[] = [];

beforeAll(async () => {
  source = await createFixtureDatabase('rs_src');
  cleanup.push(source);
  archive = await backupTo(source, tempDir('restore-fixture'), ['auth', 'public']);
  original = await tableTexts(source, TABLES);
});
afterAll(async () => {
  for (const db of cleanup) await db.drop();
});

/** An exact copy of the source (seeding again would give other now() timestamps). */
async function fixtureCopy(prefix: string): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix);
  cleanup.push(db);
  await adminQuery(`DROP DATABASE "${db.name}"`);
  await adminQuery(`CREATE DATABASE "${db.name}" TEMPLATE "${source.name}"`);
  return db;
}

describe('restore of the fixture application', () => {
  it('[bad-input] refuses, changing nothing, to restore rows that would point at rows the target lost', async () => {
    const db = await fixtureCopy('rs_orphan');
    await db.query(`DELETE FROM public.error_logs; DELETE FROM public.test_sessions WHERE status = 'failed'`);
    const before = await tableTexts(db, TABLES);
    const r = await restore(db, archive, { tables: ['public.error_logs'] });
    expect(r.code).toBe(2);
    expect(r.error?.message).toMatch(/restored rows of public\.error_logs point at public\.test_sessions rows that do not exist/);
    expect(r.error?.hint).toMatch(/add --table public\.test_sessions/);
    expect(await tableTexts(db, TABLES)).toEqual(before);
    // With the sessions restored too, it goes through (the deletion's ON DELETE SET NULL edits stay: nothing mode).
    const both = await restore(db, archive, { tables: ['public.error_logs', 'public.test_sessions'] });
    expect(both.code, both.error?.message).toBe(0);
    const after = await tableTexts(db, TABLES);
    expect(after['public.error_logs']).toEqual(original['public.error_logs']);
    expect(after['public.test_sessions']).toHaveLength(300);
  });

  it('recreates an empty database byte for byte with --create-missing, and a second run changes nothing', async () => {
    const empty = await createTestDatabase('rs_empty');
    cleanup.push(empty);
    const first = await restore(empty, archive, { createMissing: true });
    expect(first.code, first.error?.message).toBe(0);
    expect(first.report?.created).toEqual(expect.arrayContaining(TABLES));
    expect(await tableTexts(empty, TABLES)).toEqual(original);
    expect(byTable(first)['public.test_sessions']).toEqual({ inArchive: 300, inserted: 300, skipped: 0, updated: 0 });
    // Identity sequences were moved forward: the next project gets the id after the archived ones.
    const [next] = await empty.query<{ id: string }>(
      `INSERT INTO public.projects (owner_id, name) SELECT id, 'after restore' FROM auth.users LIMIT 1 RETURNING id`,
    );
    expect(next?.id).toBe('41');
    await empty.query(`DELETE FROM public.projects WHERE id = 41`);

    const again = await restore(empty, archive);
    expect(again.code, again.error?.message).toBe(0);
    for (const t of again.report?.tables ?? []) expect({ table: t.table, inserted: t.inserted, updated: t.updated }).toEqual({ table: t.table, inserted: 0, updated: 0 });
    expect(byTable(again)['public.error_logs']).toEqual({ inArchive: 500, inserted: 0, skipped: 500, updated: 0 });
    expect(await tableTexts(empty, TABLES)).toEqual(original);
  });

  it('merges after partial loss: deleted rows come back, edited rows stay (nothing) or take archived values (update)', async () => {
    const db = await fixtureCopy('rs_merge');
    await db.query(`
      DELETE FROM public.error_logs WHERE level = 'warn';
      DELETE FROM public.profiles WHERE display_name LIKE 'User%';
      DELETE FROM public.test_sessions s WHERE s.status = 'queued'
         AND NOT EXISTS (SELECT 1 FROM public.test_sessions r WHERE r.retry_of = s.id)
         AND NOT EXISTS (SELECT 1 FROM public.error_logs e WHERE e.session_id = s.id);
      UPDATE public.projects SET name = 'Renamed by hand' WHERE id = 7;
      UPDATE public.profiles SET avatar_url = NULL WHERE display_name = 'user1';`);
    const deleted = await db.query<{ n: string }>(`SELECT count(*) AS n FROM public.test_sessions`);
    expect(Number(deleted[0]?.n)).toBeLessThan(300);

    const nothing = await restore(db, archive);
    expect(nothing.code, nothing.error?.message).toBe(0);
    const counts = byTable(nothing);
    expect(counts['public.error_logs']?.inserted).toBe(167);
    expect(counts['public.profiles']?.inserted).toBe(8);
    expect(counts['public.test_sessions']?.inserted).toBe(300 - Number(deleted[0]?.n));
    expect(counts['public.projects']).toEqual({ inArchive: 40, inserted: 0, skipped: 40, updated: 0 });
    const afterNothing = await tableTexts(db, TABLES);
    expect(afterNothing['public.error_logs']).toEqual(original['public.error_logs']);
    expect(afterNothing['public.test_sessions']).toEqual(original['public.test_sessions']);
    expect(afterNothing['public.projects']).not.toEqual(original['public.projects']);
    expect(afterNothing['public.projects']?.some((r) => r.includes('Renamed by hand'))).toBe(true);

    const update = await restore(db, archive, { onConflict: 'update' });
    expect(update.code, update.error?.message).toBe(0);
    expect(byTable(update)['public.projects']).toEqual({ inArchive: 40, inserted: 0, skipped: 39, updated: 1 });
    expect(byTable(update)['public.profiles']).toEqual({ inArchive: 25, inserted: 0, skipped: 24, updated: 1 });
    expect(await tableTexts(db, TABLES)).toEqual(original);
  });

  it('reports with --dry-run what it would do and changes nothing', async () => {
    const db = await fixtureCopy('rs_dry');
    await db.query(`DELETE FROM public.error_logs WHERE level = 'fatal'; UPDATE public.projects SET status = 'paused' WHERE id = 1`);
    const before = await tableTexts(db, TABLES);
    const dry = await restore(db, archive, { dryRun: true, onConflict: 'update' });
    expect(dry.code, dry.error?.message).toBe(0);
    expect(dry.report?.dryRun).toBe(true);
    expect(dry.report?.committed).toBe(false);
    expect(byTable(dry)['public.error_logs']).toEqual({ inArchive: 500, inserted: 167, skipped: 333, updated: 0 });
    expect(byTable(dry)['public.projects']).toEqual({ inArchive: 40, inserted: 0, skipped: 39, updated: 1 });
    expect(await tableTexts(db, TABLES)).toEqual(before);
  });

  it('keeps triggers from firing: no profile is made twice, updated_at keeps its archived value', async () => {
    const db = await fixtureCopy('rs_trig');
    // Lose every user (cascading to profiles, projects, sessions); the AFTER INSERT trigger would recreate profiles.
    await db.query(`DELETE FROM public.error_logs; DELETE FROM auth.users`);
    const r = await restore(db, archive);
    expect(r.code, r.error?.message).toBe(0);
    expect(await tableTexts(db, TABLES)).toEqual(original);
    // The triggers are back on afterwards.
    const [state] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'O'`);
    expect(state?.n).toBe('0');
  });

  it('restores only the tables --table selects, and refuses a missing table without --create-missing', async () => {
    const db = await fixtureCopy('rs_table');
    await db.query(`DELETE FROM public.error_logs; UPDATE public.projects SET status = 'archived' WHERE id = 2`);
    const only = await restore(db, archive, { tables: ['public.error_logs'], onConflict: 'update' });
    expect(only.code, only.error?.message).toBe(0);
    expect(only.report?.tables.map((t) => t.table)).toEqual(['public.error_logs']);
    const after = await tableTexts(db, TABLES);
    expect(after['public.error_logs']).toEqual(original['public.error_logs']);
    expect(after['public.projects']).not.toEqual(original['public.projects']);

    await db.query(`DROP TABLE public.error_logs`);
    const before = await tableTexts(db, TABLES.filter((t) => t !== 'public.error_logs'));
    const refused = await restore(db, archive);
    expect(refused.code).toBe(2);
    expect(refused.error?.message).toMatch(/no table public\.error_logs .*--create-missing/);
    expect(await tableTexts(db, TABLES.filter((t) => t !== 'public.error_logs'))).toEqual(before);
  });
});
