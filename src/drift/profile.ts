import fs from 'node:fs';
import path from 'node:path';
import { PLATFORM_SCHEMAS } from '../catalog/introspect.js';
import type { Session } from '../db/index.js';
import { usageError } from '../errors.js';
import type { PlatformProfile } from './ignore.js';

export const PROFILES = ['supabase'] as const;

/** Supabase's own objects are owned by its service roles (supabase_admin, supabase_auth_admin, …). */
const PLATFORM_OWNER = '^supabase_';

/**
 * Read which live objects in the platform's schemas belong to the platform (by owner). Objects the user created
 * there (as `postgres`, say) are not in the set and are compared like any other.
 */
export async function loadProfile(s: Session, name: string): Promise<PlatformProfile> {
  if (name !== 'supabase') throw usageError(`unknown --profile ${JSON.stringify(name)}`, `known profiles: ${PROFILES.join(', ')}`);
  const schemas = [...PLATFORM_SCHEMAS];
  const r = await s.query<{ name: string }>(
    `SELECT n.nspname || '.' || c.relname AS name
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_roles o ON o.oid = c.relowner
      WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND o.rolname ~ $2
     UNION
     SELECT n.nspname || '.' || p.proname
       FROM pg_catalog.pg_proc p
       JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
       JOIN pg_catalog.pg_roles o ON o.oid = p.proowner
      WHERE n.nspname = ANY($1) AND o.rolname ~ $2
     UNION
     SELECT n.nspname || '.' || t.typname
       FROM pg_catalog.pg_type t
       JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
       JOIN pg_catalog.pg_roles o ON o.oid = t.typowner
      WHERE n.nspname = ANY($1) AND t.typtype IN ('e', 'd', 'c') AND o.rolname ~ $2`,
    [schemas, PLATFORM_OWNER],
  );
  return { name, schemas, platformOwned: new Set(r.rows.map((x) => x.name)) };
}

export interface SupabaseProject {
  /** where the project's schema lives: supabase/migrations, else supabase/schemas (declarative schemas) */
  readonly schemaDir: string;
}

/**
 * A Supabase CLI project in `cwd` (supabase/config.toml, as `supabase init` writes it). Its migrations are what
 * the live database ran, so they are the schema source; a project with declarative schemas only (no migration
 * yet) is read from supabase/schemas. Both at once would define every object twice.
 */
export function detectSupabaseProject(cwd: string): SupabaseProject | undefined {
  const root = path.join(cwd, 'supabase');
  if (!fs.existsSync(path.join(root, 'config.toml'))) return undefined;
  const hasSql = (dir: string) => {
    try {
      return fs.readdirSync(path.join(root, dir)).some((f) => f.endsWith('.sql'));
    } catch {
      return false;
    }
  };
  return { schemaDir: !hasSql('migrations') && hasSql('schemas') ? 'supabase/schemas' : 'supabase/migrations' };
}
