import { randomBytes } from 'node:crypto';
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

export async function adminQuery<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = [], url = adminUrl()): Promise<R[]> {
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

/** A fresh, empty database for one test file (or one test); a copy of `template` when given. */
export async function createTestDatabase(prefix = 't', template?: string): Promise<TestDatabase> {
  const name = `${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`);
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

export { fixtureSchemaSql, repoRoot } from './fixture-sql.js';

/**
 * A database holding the fixture application, schema and seed data: a copy of the template database
 * tests/setup/server.ts loaded once per run (CREATE DATABASE … TEMPLATE copies files; loading the schema and seed
 * again would run a few hundred statements per test file).
 */
export async function createFixtureDatabase(prefix = 'app'): Promise<TestDatabase> {
  return createTestDatabase(prefix, inject('pgFixtureTemplate'));
}
