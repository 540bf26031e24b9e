import { qualify, quoteIdent } from '../sql/quote.js';

/**
 * The one way a table's rows are read for the archive (format.ts, "Row encoding"): backup, the restore drill and
 * restore's already-identical check all read through `copyRowsSql` and archive/row-lines.ts, so that the same
 * rows always give the same lines and the same fingerprint.
 */
export interface RowSource {
  readonly schema: string;
  readonly name: string;
  /** read through the partitioned parent (all partitions); a plain table is read with ONLY (no inheritance children) */
  readonly partitioned?: boolean;
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  /** a condition on the rows to read (a ctid range, to read one table on two connections) */
  readonly where?: string;
}

/** Types a JSON number or boolean holds exactly, by their format_type spelling. Everything else travels as text. */
const NATIVE_TYPES = new Set(['boolean', 'smallint', 'integer']);

export function isNativeJsonType(type: string): boolean {
  return NATIVE_TYPES.has(type);
}

/**
 * The SELECT whose rows, as COPY text, backup turns into archive lines (archive/row-lines.ts). Plain column
 * values: the type's own output text, exactly what the archive stores.
 */
function rowValuesSql(t: RowSource): string {
  const from = `${t.partitioned ? '' : 'ONLY '}${qualify(t.schema, t.name)}`;
  const where = t.where ? ` WHERE ${t.where}` : '';
  return `SELECT ${t.columns.map((c) => quoteIdent(c.name)).join(', ')} FROM ${from}${where}`;
}

/**
 * What the archive lines mean, as one SQL statement: the same lines as `copyRowsSql` plus the client-side
 * conversion, printed by the server. Used by tests to check the conversion and by docs/archive-format.md; it
 * costs the server three times what plain COPY does, which is why backup does not run it.
 * (`format('%s', v)` is the type's output function, as COPY uses; `num_nulls` tells a NULL composite from a
 * composite whose fields are all NULL, which `IS NULL` does not.)
 */
export function rowSelectSql(t: RowSource): string {
  const cols = t.columns.map((c) =>
    isNativeJsonType(c.type)
      ? quoteIdent(c.name)
      : `CASE WHEN num_nulls(${quoteIdent(c.name)}) = 0 THEN format('%s', ${quoteIdent(c.name)}) END AS ${quoteIdent(c.name)}`,
  );
  const from = `${t.partitioned ? '' : 'ONLY '}${qualify(t.schema, t.name)}`;
  const where = t.where ? ` WHERE ${t.where}` : '';
  return `SELECT row_to_json(r) FROM (SELECT ${cols.join(', ')} FROM ${from}${where}) r`;
}

/** COPY … TO STDOUT of a table's rows in text format: the input of archive/row-lines.ts. */
export function copyRowsSql(t: RowSource): string {
  return `COPY (${rowValuesSql(t)}) TO STDOUT`;
}
