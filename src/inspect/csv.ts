import { type ArchivedValue, valueText } from './values.js';

/**
 * CSV exactly as `COPY … TO STDOUT WITH (FORMAT csv, HEADER)` writes it (PostgreSQL's CopyAttributeOutCSV):
 * NULL is an empty unquoted field; a value is quoted when it is the empty string (which would read back as
 * NULL), or holds the delimiter, a quote, CR or LF; a table with a single column also quotes a value `\.`
 * (the old end-of-data marker). Quotes inside are doubled; lines end with LF. The header quotes by the same rule.
 */
export function csvField(text: string | null, singleColumn: boolean): string {
  if (text === null) return '';
  const quote = text === '' || /[",\n\r]/.test(text) || (singleColumn && text === '\\.');
  return quote ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvHeader(columns: readonly string[]): string {
  return `${columns.map((c) => csvField(c, columns.length === 1)).join(',')}\n`;
}

export function csvRow(values: readonly ArchivedValue[]): string {
  return `${values.map((v) => csvField(valueText(v), values.length === 1)).join(',')}\n`;
}
