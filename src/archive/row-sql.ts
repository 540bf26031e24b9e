import { qualify, quoteIdent } from '../db/client.js';

/**
 * The one SELECT that turns a table's rows into archive lines (format.ts, "Row encoding"). Backup streams it
 * through COPY; `verify --restore-test` runs the same statement against a restored table and compares
 * fingerprints, so both must build it here.
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

export function rowSelectSql(t: RowSource): string {
  const cols = t.columns.map((c) => (isNativeJsonType(c.type) ? quoteIdent(c.name) : `${quoteIdent(c.name)}::text AS ${quoteIdent(c.name)}`));
  // row_to_json of an empty column list gives {} per row, which keeps the row count of a table without columns
  const from = `${t.partitioned ? '' : 'ONLY '}${qualify(t.schema, t.name)}`;
  const where = t.where ? ` WHERE ${t.where}` : '';
  return `SELECT row_to_json(r) FROM (SELECT ${cols.length > 0 ? cols.join(', ') : ''} FROM ${from}${where}) r`;
}

/**
 * COPY … TO STDOUT in CSV mode with a quote and a delimiter that JSON text never contains unescaped (0x01, 0x02):
 * each row arrives as its raw JSON line. Text mode would double every backslash; row_to_json escapes control
 * characters, so no line can contain either byte or a raw newline.
 */
export function copyRowsSql(t: RowSource): string {
  return `COPY (${rowSelectSql(t)}) TO STDOUT WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')`;
}
