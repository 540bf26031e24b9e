import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type TestDatabase, adminUrl, createTestDatabase, repoRoot } from './db.js';

/** The Supabase-shaped fixture (tests/fixtures/supabase): platform SQL, a Supabase CLI project, seed data. */
const supabaseFixture = path.join(repoRoot, 'tests', 'fixtures', 'supabase');
const supabaseProject = path.join(supabaseFixture, 'project');

function read(...parts: string[]): string {
  return fs.readFileSync(path.join(supabaseFixture, ...parts), 'utf8');
}

/** The project's migrations, in the order the Supabase CLI applies them. */
function supabaseMigrationsSql(): string {
  const dir = path.join(supabaseProject, 'supabase', 'migrations');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
    .join('\n');
}

/** A database shaped like a hosted Supabase project: the platform, the project's migrations, and (unless told) seed data. */
export async function createSupabaseDatabase(prefix = 'supabase', options: { seed?: boolean } = {}): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix);
  // The platform's roles are cluster-wide and test files run in parallel: create them one file at a time.
  const lock = new pg.Client({ connectionString: adminUrl() });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(16016)');
    await db.query(read('platform.sql'));
  } finally {
    await lock.end();
  }
  await db.query(supabaseMigrationsSql());
  if (options.seed !== false) await db.query(read('seed.sql'));
  return db;
}

/** A private copy of the Supabase CLI project (tests add migrations to it). */
export function copySupabaseProject(): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-supabase-'));
  fs.cpSync(supabaseProject, dir, { recursive: true });
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
