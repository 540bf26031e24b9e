/** 1-based line of a 0-based character index in text. */
export function lineAt(text: string, index: number): number {
  let line = 1;
  const end = Math.min(Math.max(index, 0), text.length);
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
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
