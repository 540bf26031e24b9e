import { PgsnapError } from '../errors.js';

/**
 * Archive rows (one JSON object per line, see archive/format.ts) become lines of COPY's text format. Decoding
 * JSON in Node and letting the server run each type's own input function is what makes restore fast:
 * server-side json_populate_record costs more than the whole COPY. Every value in the archive is a JSON native
 * (boolean, small integer) or a string holding PostgreSQL's own text output, so the text format needs no type
 * knowledge: escape backslash and the three control characters COPY treats specially, and write NULL as \N.
 */

const NEEDS_ESCAPE = /[\\\n\r\t]/;
const ESCAPES = /[\\\n\r\t]/g;
const ESCAPED: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** One field of COPY text format. */
export function copyTextField(value: unknown, column: string): string {
  const text = fieldText(value, column);
  if (text === null) return '\\N';
  return NEEDS_ESCAPE.test(text) ? text.replace(ESCAPES, (c) => ESCAPED[c] as string) : text;
}

/** The text an archived value stands for, as the column's input (or receive) function is to read it; null for NULL. */
export function fieldText(value: unknown, column: string): string | null {
  if (value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new PgsnapError('archive_corrupt', `archive row has ${value === undefined ? 'no value' : `a ${typeof value}`} for column ${column}`, {
    hint: 'the archive does not follow pgsnap archive format v1; run pgsnap verify on it',
  });
}

/** One archive line as an object holding exactly the manifest's `archiveColumns` (else archive_corrupt). */
export function parseRow(line: string, archiveColumns: readonly string[]): Record<string, unknown> {
  let row: unknown;
  try {
    row = JSON.parse(line);
  } catch {
    throw new PgsnapError('archive_corrupt', 'not valid JSON', { hint: 'run pgsnap verify on the archive' });
  }
  if (typeof row !== 'object' || row === null || Array.isArray(row)) {
    throw new PgsnapError('archive_corrupt', 'not a JSON object', { hint: 'run pgsnap verify on the archive' });
  }
  const values = row as Record<string, unknown>;
  const problem = keyProblem(values, archiveColumns);
  if (problem) throw new PgsnapError('archive_corrupt', problem, { hint: 'the manifest and the rows disagree; run pgsnap verify on the archive' });
  return values;
}

/**
 * A function turning one NDJSON line into one COPY text line (with its newline), taking `columns` in that order.
 * Columns of the archive that are not listed are dropped (they have no place in the target). The line must hold
 * exactly the manifest's `archiveColumns`, as verify demands (verify/row-check.ts): a key the manifest does not
 * list, or a listed column missing, means the manifest and the rows disagree, and restoring would quietly NULL
 * or drop a column.
 */
export function rowEncoder(archiveColumns: readonly string[], columns: readonly string[]): (line: string) => string {
  return (line) => {
    const values = parseRow(line, archiveColumns);
    let out = '';
    for (let i = 0; i < columns.length; i++) {
      const name = columns[i] as string;
      out += (i === 0 ? '' : '\t') + copyTextField(values[name], name);
    }
    return `${out}\n`;
  };
}

/** A key of the row the manifest does not list, or a listed column the row lacks; null when they are the same set. */
function keyProblem(values: Record<string, unknown>, columns: readonly string[]): string | null {
  const keys = Object.keys(values);
  const missing = columns.find((c) => !Object.hasOwn(values, c));
  if (missing !== undefined) return `missing column ${JSON.stringify(missing)}`;
  if (keys.length === columns.length) return null;
  const listed = new Set(columns);
  return `unexpected column ${JSON.stringify(keys.find((k) => !listed.has(k)) ?? '?')}`;
}
