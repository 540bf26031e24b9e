import type { Session } from '../db/client.js';
import type { OnConflict, RestorePlan, TablePlan } from './plan.js';

/**
 * What the connected role may do, and from that how restore keeps user triggers quiet and row level security
 * out of the way. Decided before anything changes, so that a role that cannot restore safely is told so up front
 * instead of failing halfway (or, worse, letting a trigger rewrite restored rows).
 */

interface TablePrivileges {
  readonly table: string;
  /** the role is the owner or a member of the owning role (may ALTER TABLE) */
  readonly owner: boolean;
  readonly select: boolean;
  readonly insert: boolean;
  readonly update: boolean;
  /** UPDATE, DELETE or TRUNCATE: what LOCK TABLE … SHARE ROW EXCLUSIVE asks for */
  readonly lock: boolean;
}

export interface Privileges {
  readonly role: string;
  readonly superuser: boolean;
  readonly bypassRls: boolean;
  /** superuser, or (PostgreSQL 15+) granted SET on session_replication_role */
  readonly replicationRole: boolean;
  readonly tables: readonly TablePrivileges[];
  /** sequences ("schema.name") the role may setval */
  readonly sequences: readonly { readonly sequence: string; readonly update: boolean }[];
  /** the partitions (any depth) of each restored partitioned table, parents before children, with their triggers */
  readonly partitions: readonly PartitionTriggers[];
}

/**
 * A partition's user triggers, its own and the clones of its parents' (the catalog model keeps only its own): a
 * partitioned table's rows land in its partitions, whose triggers fire. A clone may be set apart from its parent
 * (ALTER TABLE partition DISABLE or ENABLE ALWAYS TRIGGER), and switching the parent's trigger also switches
 * every clone (as seen on PostgreSQL 14 and 17), so restore reads their states here to switch and put back each one.
 */
interface PartitionTriggers {
  /** the restored partitioned table ("schema.name") */
  readonly table: string;
  readonly schema: string;
  readonly name: string;
  /** the parent partitioned table (the restored table or a partition of it) */
  readonly parent: { readonly schema: string; readonly name: string };
  readonly owner: boolean;
  readonly triggers: readonly {
    readonly name: string;
    readonly enabled: 'O' | 'A' | 'R' | 'D';
    readonly clone: boolean;
    /** FOR EACH ROW: a statement trigger of a partition does not fire when rows come through the parent */
    readonly row: boolean;
  }[];
}

interface TriggerSwitch {
  /** the restored table: its own switch, or one of a partition of it (restore --commit-each-table picks by this) */
  readonly table: string;
  /** the relation altered: the table itself or the partition */
  readonly schema: string;
  readonly name: string;
  /** triggers to disable for the transaction, with the state to put back ('D': a clone the parent's switch also reaches) */
  readonly triggers: readonly { readonly name: string; readonly enabled: 'O' | 'A' | 'R' | 'D' }[];
}

export interface Access {
  /** replica: SET LOCAL session_replication_role (user triggers and FK checks off); origin: triggers off per table */
  readonly mode: 'replica' | 'origin';
  readonly disableTriggers: readonly TriggerSwitch[];
  /** FORCE ROW LEVEL SECURITY tables the role owns: NO FORCE for the transaction, FORCE again before commit */
  readonly unforceRls: readonly string[];
  /** tables the role may lock against concurrent writers (else it never loads them directly, only through ON CONFLICT) */
  readonly lockable: readonly string[];
  readonly blockers: readonly string[];
}

export function decideAccess(plan: RestorePlan, privileges: Privileges, onConflict: OnConflict): Access {
  const blockers: string[] = [];
  const role = privileges.role;
  const mode = privileges.replicationRole ? 'replica' : 'origin';
  // session_replication_role = replica silences triggers enabled as ORIGIN (the default, FK checks included);
  // ALWAYS and REPLICA triggers still fire, so those need disabling either way.
  const firing = mode === 'replica' ? ['A', 'R'] : ['O', 'A'];
  const disableTriggers: TriggerSwitch[] = [];
  const unforceRls: string[] = [];
  const lockable: string[] = [];
  for (const t of plan.tables) {
    const p = privileges.tables.find((x) => x.table === t.table);
    if (!p) continue;
    const missing = [
      !p.select && 'SELECT',
      !p.insert && 'INSERT',
      !p.update && (onConflict === 'update' || t.deferredColumns.length > 0) && 'UPDATE',
    ].filter(Boolean);
    if (missing.length > 0) blockers.push(`role ${role} lacks ${missing.join(' and ')} on ${t.table}`);
    if (p.lock) lockable.push(t.table);
    const triggers = t.triggers.filter((x) => firing.includes(x.enabled)) as TriggerSwitch['triggers'];
    if (triggers.length > 0) {
      if (p.owner) disableTriggers.push({ table: t.table, schema: t.schema, name: t.name, triggers });
      else blockers.push(triggerBlocker(t.table, triggers, role));
    }
    switchPartitions(t, triggers, privileges, firing, disableTriggers, blockers);
    if (mode === 'origin') {
      if (t.deferredColumns.length > 0 && !t.deferredNullable) {
        blockers.push(
          `${t.table} closes a cycle of non-deferrable foreign keys through NOT NULL column(s) ${t.deferredColumns.join(', ')}; restoring it needs superuser (or SET on session_replication_role, PostgreSQL 15+)`,
        );
      }
    }
    if (t.rowSecurity && !privileges.superuser && !privileges.bypassRls) {
      if (p.owner && t.forceRowSecurity) unforceRls.push(t.table);
      else if (!p.owner) {
        blockers.push(
          `row level security on ${t.table} applies to role ${role}, so policies would filter what restore sees and inserts; connect as its owner, a superuser, or a role with BYPASSRLS`,
        );
      }
    }
  }
  for (const s of plan.sequences) {
    const p = privileges.sequences.find((x) => x.sequence === s.sequence);
    if (p && !p.update) blockers.push(`role ${role} lacks UPDATE on sequence ${s.sequence} (needed to move it forward)`);
  }
  return { mode, disableTriggers, unforceRls, lockable, blockers };
}

/** The part of `access` that concerns `tables` (restore --commit-each-table switches per unit of tables). */
export function accessFor(access: Access, tables: readonly TablePlan[]): Access {
  const names = new Set(tables.map((t) => t.table));
  return {
    ...access,
    disableTriggers: access.disableTriggers.filter((sw) => names.has(sw.table)),
    unforceRls: access.unforceRls.filter((t) => names.has(t)),
    lockable: access.lockable.filter((t) => names.has(t)),
  };
}

/**
 * The switches of `t`'s partitions, parents before children (so that putting a parent's trigger back, which resets
 * its clones, comes before each clone gets its own state back): every trigger that would fire by its own state,
 * and every clone of a trigger switched on the parent, whatever its state. A partition's statement triggers do not
 * fire on rows written through the parent (and clones are row triggers), so they are left alone.
 */
function switchPartitions(
  t: TablePlan,
  own: TriggerSwitch['triggers'],
  privileges: Privileges,
  firing: readonly string[],
  out: TriggerSwitch[],
  blockers: string[],
): void {
  // keyed by (schema, name): a joined "schema.name" is ambiguous when names hold dots
  const key = (r: { readonly schema: string; readonly name: string }) => JSON.stringify([r.schema, r.name]);
  const switched = new Map<string, ReadonlySet<string>>([[key(t), new Set(own.map((x) => x.name))]]);
  for (const part of privileges.partitions.filter((x) => x.table === t.table)) {
    const reached = switched.get(key(part.parent)) ?? new Set<string>();
    const triggers = part.triggers
      .filter((x) => (x.row && firing.includes(x.enabled)) || (x.clone && reached.has(x.name)))
      .map(({ name, enabled }) => ({ name, enabled }));
    switched.set(key(part), new Set(triggers.map((x) => x.name)));
    if (triggers.length === 0) continue;
    if (part.owner) out.push({ table: t.table, schema: part.schema, name: part.name, triggers });
    else blockers.push(triggerBlocker(`${part.schema}.${part.name} (partition of ${t.table})`, triggers, privileges.role));
  }
}

function triggerBlocker(table: string, triggers: TriggerSwitch['triggers'], role: string): string {
  return `${table} has trigger(s) ${triggers.map((x) => x.name).join(', ')} that would fire on restored rows, and role ${role} can neither set session_replication_role (superuser, or GRANT SET ON PARAMETER on PostgreSQL 15+) nor disable them (owner of the table)`;
}

/** Read the role's privileges on the planned tables and sequences. */
export async function readPrivileges(s: Session, plan: RestorePlan): Promise<Privileges> {
  const major = await s.serverMajor();
  const role = await s.query<{ role: string; superuser: boolean; bypass: boolean; replication: boolean }>(
    `SELECT current_user AS role, r.rolsuper AS superuser, r.rolbypassrls AS bypass,
            ${major >= 15 ? `(r.rolsuper OR has_parameter_privilege('session_replication_role', 'SET'))` : 'r.rolsuper'} AS replication
       FROM pg_roles r WHERE r.rolname = current_user`,
  );
  const r = role.rows[0] as { role: string; superuser: boolean; bypass: boolean; replication: boolean };
  // matched by (schema, name) pairs: a joined "schema.name" is ambiguous when names hold dots
  const tableSchemas = plan.tables.map((t) => t.schema);
  const tableNames = plan.tables.map((t) => t.name);
  const tables = await s.query<{ t: string; owner: boolean; sel: boolean; ins: boolean; upd: boolean; lock: boolean }>(
    `SELECT n.nspname || '.' || c.relname AS t,
            pg_has_role(c.relowner, 'MEMBER') AS owner,
            has_table_privilege(c.oid, 'SELECT') AS sel,
            has_table_privilege(c.oid, 'INSERT') AS ins,
            has_table_privilege(c.oid, 'UPDATE') AS upd,
            has_table_privilege(c.oid, 'UPDATE') OR has_table_privilege(c.oid, 'DELETE') OR has_table_privilege(c.oid, 'TRUNCATE') AS lock
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE (n.nspname, c.relname) IN (SELECT * FROM unnest($1::text[], $2::text[])) AND c.relkind IN ('r', 'p')`,
    [tableSchemas, tableNames],
  );
  const sequences = await s.query<{ t: string; upd: boolean }>(
    `SELECT n.nspname || '.' || c.relname AS t, has_sequence_privilege(c.oid, 'UPDATE') AS upd
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE (n.nspname, c.relname) IN (SELECT * FROM unnest($1::text[], $2::text[])) AND c.relkind = 'S'`,
    [plan.sequences.map((q) => q.schema), plan.sequences.map((q) => q.name)],
  );
  const partitions = await readPartitionTriggers(s, plan);
  return {
    role: r.role,
    superuser: r.superuser,
    bypassRls: r.bypass,
    replicationRole: r.replication || (await maySetReplicationRole(s)),
    tables: tables.rows.map((x) => ({ table: x.t, owner: x.owner, select: x.sel, insert: x.ins, update: x.upd, lock: x.lock })),
    sequences: sequences.rows.map((x) => ({ sequence: x.t, update: x.upd })),
    partitions,
  };
}

/**
 * PartitionTriggers of the planned tables that are partitioned (pg_partition_tree: PostgreSQL 12+). Up to
 * PostgreSQL 14 a clone is marked tgisinternal; the foreign keys' own triggers (internal, some cloned) are not
 * user triggers and stay as they are.
 */
async function readPartitionTriggers(s: Session, plan: RestorePlan): Promise<PartitionTriggers[]> {
  const r = await s.query<{
    root: string;
    schema: string;
    name: string;
    parent_schema: string;
    parent_name: string;
    owner: boolean;
    triggers: string;
  }>(
    `SELECT rn.nspname || '.' || rc.relname AS root, n.nspname AS schema, c.relname AS name,
            pn.nspname AS parent_schema, pc.relname AS parent_name, pg_has_role(c.relowner, 'MEMBER') AS owner,
            coalesce((SELECT json_agg(json_build_object('name', t.tgname, 'enabled', t.tgenabled, 'clone', t.tgparentid <> 0,
                                          'row', (t.tgtype & 1) <> 0) ORDER BY t.tgname)
                        FROM pg_trigger t WHERE t.tgrelid = c.oid AND (NOT t.tgisinternal OR t.tgparentid <> 0)
                         AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.oid = t.tgconstraint AND k.contype = 'f')), '[]')::text AS triggers
       FROM pg_class rc JOIN pg_namespace rn ON rn.oid = rc.relnamespace
       CROSS JOIN LATERAL pg_partition_tree(rc.oid) tree
       JOIN pg_class c ON c.oid = tree.relid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_class pc ON pc.oid = tree.parentrelid JOIN pg_namespace pn ON pn.oid = pc.relnamespace
      WHERE (rn.nspname, rc.relname) IN (SELECT * FROM unnest($1::text[], $2::text[])) AND rc.relkind = 'p' AND tree.level > 0
      ORDER BY root, tree.level, schema, name`,
    [plan.tables.map((t) => t.schema), plan.tables.map((t) => t.name)],
  );
  return r.rows.map((x) => ({ table: x.root, schema: x.schema, name: x.name, parent: { schema: x.parent_schema, name: x.parent_name }, owner: x.owner, triggers: JSON.parse(x.triggers) as PartitionTriggers['triggers'] }));
}

/**
 * The catalog does not tell the whole story: on Supabase the `postgres` role may set session_replication_role
 * through the supautils extension, which has_parameter_privilege() knows nothing about. So try it, inside a
 * savepoint of the restore's own transaction, and undo it (ROLLBACK TO SAVEPOINT also reverts SET LOCAL).
 */
async function maySetReplicationRole(s: Session): Promise<boolean> {
  await s.query('SAVEPOINT pgsnap_replication_probe');
  let allowed = true;
  try {
    await s.query('SET LOCAL session_replication_role = replica');
  } catch {
    allowed = false;
  }
  await s.query('ROLLBACK TO SAVEPOINT pgsnap_replication_probe');
  await s.query('RELEASE SAVEPOINT pgsnap_replication_probe');
  return allowed;
}
