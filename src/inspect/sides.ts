import { OUTPUT_SETTINGS } from '../archive/format.js';
import type { OpenArchive } from '../archive/reader.js';
import { readRowLines } from '../archive/row-lines.js';
import { close, connect, type Session } from '../db/client.js';
import type { ConnectionTarget } from '../db/connection.js';
import type { Logger } from '../log.js';
import { type ArchivedRow, parseLine } from './values.js';

/** One side of a diff: tables by `schema.table`, each with its stored columns, its key and a way to read its rows. */
export interface SideTable {
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly key: readonly string[] | null;
  rows(): AsyncIterable<ArchivedRow>;
}

export interface Side {
  readonly label: string;
  /** the table, or null when this side has none by that name */
  table(schema: string, name: string): Promise<SideTable | null>;
  /** every table, when this side can list them (an archive); a live database is only asked about A's tables */
  tables(): readonly { schema: string; name: string }[] | null;
  close(): Promise<void>;
}

export function archiveSide(label: string, archive: OpenArchive): Side {
  const byName = new Map(archive.manifest.tables.map((t) => [`${t.schema}.${t.name}`, t]));
  return {
    label,
    async table(schema, name) {
      const t = byName.get(`${schema}.${name}`);
      if (!t) return null;
      return {
        schema,
        name,
        columns: t.columns,
        key: t.key ? t.key.columns : null,
        async *rows() {
          for (const e of t.entries) for await (const line of archive.readLines(e.name)) yield parseLine(line);
        },
      };
    },
    tables: () => archive.manifest.tables.map((t) => ({ schema: t.schema, name: t.name })),
    close: () => archive.close(),
  };
}

/**
 * A live database, read like a backup reads it: one REPEATABLE READ snapshot for every table, the archive's
 * output settings (so values print as they were archived), and row_security off, so that a policy that would
 * hide rows is an error instead of rows reported as lost.
 */
export async function liveSide(label: string, target: ConnectionTarget, logger: Logger): Promise<Side> {
  const s = await connect(target, { logger, applicationName: 'pgsnap diff' });
  try {
    for (const [name, value] of Object.entries(OUTPUT_SETTINGS)) await s.query('SELECT set_config($1, $2, false)', [name, value]);
    await s.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await s.query('SET LOCAL row_security = off');
  } catch (e) {
    await close(s);
    throw e;
  }
  return {
    label,
    table: (schema, name) => liveTable(s, schema, name),
    tables: () => null,
    close: () => close(s),
  };
}

async function liveTable(s: Session, schema: string, name: string): Promise<SideTable | null> {
  const rel = await s.query<{ oid: string; partitioned: boolean }>(
    `SELECT c.oid::text AS oid, c.relkind = 'p' AS partitioned FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`,
    [schema, name],
  );
  const r = rel.rows[0];
  if (!r) return null;
  const cols = await s.query<{ name: string; type: string }>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
      WHERE attrelid = $1::oid AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum`,
    [r.oid],
  );
  // the primary key, else a unique constraint over NOT NULL columns (as backup chooses it)
  const keys = await s.query<{ columns: string }>(
    `SELECT json_agg(a.attname ORDER BY k.i)::text AS columns
       FROM pg_constraint con CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, i)
       JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
      WHERE con.conrelid = $1::oid AND con.contype IN ('p', 'u')
      GROUP BY con.oid, con.contype
     HAVING bool_and(a.attnotnull)
      ORDER BY con.contype = 'p' DESC, count(*), con.oid`,
    [r.oid],
  );
  const columns = cols.rows;
  return {
    schema,
    name,
    columns,
    key: keys.rows[0] ? (JSON.parse(keys.rows[0].columns) as string[]) : null,
    async *rows() {
      // split on bytes, not text: a chunk may end inside a multi-byte character
      let rest: Buffer = Buffer.alloc(0);
      for await (const chunk of readRowLines(s, { schema, name, partitioned: r.partitioned, columns })) {
        let buf = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
        for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10)) {
          yield parseLine(buf.subarray(0, nl).toString('utf8'));
          buf = buf.subarray(nl + 1);
        }
        rest = Buffer.from(buf);
      }
      if (rest.length > 0) yield parseLine(rest.toString('utf8'));
    },
  };
}
