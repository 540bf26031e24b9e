import { qualify, quoteIdent, quoteLiteral } from '../sql/quote.js';
import type { OnConflict, TablePlan, UniqueKey } from './plan.js';

/**
 * The SQL restore runs, built from a table plan. Pure string building, so the statements can be read (and unit
 * tested) apart from the executor.
 */

const list = (cols: readonly string[], prefix = '') => cols.map((c) => prefix + quoteIdent(c)).join(', ');
/** Row text, the comparison restore uses: json has no equality operator, and text is what the archive holds. */
const rowText = (cols: readonly string[], alias: string) => (cols.length === 0 ? `''` : `ROW(${list(cols, `${alias}.`)})::text`);

export function target(t: TablePlan): string {
  return qualify(t.schema, t.name);
}

export function copyInto(relation: string, cols: readonly string[], binary = false): string {
  return `COPY ${relation} (${list(cols)}) FROM STDIN${binary ? ' (FORMAT binary)' : ''}`;
}

/** A temporary table typed exactly like the target's columns (typmods and domains included), without constraints. */
export function createStage(t: TablePlan, stage: string): string {
  return `CREATE TEMP TABLE ${quoteIdent(stage)} ON COMMIT DROP AS SELECT ${list(t.columns)} FROM ${target(t)} WITH NO DATA`;
}

/**
 * How an INSERT from the stage keeps clear of the target's unique keys. Without a DEFERRABLE one, ON CONFLICT DO
 * NOTHING (no conflict target: every unique index is an arbiter) skips any clash, also between two staged rows.
 * PostgreSQL refuses a deferrable constraint as an arbiter, and checks it only at commit, so then restore matches
 * every unique key itself: an anti-join against the target (safe because the table is locked against writers, or
 * else a concurrent clash still fails loudly at the constraint check), and, for keys the archive did not have,
 * only the first of the staged rows sharing a key value.
 */
function uniqueGuards(t: TablePlan, alias: string): { windows: string; where: string[]; onConflict: string } {
  if (!t.uniqueKeys.some((k) => k.deferrable)) return { windows: '', where: [], onConflict: '\nON CONFLICT DO NOTHING' };
  const where: string[] = [];
  const windows: string[] = [];
  t.uniqueKeys.forEach((k, i) => {
    where.push(`NOT EXISTS (SELECT 1 FROM ${target(t)} t WHERE ${matchKey(k, 't', alias)})`);
    if (k.newSinceBackup) {
      const order = t.conflict.kind === 'key' ? list(t.conflict.columns, `${alias}.`) : rowText(t.columns, alias);
      windows.push(`, row_number() OVER (PARTITION BY ${list(k.columns, `${alias}.`)} ORDER BY ${order}) AS pgsnap_u${i}`);
      const nulls = k.nullsNotDistinct ? [] : k.columns.map((c) => `${alias}.${quoteIdent(c)} IS NULL`);
      where.push(`(${[`${alias}.pgsnap_u${i} = 1`, ...nulls].join(' OR ')})`);
    }
  });
  return { windows: windows.join(''), where, onConflict: '' };
}

/** Rows of `a` and `b` that clash on unique key `k` (NULLs clash only under NULLS NOT DISTINCT). */
function matchKey(k: UniqueKey, a: string, b: string): string {
  const op = k.nullsNotDistinct ? 'IS NOT DISTINCT FROM' : '=';
  return k.columns.map((c) => `${a}.${quoteIdent(c)} ${op} ${b}.${quoteIdent(c)}`).join(' AND ');
}

/**
 * Insert the staged rows the target lacks. Returns one row `{ n, wanted }`: the rows inserted, and the rows that
 * were missing (inserted, or left out because they clash with another row on a unique key).
 * - key: missing means no target row has the key; clashes on other unique keys are left out (`uniqueGuards`).
 * - multiset: insert the k-th copy of a row only when the target holds fewer than k copies of it.
 * `deferred` columns are inserted as NULL (set later by `setDeferred`); `touched` records the keys inserted.
 */
export function insertFromStage(t: TablePlan, stage: string, deferred: readonly string[], touched?: string): string {
  const st = quoteIdent(stage);
  const cols = t.columns;
  const values = cols.map((c) => (deferred.includes(c) ? 'NULL' : `s.${quoteIdent(c)}`)).join(', ');
  const overriding = t.overridingSystemValue ? ' OVERRIDING SYSTEM VALUE' : '';
  const into = `INSERT INTO ${target(t)} AS t (${list(cols)})${overriding}`;
  const guards = uniqueGuards(t, 's');
  const guarded = (from: string, filter: string[]) => {
    const where = [...filter, ...guards.where];
    return `SELECT ${values} FROM (SELECT s.*${guards.windows} FROM ${from} s) s${where.length > 0 ? `\n WHERE ${where.join('\n   AND ')}` : ''}${guards.onConflict}`;
  };
  let missing: string;
  let insert: string;
  if (t.conflict.kind === 'multiset') {
    missing = `SELECT s.* FROM (
  SELECT s.*, row_number() OVER (PARTITION BY ${rowText(cols, 's')}) AS pgsnap_copy, ${rowText(cols, 's')} AS pgsnap_row
    FROM ${st} s
) s
LEFT JOIN (SELECT ${rowText(cols, 't')} AS pgsnap_row, count(*) AS pgsnap_copies FROM ${target(t)} t GROUP BY 1) present USING (pgsnap_row)
WHERE s.pgsnap_copy > coalesce(present.pgsnap_copies, 0)`;
    insert = `${into}\n${guarded('missing', [])}`;
  } else {
    // The anti-join lets the planner skip present rows with one hash join instead of one index probe per row
    // (a re-run over a full table is all present rows).
    const key = t.conflict.columns;
    missing = `SELECT s.* FROM ${st} s WHERE NOT EXISTS (SELECT 1 FROM ${target(t)} t WHERE ${key.map((c) => `t.${quoteIdent(c)} = s.${quoteIdent(c)}`).join(' AND ')})`;
    insert = `${into}\n${guarded('missing', [])}`;
  }
  const key = t.conflict.kind === 'key' ? t.conflict.columns : [];
  return written(insert, touched && key.length > 0 ? `true AS inserted, ${list(key, 't.')}` : 'true', touched, missing);
}

/**
 * After `insertFromStage` (key tables): up to `limit` staged rows whose key is still not in the target, so they
 * clashed with a row on another unique key. Each row: `total` (all of them), `key` (the row's key values as
 * text) and `clashes` (a JSON array of the unique keys of the target it collides with; empty when it clashed
 * with another archived row).
 */
export function findConflicts(t: TablePlan, stage: string, limit = 5): string {
  const key = t.conflict.kind === 'key' ? t.conflict.columns : [];
  const others = t.uniqueKeys.filter((k) => !(k.columns.length === key.length && k.columns.every((c, i) => c === key[i])));
  const clashes = others.map(
    (k) =>
      `CASE WHEN EXISTS (SELECT 1 FROM ${target(t)} t WHERE ${matchKey(k, 't', 's')}) THEN ${quoteLiteral(`${k.name} (${k.columns.join(', ')})=`)} || ${rowText(k.columns, 's')} END`,
  );
  return `SELECT count(*) OVER () AS total, ${rowText(key, 's')} AS key,
       to_json(array_remove(ARRAY[${clashes.length > 0 ? clashes.join(', ') : 'NULL'}]::text[], NULL))::text AS clashes
  FROM ${quoteIdent(stage)} s
 WHERE NOT EXISTS (SELECT 1 FROM ${target(t)} t WHERE ${key.map((c) => `t.${quoteIdent(c)} = s.${quoteIdent(c)}`).join(' AND ')})
 LIMIT ${limit}`;
}

/** The columns `--on-conflict update` overwrites: all but the key and the deferred ones. */
export function updatableColumns(t: TablePlan, deferred: readonly string[]): string[] {
  const key = t.conflict.kind === 'key' ? t.conflict.columns : [];
  return t.columns.filter((c) => !key.includes(c) && !deferred.includes(c));
}

/**
 * `--on-conflict update`: overwrite rows whose key is staged, only where the row text differs, so identical
 * rows are not rewritten (no dead tuples) and count as skipped. Runs before `insertFromStage`, whose
 * ON CONFLICT DO NOTHING then passes over these rows. (One INSERT … ON CONFLICT DO UPDATE could do both, but it
 * cannot tell inserted from updated rows on a partitioned table, where RETURNING xmax is refused.)
 * Returns `{ n }`, the rows updated.
 */
export function updateFromStage(t: TablePlan, stage: string, deferred: readonly string[], touched?: string): string {
  const key = t.conflict.kind === 'key' ? t.conflict.columns : [];
  const rest = updatableColumns(t, deferred);
  const update = `UPDATE ${target(t)} AS t SET ${rest.map((c) => `${quoteIdent(c)} = s.${quoteIdent(c)}`).join(', ')}
  FROM ${quoteIdent(stage)} s
 WHERE ${key.map((c) => `t.${quoteIdent(c)} = s.${quoteIdent(c)}`).join(' AND ')}
   AND ${rowText(rest, 't')} IS DISTINCT FROM ${rowText(rest, 's')}`;
  return written(update, touched ? `false AS inserted, ${list(key, 't.')}` : 'true', touched);
}

function written(statement: string, returning: string, touched: string | undefined, missing?: string): string {
  const record = touched ? `, keep AS (INSERT INTO ${quoteIdent(touched)} SELECT * FROM written)` : '';
  return `WITH ${missing ? `missing AS MATERIALIZED (\n${missing}\n), ` : ''}written AS (
${statement}
RETURNING ${returning}
)${record}
SELECT count(*) AS n${missing ? ', (SELECT count(*) FROM missing) AS wanted' : ''} FROM written`;
}

/** The keys written in the first pass of a table with deferred columns, and whether each was inserted. */
export function createTouched(t: TablePlan, touched: string): string {
  const key = t.conflict.kind === 'key' ? t.conflict.columns : [];
  return `CREATE TEMP TABLE ${quoteIdent(touched)} ON COMMIT DROP AS SELECT true AS inserted, ${list(key)} FROM ${target(t)} WITH NO DATA`;
}

/**
 * Second pass for the columns that close a foreign-key cycle: now that every table has its rows, set them. With
 * `nothing` only on rows this restore inserted; with `update` wherever they differ. Returns `{ newly_updated }`:
 * rows changed here that the first pass had neither inserted nor updated.
 */
export function setDeferred(t: TablePlan, stage: string, deferred: readonly string[], onConflict: OnConflict, touched: string): string {
  const key = t.conflict.kind === 'key' ? t.conflict.columns : [];
  const join = key.map((c) => `t.${quoteIdent(c)} = s.${quoteIdent(c)}`).join(' AND ');
  const onlyInserted =
    onConflict === 'nothing'
      ? ` AND EXISTS (SELECT 1 FROM ${quoteIdent(touched)} k WHERE k.inserted AND ${key.map((c) => `k.${quoteIdent(c)} = s.${quoteIdent(c)}`).join(' AND ')})`
      : '';
  return `WITH changed AS (
UPDATE ${target(t)} AS t SET ${deferred.map((c) => `${quoteIdent(c)} = s.${quoteIdent(c)}`).join(', ')}
  FROM ${quoteIdent(stage)} s
 WHERE ${join} AND ${rowText(deferred, 't')} IS DISTINCT FROM ${rowText(deferred, 's')}${onlyInserted}
RETURNING ${list(key, 't.')}
)
SELECT count(*) AS newly_updated FROM changed c
 WHERE NOT EXISTS (SELECT 1 FROM ${quoteIdent(touched)} k WHERE ${key.map((c) => `k.${quoteIdent(c)} = c.${quoteIdent(c)}`).join(' AND ')})`;
}

/** The key of a row as text (`(7)`), or the whole row for a table without a key. */
export function keyText(t: TablePlan, alias: string): string {
  return t.conflict.kind === 'key' ? rowText(t.conflict.columns, alias) : rowText(t.columns, alias);
}

/** True for a row of `alias` whose foreign key `fk` points at a row of `parent` (a staged table of the referenced one). */
export function pointsInto(fk: TablePlan['foreignKeys'][number], alias: string, parent: string): string {
  const match = fk.columns.map((c, i) => `p.${quoteIdent(fk.references.columns[i] as string)} = ${alias}.${quoteIdent(c)}`).join(' AND ');
  return `EXISTS (SELECT 1 FROM ${parent} p WHERE ${match})`;
}

/**
 * A row of the table declaring `fk` (the restored table or one of its partitions) that points at no row of the
 * referenced table (MATCH SIMPLE: any NULL passes).
 */
function findOrphan(fk: TablePlan['foreignKeys'][number]): string {
  const parent = qualify(fk.references.schema, fk.references.name);
  const notNull = fk.columns.map((c) => `c.${quoteIdent(c)} IS NOT NULL`).join(' AND ');
  const match = fk.columns.map((c, i) => `p.${quoteIdent(fk.references.columns[i] as string)} = c.${quoteIdent(c)}`).join(' AND ');
  return `SELECT ${rowText(fk.columns, 'c')} AS value FROM ${qualify(fk.on.schema, fk.on.name)} c WHERE ${notNull} AND NOT EXISTS (SELECT 1 FROM ${parent} p WHERE ${match}) LIMIT 1`;
}

/**
 * `findOrphan` for several foreign keys in one statement: each check as it is, numbered, and the first (by that
 * number) that finds an orphan, with its value; no row when none does. One round trip instead of one per key —
 * the checks only read, so running them together answers exactly what running them one after another did.
 */
export function findFirstOrphan(fks: readonly TablePlan['foreignKeys'][number][]): string {
  return `SELECT i, value FROM (${fks.map((fk, i) => `(SELECT ${i} AS i, o.value FROM (${findOrphan(fk)}) o)`).join(' UNION ALL ')}) q ORDER BY i LIMIT 1`;
}
