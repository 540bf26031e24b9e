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
 * Move staged rows into the target. Returns one row `{ inserted, updated }`.
 * - key, nothing: ON CONFLICT DO NOTHING without a conflict target, so a row clashing with any unique
 *   constraint is left alone rather than failing the restore.
 * - key, update: ON CONFLICT (key) DO UPDATE only where the row text differs, so identical rows are not
 *   rewritten (no dead tuples, no trigger noise) and count as skipped.
 * - multiset: insert the k-th copy of a row only when the target holds fewer than k copies of it.
 * `deferred` columns are inserted as NULL (set later by `setDeferred`); `touched` records the keys written.
 */
export function mergeStage(t: TablePlan, stage: string, onConflict: OnConflict, deferred: readonly string[], touched?: string): string {
  const s = quoteIdent(stage);
  const cols = t.columns;
  const values = cols.map((c) => (deferred.includes(c) ? 'NULL' : `s.${quoteIdent(c)}`)).join(', ');
  const overriding = t.overridingSystemValue ? ' OVERRIDING SYSTEM VALUE' : '';
  const into = `INSERT INTO ${target(t)} AS t (${list(cols)})${overriding}`;
  let insert: string;
  let returning: string;
  if (t.conflict.kind === 'multiset') {
    insert = `${into}
SELECT ${values} FROM (
  SELECT s.*, row_number() OVER (PARTITION BY ${rowText(cols, 's')}) AS pgsnap_copy, ${rowText(cols, 's')} AS pgsnap_row
    FROM ${s} s
) s
LEFT JOIN (SELECT ${rowText(cols, 't')} AS pgsnap_row, count(*) AS pgsnap_copies FROM ${target(t)} t GROUP BY 1) present USING (pgsnap_row)
WHERE s.pgsnap_copy > coalesce(present.pgsnap_copies, 0)`;
    returning = 'true AS inserted';
  } else {
    const key = t.conflict.columns;
    const rest = cols.filter((c) => !key.includes(c) && !deferred.includes(c));
    const action =
      onConflict === 'update' && rest.length > 0
        ? `ON CONFLICT (${list(key)}) DO UPDATE SET ${rest.map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`).join(', ')}
  WHERE ${rowText(rest, 't')} IS DISTINCT FROM ${rowText(rest, 'EXCLUDED')}`
        : 'ON CONFLICT DO NOTHING';
    insert = `${into}
SELECT ${values} FROM ${s} s
${action}`;
    // xmax is 0 on a freshly inserted row version and our transaction id on one ON CONFLICT updated.
    returning = `(t.xmax = 0) AS inserted${touched ? `, ${list(key, 't.')}` : ''}`;
  }
  const record = touched && t.conflict.kind === 'key' ? `, keep AS (INSERT INTO ${quoteIdent(touched)} SELECT * FROM written)` : '';
  return `WITH written AS (
${insert}
RETURNING ${returning}
)${record}
SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated FROM written`;
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
