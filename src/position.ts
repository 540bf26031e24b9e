/**
 * The one way pgsnap turns an offset into a position: 1-based line and 1-based column, columns counted in UTF-16
 * code units as editors and SARIF (`columnKind: utf16CodeUnits`) count them. Three kinds of offsets arrive here:
 * JavaScript string indexes (UTF-16), libpg-query locations (UTF-8 bytes) and PostgreSQL error positions
 * (1-based code points); each has its converter to a string index, and `at` does the rest.
 */
export interface Position {
  readonly line: number;
  readonly column: number;
}

export interface LineIndex {
  /** the position of a 0-based UTF-16 index */
  at(offset: number): Position;
}

export function lineIndex(text: string): LineIndex {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return {
    at(offset) {
      const o = Math.min(Math.max(offset, 0), text.length);
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((starts[mid] as number) <= o) lo = mid;
        else hi = mid - 1;
      }
      return { line: lo + 1, column: o - (starts[lo] as number) + 1 };
    },
  };
}

/**
 * libpg-query reports locations as byte offsets into the UTF-8 text it was given; JavaScript counts UTF-16 code
 * units. For ASCII text (nearly all SQL) they agree, otherwise translate.
 */
export function byteToCharOffsets(text: string): (byteOffset: number) => number {
  if (/^[\x00-\x7f]*$/.test(text)) return (b) => b;
  const table: number[] = [];
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i) as number;
    const width = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    for (let k = 0; k < width; k++) table[bytes + k] = i;
    bytes += width;
    if (code >= 0x10000) i++; // the low surrogate
  }
  return (b) => (b >= bytes ? text.length : (table[b] ?? 0));
}

/**
 * PostgreSQL's error `position` is a 1-based index in characters (code points) of the statement text, while
 * JavaScript strings index UTF-16 units: convert, so text with emoji still maps to the right line.
 */
export function codePointToIndex(text: string, position1: number): number {
  let index = 0;
  let seen = 0;
  while (index < text.length && seen < position1 - 1) {
    const cp = text.codePointAt(index) ?? 0;
    index += cp > 0xffff ? 2 : 1;
    seen++;
  }
  return index;
}

/** `file:line:column` (or `file:line` when the column is unknown): how every location is printed. */
export function formatLocation(loc: { readonly file: string; readonly line: number; readonly column?: number }): string {
  return `${loc.file}:${loc.line}${loc.column ? `:${loc.column}` : ''}`;
}
