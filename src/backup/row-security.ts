import { labelPart, type TableId, tableLabel } from '../archive/table-id.js';
import type { Session } from '../db/client.js';
import { PgsnapError } from '../errors.js';

/**
 * Row level security must never thin out a backup. Sessions read with `row_security = off` (snapshot.ts), so a
 * policy that would filter a read makes PostgreSQL fail it instead; this check runs first and names every such
 * table with the fix, before an archive is started — as pg_dump does. Policies apply to a role unless it is a
 * superuser, has BYPASSRLS, or has the owner's privileges on a table without FORCE ROW LEVEL SECURITY.
 */

interface RoleRow {
  role: string;
  superuser: boolean;
  bypassrls: boolean;
}

interface FilteredRow {
  schema: string;
  name: string;
  forced: boolean;
  owner: boolean;
}

export async function assertRowSecurityBypassed(s: Session, tables: readonly TableId[]): Promise<void> {
  if (tables.length === 0) return;
  const role = (
    await s.query<RoleRow>(
      `SELECT current_user AS role, r.rolsuper AS superuser, r.rolbypassrls AS bypassrls FROM pg_roles r WHERE r.rolname = current_user`,
    )
  ).rows[0];
  if (!role || role.superuser || role.bypassrls) return;
  const filtered = await s.query<FilteredRow>(
    `SELECT u.schema, u.name, c.relforcerowsecurity AS forced, pg_has_role(c.relowner, 'USAGE') AS owner
       FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(schema, name, i)
       JOIN pg_namespace n ON n.nspname = u.schema
       JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = u.name
      WHERE c.relrowsecurity AND (c.relforcerowsecurity OR NOT pg_has_role(c.relowner, 'USAGE'))
      ORDER BY u.i`,
    [tables.map((t) => t.schema), tables.map((t) => t.name)],
  );
  if (filtered.rows.length === 0) return;
  throw rowSecurityError(role.role, filtered.rows);
}

function rowSecurityError(role: string, rows: readonly FilteredRow[]): PgsnapError {
  const shown = rows.slice(0, 5).map((r) => `${tableLabel(r)}${r.forced && r.owner ? ' (FORCE ROW LEVEL SECURITY)' : ''}`);
  const more = rows.length > 5 ? ` and ${rows.length - 5} more` : '';
  const forcedOwned = rows.some((r) => r.forced && r.owner);
  const fix = [
    `ALTER ROLE ${labelPart(role)} BYPASSRLS (as a superuser)`,
    'back up as a superuser',
    forcedOwned ? 'ALTER TABLE … NO FORCE ROW LEVEL SECURITY on the tables named' : 'back up as the tables’ owner',
  ];
  return new PgsnapError('permission', `row level security would hide rows from role ${role} in ${shown.join(', ')}${more}; no archive written`, {
    hint: `${fix.join(', or ')}; or leave the tables out with --exclude`,
  });
}
