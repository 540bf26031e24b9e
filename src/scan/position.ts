/** Offsets (UTF-16 code units, as JavaScript strings count) to 1-based line and column. */
export interface LineIndex {
  at(offset: number): { line: number; column: number };
}

export function lineIndex(text: string): LineIndex {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return {
    at(offset) {
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((starts[mid] as number) <= offset) lo = mid;
        else hi = mid - 1;
      }
      return { line: lo + 1, column: offset - (starts[lo] as number) + 1 };
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
