import { PgsnapError } from '../errors.js';

/**
 * An archived value back as PostgreSQL's text output (format.ts, "Row encoding"): null is SQL NULL, booleans are
 * `t` / `f` as PostgreSQL prints them, integers their digits, everything else already the type's text.
 */
export type ArchivedValue = string | number | boolean | null;

export function valueText(v: ArchivedValue): string | null {
  if (v === null) return null;
  if (typeof v === 'boolean') return v ? 't' : 'f';
  return String(v);
}

/** One archive line as its values, in the order of `columns`; a missing column is an error, never a NULL. */
export function lineValues(line: string, columns: readonly string[]): ArchivedValue[] {
  const row = parseLine(line);
  return columns.map((c) => {
    if (!Object.hasOwn(row, c)) throw new PgsnapError('archive_corrupt', `a row has no column ${JSON.stringify(c)}`);
    return row[c] as ArchivedValue;
  });
}

export type ArchivedRow = Readonly<Record<string, ArchivedValue>>;

export function parseLine(line: string): ArchivedRow {
  let row: unknown;
  try {
    row = JSON.parse(line);
  } catch {
    throw new PgsnapError('archive_corrupt', 'a row is not valid JSON');
  }
  if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new PgsnapError('archive_corrupt', 'a row is not a JSON object');
  return row as ArchivedRow;
}
