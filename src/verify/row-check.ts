import { isNativeJsonType } from '../archive/row-sql.js';
import type { ArchivedColumn } from '../archive/format.js';

/**
 * Checks one archive line against the manifest's columns, as the row encoding (format.ts) defines it: a JSON
 * object with exactly the manifest's columns; booleans and smallint/integer as JSON natives, every other value a
 * string; SQL NULL as null. Returns what is wrong, or null. Pure, so verify can run it over millions of lines.
 */
export function rowProblem(line: string, columns: readonly ArchivedColumn[]): string | null {
  let row: unknown;
  try {
    row = JSON.parse(line);
  } catch {
    return 'not valid JSON';
  }
  if (typeof row !== 'object' || row === null || Array.isArray(row)) return 'not a JSON object';
  const values = row as Record<string, unknown>;
  const keys = Object.keys(values);
  if (keys.length !== columns.length) {
    const expected = new Set(columns.map((c) => c.name));
    const extra = keys.find((k) => !expected.has(k));
    if (extra !== undefined) return `unexpected column ${JSON.stringify(extra)}`;
    const missing = columns.find((c) => !(c.name in values));
    return `missing column ${JSON.stringify(missing?.name ?? '?')}`;
  }
  for (const c of columns) {
    if (!Object.hasOwn(values, c.name)) return `missing column ${JSON.stringify(c.name)}`;
    const v = values[c.name];
    if (v === null) {
      if (c.notNull) return `column ${JSON.stringify(c.name)} is null but NOT NULL`;
      continue;
    }
    if (isNativeJsonType(c.type)) {
      const ok = c.type === 'boolean' ? typeof v === 'boolean' : typeof v === 'number' && Number.isInteger(v);
      if (!ok) return `column ${JSON.stringify(c.name)} should hold a ${c.type === 'boolean' ? 'boolean' : 'whole number'}`;
    } else if (typeof v !== 'string') {
      return `column ${JSON.stringify(c.name)} should hold a string (the value's text)`;
    }
  }
  return null;
}
