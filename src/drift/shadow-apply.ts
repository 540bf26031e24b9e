import type { Session } from '../db/index.js';
import { mirrorRoles } from '../db/roles.js';
import { quoteIdent } from '../sql/quote.js';
import { type Logger, silentLogger } from '../log.js';
import { type SchemaStatement, schemaFileError } from '../schema-files/statements.js';

/**
 * What has to happen around applying the schema files to a shadow database so that files as people write them
 * work there and leave nothing behind:
 *   - roles: a fresh shadow server has none of the live server's, so they are mirrored (NOLOGIN) — except the
 *     roles the files create themselves, which would then fail with "already exists". A `CREATE ROLE` of a role
 *     the shadow server already has (a server shadow shares its cluster's roles) is skipped. Roles are
 *     cluster-wide: on a server shadow, the roles the files created are dropped again afterwards.
 *   - subscriptions: a database holding one cannot be dropped, so they are dropped first (slot detached). A
 *     subscription that would connect to its publisher (and create a replication slot there) is refused.
 */
export interface PreparedApply {
  /** the statements to apply (CREATE ROLE of existing roles left out) */
  readonly statements: readonly SchemaStatement[];
  /** drop subscriptions, and (on a shared server) the roles the files created; never throws */
  cleanup(): Promise<void>;
}

const ROLE_IN_CODE = /\bCREATE\s+(?:ROLE|USER|GROUP)\s+("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)/gi;

/** Roles the files create: CREATE ROLE / USER / GROUP statements, and the same inside DO blocks. */
export function rolesCreatedBy(statements: readonly SchemaStatement[]): Set<string> {
  const out = new Set<string>();
  for (const st of statements) {
    const role = (st.ast.CreateRoleStmt as { role?: string } | undefined)?.role;
    if (role) out.add(role);
    if ('DoStmt' in st.ast) {
      for (const m of st.sql.matchAll(ROLE_IN_CODE)) {
        const name = m[1] as string;
        out.add(name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name.toLowerCase());
      }
    }
  }
  return out;
}

interface DefElem {
  DefElem?: { defname?: string; arg?: { String?: { sval?: string }; Boolean?: { boolval?: boolean } } };
}

/** CREATE SUBSCRIPTION without `connect = false` would reach the publisher from the shadow: refuse it. */
export function refuseConnectingSubscriptions(statements: readonly SchemaStatement[]): void {
  for (const st of statements) {
    const sub = st.ast.CreateSubscriptionStmt as { subname?: string; options?: DefElem[] } | undefined;
    if (!sub) continue;
    const connect = sub.options?.find((o) => o.DefElem?.defname === 'connect')?.DefElem?.arg;
    const off = connect?.Boolean ? connect.Boolean.boolval !== true : /^(false|off|0|no)$/i.test(connect?.String?.sval ?? 'true');
    if (!off) {
      throw schemaFileError(
        st.file,
        { line: st.line, column: st.column },
        `CREATE SUBSCRIPTION ${sub.subname ?? ''} would connect to its publisher (and create a replication slot there) from the shadow database; write it WITH (connect = false) and enable it outside the schema files`,
      );
    }
  }
}

export async function liveRoles(s: Session): Promise<string[]> {
  const r = await s.query<{ rolname: string }>(`SELECT rolname FROM pg_catalog.pg_roles WHERE rolname !~ '^pg_' ORDER BY 1`);
  return r.rows.map((x) => x.rolname);
}

async function serverRoles(s: Session): Promise<Set<string>> {
  return new Set((await s.query<{ rolname: string }>(`SELECT rolname FROM pg_catalog.pg_roles`)).rows.map((r) => r.rolname));
}

/** Create the live roles (NOLOGIN, no privileges) a private shadow server lacks, except those the files create. */
export async function mirrorLiveRoles(s: Session, roles: readonly string[], createdByFiles: ReadonlySet<string>): Promise<void> {
  await mirrorRoles(
    s,
    roles.filter((r) => !createdByFiles.has(r)),
  );
}

export interface PrepareOptions {
  /** the shadow shares a server with others: drop the roles the files create afterwards */
  readonly sharedServer: boolean;
  readonly logger?: Logger;
}

export async function prepareApply(s: Session, statements: readonly SchemaStatement[], options: PrepareOptions): Promise<PreparedApply> {
  const logger = options.logger ?? silentLogger;
  const created = rolesCreatedBy(statements);
  const existing = await serverRoles(s);
  const kept = statements.filter((st) => {
    const role = (st.ast.CreateRoleStmt as { role?: string } | undefined)?.role;
    if (role === undefined || !existing.has(role)) return true;
    logger.debug(`${st.file}:${st.line}: role ${role} already exists on the shadow server; CREATE ROLE skipped`);
    return false;
  });
  const before = existing;
  return {
    statements: kept,
    async cleanup() {
      try {
        await dropSubscriptions(s);
        if (options.sharedServer) await dropCreatedRoles(s, created, before);
      } catch (e) {
        logger.warn(`could not clean up after the shadow database: ${(e as Error).message}`);
      }
    },
  };
}

/** A subscription keeps its database from being dropped; detach its slot (never touch the publisher) and drop it. */
async function dropSubscriptions(s: Session): Promise<void> {
  const r = await s.query<{ subname: string }>(
    `SELECT subname FROM pg_catalog.pg_subscription WHERE subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())`,
  );
  for (const { subname } of r.rows) {
    const name = quoteIdent(subname);
    await s.query(`ALTER SUBSCRIPTION ${name} DISABLE`);
    await s.query(`ALTER SUBSCRIPTION ${name} SET (slot_name = NONE)`);
    await s.query(`DROP SUBSCRIPTION ${name}`);
  }
}

/** Only roles the files name, that did not exist before and exist now: never a role someone else created. */
async function dropCreatedRoles(s: Session, created: ReadonlySet<string>, before: ReadonlySet<string>): Promise<void> {
  const now = await serverRoles(s);
  const ours = [...created].filter((r) => !before.has(r) && now.has(r));
  if (ours.length === 0) return;
  const list = ours.map(quoteIdent).join(', ');
  // DROP OWNED also revokes what they were granted here and on shared objects; then nothing holds them.
  await s.query(`DROP OWNED BY ${list}`);
  await s.query(`DROP ROLE ${list}`);
}
