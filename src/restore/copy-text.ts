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

/**
 * The fast path of `rowEncoder`, without JSON.parse. JSON's string escapes (`\\ \n \r \t \b \f`) are spelled as
 * COPY text spells them, so the content of a JSON string is already a COPY text field once `\"` becomes `"`;
 * only `\uXXXX` (and `\/`, which PostgreSQL never writes) needs real decoding. Lines are scanned with indexOf and
 * the key order the archive writes (its column order); anything unexpected falls back to the JSON.parse path,
 * so the result is always the same as `rowEncoder`'s.
 */
export function rowTranscoder(archiveColumns: readonly string[], wanted: readonly string[]): (line: string) => string {
  const slow = rowEncoder(wanted);
  const keys = archiveColumns.map((c) => `${JSON.stringify(c)}:`);
  const keep = archiveColumns.map((c) => wanted.includes(c));
  const inOrder = wanted.every((c, i) => c === archiveColumns.filter((_, j) => keep[j])[i]);
  if (!inOrder || wanted.length === 0) return slow;
  return (line) => {
    let out = '';
    let first = true;
    let pos = 1;
    if (line.charCodeAt(0) !== 123 /* { */) return slow(line);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      if (i > 0) {
        if (line.charCodeAt(pos) !== 44 /* , */) return slow(line);
        pos++;
      }
      if (!line.startsWith(key, pos)) return slow(line);
      pos += key.length;
      const c = line.charCodeAt(pos);
      let field: string;
      if (c === 34 /* " */) {
        let end = line.indexOf('"', pos + 1);
        while (end !== -1 && isEscaped(line, end)) end = line.indexOf('"', end + 1);
        if (end === -1) return slow(line);
        const raw = line.slice(pos + 1, end);
        pos = end + 1;
        if (raw.includes('\\u') || raw.includes('\\/')) field = copyTextField(JSON.parse(`"${raw}"`) as string, archiveColumns[i] as string);
        else field = raw.includes('"') ? raw.replaceAll('\\"', '"') : raw;
      } else {
        let end = pos;
        while (end < line.length && line.charCodeAt(end) !== 44 && line.charCodeAt(end) !== 125 /* } */) end++;
        const token = line.slice(pos, end);
        pos = end;
        if (token === 'null') field = '\\N';
        else if (token === 'true') field = 't';
        else if (token === 'false') field = 'f';
        else if (/^-?\d+$/.test(token)) field = token;
        else return slow(line);
      }
      if (keep[i]) {
        out += first ? field : `\t${field}`;
        first = false;
      }
    }
    if (pos !== line.length - 1 || line.charCodeAt(pos) !== 125) return slow(line);
    return `${out}\n`;
  };
}

/** A quote at `at` is escaped when an odd number of backslashes precede it. */
function isEscaped(line: string, at: number): boolean {
  let n = 0;
  for (let i = at - 1; i >= 0 && line.charCodeAt(i) === 92; i--) n++;
  return n % 2 === 1;
}
