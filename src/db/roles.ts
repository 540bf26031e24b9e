import { quoteIdent } from '../sql/quote.js';
import type { Session } from './client.js';

/**
 * Roles are cluster-wide, so a throwaway server (drift's shadow, the restore drill) has none of those that
 * GRANT … TO and CREATE POLICY … TO name in the schema files or the archive, and those statements would fail there.
 * Create the missing ones as NOLOGIN roles without privileges; roles the server has (postgres, pg_*) are left
 * alone. The names may come from an untrusted archive: they only ever travel as quoted identifiers (never inside a
 * DO $$ block, where `$$` in a name would end the quote).
 */
export async function mirrorRoles(s: Session, roles: Iterable<string>): Promise<void> {
  const missing = await missingRoles(s, roles);
  if (missing.length > 0) await s.query(missing.map((r) => `CREATE ROLE ${quoteIdent(r)} NOLOGIN;`).join('\n'));
}

/** The roles among `roles` the server does not have (PUBLIC, the keyword for every role, is never missing). */
export async function missingRoles(s: Session, roles: Iterable<string>): Promise<string[]> {
  const wanted = [...new Set(roles)].filter((r) => r !== 'public' && r !== 'PUBLIC');
  if (wanted.length === 0) return [];
  const existing = new Set((await s.query<{ rolname: string }>('SELECT rolname FROM pg_catalog.pg_roles')).rows.map((r) => r.rolname));
  return wanted.filter((r) => !existing.has(r));
}
