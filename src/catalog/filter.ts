import { globToRegExp } from '../patterns.js';

/**
 * Which schemas introspection reads. System schemas are never read; platform schemas (Supabase) are read unless a
 * caller excludes them, because on a self-hosted database `auth` or `storage` may well be the application's own.
 */
export interface SchemaFilter {
  /** schema names or globs (`app_*`); when given, only matching schemas are read */
  readonly include?: readonly string[];
  /** schema names or globs to skip */
  readonly exclude?: readonly string[];
}

/** Schemas that Supabase creates and manages; drift and backup callers may pass these to `exclude`. */
export const PLATFORM_SCHEMAS: readonly string[] = Object.freeze([
  'auth',
  'storage',
  'realtime',
  'extensions',
  'graphql',
  'graphql_public',
  'vault',
  'pgsodium',
  'pgsodium_masks',
  'supabase_functions',
  'supabase_migrations',
  'net',
  'cron',
  'pgbouncer',
  '_realtime',
  '_analytics',
]);

/** Supabase's own schemas are owned by its service roles (supabase_admin, supabase_auth_admin, …). */
export const PLATFORM_OWNER = /^supabase_/;

/**
 * The platform schemas that the platform really manages here: a schema of a platform name that the application
 * created itself (an `auth` schema on a self-hosted database, owned by the app's role) is the application's own.
 */
export function platformManagedSchemas(schemas: readonly { readonly name: string; readonly owner?: string }[]): Set<string> {
  return new Set(schemas.filter((s) => PLATFORM_SCHEMAS.includes(s.name) && PLATFORM_OWNER.test(s.owner ?? '')).map((s) => s.name));
}

/** pg_catalog, information_schema, pg_toast*, pg_temp* (and pg_toast_temp*): never user data */
export function isSystemSchema(name: string): boolean {
  return name === 'pg_catalog' || name === 'information_schema' || name.startsWith('pg_toast') || name.startsWith('pg_temp');
}

/** A predicate over schema names for this filter (system schemas always rejected). */
export function schemaMatcher(filter: SchemaFilter = {}): (schema: string) => boolean {
  const include = filter.include?.map(globToRegExp);
  const exclude = (filter.exclude ?? []).map(globToRegExp);
  return (schema) =>
    !isSystemSchema(schema) &&
    (include === undefined || include.some((r) => r.test(schema))) &&
    !exclude.some((r) => r.test(schema));
}
