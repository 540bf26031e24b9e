import type { Session } from '../db/client.js';

/**
 * The planner's row estimate for the tables about to be read (pg_class.reltuples, summed over a partitioned
 * table's leaves), for the progress bar's percentage and ETA. Approximate by nature; 0 for never-analyzed tables
 * (reltuples is -1 there), and then the bar counts tables instead. pg_partition_tree gives no rows for a table
 * that is neither partitioned nor a partition, hence the LEFT JOIN: the table stands for itself.
 */
export async function estimateRows(s: Session, tables: readonly { schema: string; name: string }[]): Promise<number> {
  if (tables.length === 0) return 0;
  const r = await s.query<{ rows: string | null }>(
    `SELECT sum(GREATEST(c.reltuples, 0))::bigint::text AS rows
       FROM unnest($1::text[], $2::text[]) AS t(schema, name)
       JOIN pg_namespace n ON n.nspname = t.schema
       JOIN pg_class r ON r.relnamespace = n.oid AND r.relname = t.name
       LEFT JOIN LATERAL pg_partition_tree(r.oid) p ON true
       JOIN pg_class c ON c.oid = coalesce(p.relid, r.oid)
      WHERE coalesce(p.isleaf, true)`,
    [tables.map((t) => t.schema), tables.map((t) => t.name)],
  );
  return Number(r.rows[0]?.rows ?? 0);
}
