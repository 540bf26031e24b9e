import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { inject } from 'vitest';
import pg from 'pg';

/** The server chosen by tests/setup/server.ts. */
export function adminUrl(): string {
  return inject('pgAdminUrl');
}

export function serverMajor(): number {
  return inject('pgMajor');
}

export function urlFor(database: string, base = adminUrl()): string {
  const u = new URL(base);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

export async function adminQuery<R extends pg.QueryResultRow = Record<string, unknown>>(
  sql: string,
  params: unknown[] = [],
  url = adminUrl(),
): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  /** run SQL (several statements allowed when there are no params) */
  query<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  drop(): Promise<void>;
}

/** A fresh, empty database for one test file (or one test). */
export async function createTestDatabase(prefix = 't'): Promise<TestDatabase> {
  const name = `${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const url = urlFor(name);
  return {
    name,
    url,
    query: (sql, params) => adminQuery(sql, params, url),
    async drop() {
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');

/** The fixture application's schema files, in the order pgsnap applies them. */
export function fixtureSchemaSql(): string {
  const dir = path.join(repoRoot, 'schemas');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => readFileSync(path.join(dir, f), 'utf8'))
    .join('\n');
}

function fixtureSeedSql(): string {
  return readFileSync(path.join(repoRoot, 'fixtures', 'seed.sql'), 'utf8');
}

/** A database holding the fixture application, schema and seed data. */
export async function createFixtureDatabase(prefix = 'app'): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix);
  await db.query(fixtureSchemaSql());
  await db.query(fixtureSeedSql());
  return db;
}
