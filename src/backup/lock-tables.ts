import { type TableId, tableLabel } from '../archive/table-id.js';
import type { Session } from '../db/client.js';
import { lockForBackup } from './lock-wait.js';

/**
 * Like pg_dump, a backup locks its tables IN ACCESS SHARE MODE so they are not dropped or rewritten while it reads
 * them. But the snapshot is taken before the lock (the tables to lock are only known from the catalog, read in the
 * snapshot), and a transaction that rewrote or truncated a table (ALTER COLUMN TYPE, TRUNCATE, VACUUM FULL,
 * CLUSTER) and committed while we waited for the lock leaves that table *empty* in our snapshot: its new file holds
 * only rows our snapshot cannot see. pg_dump has this hole.
 *
 * After the lock, compare each table's file node as the snapshot's catalog rows say (`pg_class.relfilenode`, read
 * in the snapshot) with the current one (`pg_relation_filenode`, which reads the live catalog): every rewrite and
 * TRUNCATE gives a table a new file node, and a dropped-and-recreated table has none under its old oid. The tables
 * returned were changed under the snapshot; the caller starts again in a fresh snapshot, which sees the change.
 * Partitions are checked with their root, since a partitioned table is read through it.
 */
/** `waitSeconds`: --lock-wait-timeout (lock-wait.ts); undefined waits as long as it takes. */
export async function lockAndCheck(s: Session, tables: readonly TableId[], waitSeconds?: number): Promise<TableId[]> {
  if (tables.length === 0) return [];
  await lockForBackup(s, tables, waitSeconds);
  const changed = await s.query<{ schema: string; name: string }>(
    `WITH RECURSIVE wanted AS (
       SELECT u.schema, u.name, u.i, c.oid
         FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(schema, name, i)
         JOIN pg_namespace n ON n.nspname = u.schema
         JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = u.name
       UNION ALL
       SELECT w.schema, w.name, w.i, inh.inhrelid FROM wanted w JOIN pg_inherits inh ON inh.inhparent = w.oid
          AND (SELECT relkind FROM pg_class WHERE oid = w.oid) = 'p'
     )
     SELECT w.schema, w.name FROM wanted w JOIN pg_class c ON c.oid = w.oid
      WHERE c.relkind IN ('r', 'm') AND pg_relation_filenode(c.oid) IS DISTINCT FROM c.relfilenode
      GROUP BY w.schema, w.name, w.i ORDER BY w.i`,
    [tables.map((t) => t.schema), tables.map((t) => t.name)],
  );
  return changed.rows.map((r) => ({ schema: r.schema, name: r.name }));
}

export function describeChanged(tables: readonly TableId[]): string {
  return tables.map(tableLabel).join(', ');
}
