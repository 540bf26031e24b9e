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
  if (value === null) return '\\N';
  if (typeof value === 'string') return NEEDS_ESCAPE.test(value) ? value.replace(ESCAPES, (c) => ESCAPED[c] as string) : value;
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new PgsnapError('archive_corrupt', `archive row has ${value === undefined ? 'no value' : `a ${typeof value}`} for column ${column}`, {
    hint: 'the archive does not follow pgsnap archive format v1; run pgsnap verify on it',
  });
}

/**
 * A function turning one NDJSON line into one COPY text line (with its newline), taking `columns` in that order.
 * Columns of the archive that are not listed are dropped (they have no place in the target).
 */
export function rowEncoder(columns: readonly string[]): (line: string) => string {
  return (line) => {
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      throw new PgsnapError('archive_corrupt', `archive row is not valid JSON: ${line.slice(0, 80)}`, {
        hint: 'run pgsnap verify on the archive',
      });
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw new PgsnapError('archive_corrupt', `archive row is not a JSON object: ${line.slice(0, 80)}`, {
        hint: 'run pgsnap verify on the archive',
      });
    }
    const values = row as Record<string, unknown>;
    let out = '';
    for (let i = 0; i < columns.length; i++) {
      const name = columns[i] as string;
      out += (i === 0 ? '' : '\t') + copyTextField(values[name], name);
    }
    return `${out}\n`;
  };
}
