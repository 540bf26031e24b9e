import { qualify, quoteIdent } from '../db/client.js';
import type { OnConflict, TablePlan } from './plan.js';

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

export function copyInto(relation: string, cols: readonly string[]): string {
  return `COPY ${relation} (${list(cols)}) FROM STDIN`;
}

/** A temporary table typed exactly like the target's columns (typmods and domains included), without constraints. */
export function createStage(t: TablePlan, stage: string): string {
  return `CREATE TEMP TABLE ${quoteIdent(stage)} ON COMMIT DROP AS SELECT ${list(t.columns)} FROM ${target(t)} WITH NO DATA`;
}

/**
 * Insert the staged rows the target lacks. Returns one row `{ n }`, the rows inserted.
 * - key: ON CONFLICT DO NOTHING without a conflict target, so a row clashing with any unique constraint is left
 *   alone rather than failing the restore.
 * - multiset: insert the k-th copy of a row only when the target holds fewer than k copies of it.
 * `deferred` columns are inserted as NULL (set later by `setDeferred`); `touched` records the keys inserted.
 */
export function insertFromStage(t: TablePlan, stage: string, deferred: readonly string[], touched?: string): string {
  const s = quoteIdent(stage);
  const cols = t.columns;
  const values = cols.map((c) => (deferred.includes(c) ? 'NULL' : `s.${quoteIdent(c)}`)).join(', ');
  const overriding = t.overridingSystemValue ? ' OVERRIDING SYSTEM VALUE' : '';
  const into = `INSERT INTO ${target(t)} AS t (${list(cols)})${overriding}`;
  let insert: string;
  if (t.conflict.kind === 'multiset') {
    insert = `${into}
SELECT ${values} FROM (
  SELECT s.*, row_number() OVER (PARTITION BY ${rowText(cols, 's')}) AS pgsnap_copy, ${rowText(cols, 's')} AS pgsnap_row
    FROM ${s} s
) s
LEFT JOIN (SELECT ${rowText(cols, 't')} AS pgsnap_row, count(*) AS pgsnap_copies FROM ${target(t)} t GROUP BY 1) present USING (pgsnap_row)
WHERE s.pgsnap_copy > coalesce(present.pgsnap_copies, 0)`;
  } else {
    // The anti-join lets the planner skip present rows with one hash join instead of one index probe per row
    // (a re-run over a full table is all present rows); ON CONFLICT still catches the rest.
    const key = t.conflict.columns;
    insert = `${into}
SELECT ${values} FROM ${s} s
 WHERE NOT EXISTS (SELECT 1 FROM ${target(t)} t WHERE ${key.map((c) => `t.${quoteIdent(c)} = s.${quoteIdent(c)}`).join(' AND ')})
ON CONFLICT DO NOTHING`;
  }
  const key = t.conflict.kind === 'key' ? t.conflict.columns : [];
  return written(insert, touched && key.length > 0 ? `true AS inserted, ${list(key, 't.')}` : 'true', touched);
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

function written(statement: string, returning: string, touched: string | undefined): string {
  const record = touched ? `, keep AS (INSERT INTO ${quoteIdent(touched)} SELECT * FROM written)` : '';
  return `WITH written AS (
${statement}
RETURNING ${returning}
)${record}
SELECT count(*) AS n FROM written`;
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

/** A row of `child` whose foreign key points at no row of the referenced table (MATCH SIMPLE: any NULL passes). */
export function findOrphan(t: TablePlan, fk: TablePlan['foreignKeys'][number]): string {
  const [schema, ...rest] = splitQualified(fk.references.table);
  const parent = qualify(schema, rest.join('.'));
  const notNull = fk.columns.map((c) => `c.${quoteIdent(c)} IS NOT NULL`).join(' AND ');
  const match = fk.columns.map((c, i) => `p.${quoteIdent(fk.references.columns[i] as string)} = c.${quoteIdent(c)}`).join(' AND ');
  return `SELECT ${rowText(fk.columns, 'c')} AS value FROM ${target(t)} c WHERE ${notNull} AND NOT EXISTS (SELECT 1 FROM ${parent} p WHERE ${match}) LIMIT 1`;
}

function splitQualified(name: string): [string, ...string[]] {
  const i = name.indexOf('.');
  return [name.slice(0, i), name.slice(i + 1)];
}
