import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../src/backup/backup.js';
import { openArchive } from '../../src/archive/reader.js';
import { resolveTarget } from '../../src/db/connection.js';
import { silentLogger } from '../../src/log.js';
import { restoreDrill } from '../../src/verify/drill.js';
import { parsePattern } from '../../src/patterns.js';
import { type TestDatabase, adminQuery, serverMajor } from '../helpers/db.js';
import { createSupabaseDatabase } from '../helpers/supabase.js';
import { restore } from './restore-helpers.js';

/**
 * Backup, restore and the restore drill on a database shaped like a hosted Supabase project
 * (tests/fixtures/supabase): the accounts in auth.users are data, and come back without the app's sign-up
 * trigger firing a second time — as Supabase's `postgres` role, which is no superuser but may set
 * session_replication_role (emulated with GRANT SET ON PARAMETER, PostgreSQL 15+).
 */
let live: TestDatabase;
let dir: string;
let archive: string;

const selection = (exclude: string[] = []) => ({ schemas: [], tables: [], exclude: exclude.map(parsePattern) });

beforeAll(async () => {
  live = await createSupabaseDatabase('sb_backup');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-supabase-'));
  archive = (await runBackup({ target: resolveTarget(live.url), dir, selection: selection(), logger: silentLogger })).archive;
});

afterAll(async () => {
  await live?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function manifestTables(file: string): Promise<Record<string, number>> {
  const a = await openArchive(file);
  try {
    return Object.fromEntries(a.manifest.tables.map((t) => [`${t.schema}.${t.name}`, t.rows]));
  } finally {
    await a.close();
  }
}

describe('backup of a Supabase project', () => {
  it("captures the application's data in auth and storage by default, and not the platform's bookkeeping", async () => {
    const tables = await manifestTables(archive);
    expect(Object.keys(tables).sort()).toEqual([
      'auth.identities',
      'auth.refresh_tokens',
      'auth.sessions',
      'auth.users',
      'public.notes',
      'public.profiles',
      'storage.buckets',
      'storage.objects',
    ]);
    const [users] = await live.query<{ n: string }>('SELECT count(*) AS n FROM auth.users');
    expect(tables['auth.users']).toBe(Number(users?.n));
    expect(tables['auth.users']).toBeGreaterThan(0);
    expect(tables['storage.objects']).toBe(1);
  });

  it('--exclude leaves any of it out', async () => {
    const sub = path.join(dir, 'no-auth');
    const r = await runBackup({ target: resolveTarget(live.url), dir: sub, selection: selection(['auth.*', 'storage.objects']), logger: silentLogger });
    expect(Object.keys(await manifestTables(r.archive)).sort()).toEqual(['public.notes', 'public.profiles', 'storage.buckets']);
  });
});

describe('restore drill on a Supabase archive', () => {
  it('passes on the default archive', async () => {
    const r = await restoreDrill(archive, { logger: silentLogger });
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.tables.find((t) => t.table === 'auth.users')?.restoredRows).toBeGreaterThan(0);
  });

  it('passes when auth is left out, adding the foreign keys into it NOT VALID, and says so', async () => {
    const sub = path.join(dir, 'drill-no-auth');
    const r0 = await runBackup({ target: resolveTarget(live.url), dir: sub, selection: selection(['auth.*']), logger: silentLogger });
    const r = await restoreDrill(r0.archive, { logger: silentLogger });
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.notes).toEqual([
      'public.notes.notes_owner_id_fkey references auth.users, which the archive does not hold: the drill created an empty stand-in and added the constraint NOT VALID',
      'public.profiles.profiles_id_fkey references auth.users, which the archive does not hold: the drill created an empty stand-in and added the constraint NOT VALID',
    ]);
  });
});

describe.skipIf(serverMajor() < 15)('restore of auth data as Supabase’s postgres role (no superuser)', () => {
  const role = `sb_postgres_${randomBytes(3).toString('hex')}`;
  const password = randomBytes(8).toString('hex');
  // The live database, reached as that role.
  const asRole = (): TestDatabase => {
    const u = new URL(live.url);
    u.username = role;
    u.password = password;
    return { ...live, url: u.toString() };
  };

  beforeAll(async () => {
    // What demote-postgres leaves Supabase's postgres role: no superuser, BYPASSRLS, every privilege on auth and storage.
    await adminQuery(`CREATE ROLE ${role} LOGIN NOSUPERUSER BYPASSRLS PASSWORD '${password}'`);
    await live.query(`
      GRANT ALL ON SCHEMA auth, storage, public, extensions TO ${role};
      GRANT ALL ON ALL TABLES IN SCHEMA auth, storage, public TO ${role};
      GRANT ALL ON ALL SEQUENCES IN SCHEMA auth, storage, public TO ${role};
    `);
  });

  afterAll(async () => {
    await adminQuery(`DROP OWNED BY ${role}`, [], live.url).catch(() => {});
    await adminQuery(`DROP ROLE IF EXISTS ${role}`).catch(() => {});
  });

  it('refuses up front, naming the sign-up trigger, when the role may not set session_replication_role', async () => {
    await live.query(`DELETE FROM auth.users WHERE email LIKE 'user1%'`);
    const r = await restore(asRole(), archive);
    expect(r.code).toBe(2);
    expect(r.error?.message).toContain('auth.users has trigger(s) on_auth_user_created that would fire on restored rows');
    const [n] = await live.query<{ n: string }>(`SELECT count(*) AS n FROM auth.users`);
    expect(Number(n?.n)).toBe(9); // nothing changed: users 2…9 and 20 remain
  });

  it("puts the deleted accounts back without firing on_auth_user_created, keeping the archived profiles as they were", async () => {
    await adminQuery(`GRANT SET ON PARAMETER session_replication_role TO ${role}`);
    const { report, error } = await restore(asRole(), archive);
    expect(error).toBeUndefined();
    expect(report?.triggers).toBe('replica');
    const users = report?.tables.find((t) => t.table === 'auth.users');
    expect(users).toMatchObject({ inserted: 11, skipped: 9 });
    // Had the trigger fired, it would have created a fresh profile (no username) before the archived one arrived.
    const [first] = await live.query<{ username: string | null; n: string }>(
      `SELECT username::text, (SELECT count(*) FROM public.profiles) AS n FROM public.profiles WHERE id = '00000000-0000-4000-8000-000000000001'`,
    );
    expect(first).toEqual({ username: 'First', n: '20' });
    const [ids] = await live.query<{ n: string }>(`SELECT count(*) AS n FROM auth.identities`);
    expect(Number(ids?.n)).toBe(20);
    // Re-running inserts nothing.
    const again = await restore(asRole(), archive);
    expect(again.report?.tables.every((t) => t.inserted === 0)).toBe(true);
  });
});

