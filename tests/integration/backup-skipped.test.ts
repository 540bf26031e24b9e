import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { pgsnap, tempDir } from './restore-helpers.js';

/** A backup says what it left out: platform schemas, selectors that matched nothing, excluded tables. */
let db: TestDatabase;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase('bk_skip');
  await db.query(`
    DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'supabase_admin') THEN CREATE ROLE supabase_admin NOLOGIN; END IF;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
    CREATE SCHEMA auth AUTHORIZATION supabase_admin;
    CREATE TABLE auth.users (id int PRIMARY KEY);
    CREATE TABLE public.items (id int PRIMARY KEY);
    CREATE TABLE public.item_logs (id int);
  `);
  dir = tempDir('skip');
});

afterAll(async () => {
  await db?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const backup = (...args: string[]) => pgsnap(['backup', '--url', db.url, '--dir', dir, ...args]);

describe('skipped', () => {
  it('lists a platform schema skipped by default and excluded tables, in --json and in the text summary', async () => {
    const r = await backup('--json', '--exclude', '*_logs');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.skipped).toEqual([
      { schema: 'auth', reason: expect.stringMatching(/platform-managed.*--schema auth/) },
      { table: 'public.item_logs', reason: 'excluded by --exclude *_logs' },
    ]);
    const text = await backup('--exclude', '*_logs');
    expect(text.stderr).toMatch(/not captured: schema auth: platform-managed/);
  });

  it('a --schema that does not exist, beside one that matched: captured, warned (also with --quiet), listed', async () => {
    const r = await backup('--json', '--quiet', '--schema', 'public', '--schema', 'pubilc');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).skipped).toContainEqual({ schema: 'pubilc', reason: 'no such schema' });
    expect(r.stderr).toMatch(/warning: nothing captured for schema pubilc: no such schema/);
  });

  it('selectors that match nothing at all: exit 2, naming each, no archive', async () => {
    const before = fs.readdirSync(dir).length;
    const r = await backup('--schema', 'nope', '--table', 'public.missing*');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/schema nope: no such schema/);
    expect(r.stderr).toMatch(/table public\.missing\*: the pattern matched no table/);
    expect(fs.readdirSync(dir).length).toBe(before);
  });
});
