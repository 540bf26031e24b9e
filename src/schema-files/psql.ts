import { scanSync } from 'libpg-query';
import { byteToCharOffsets } from '../position.js';

/**
 * Schema files are often written for psql, not for the server: pg_dump of current minor releases opens and
 * closes with `\restrict KEY` / `\unrestrict KEY`, scripts use `\set`, `\i`, `\connect`, and graphile-migrate
 * and psql scripts use variables (`:DATABASE_OWNER`, `:'name'`, `:"name"`). The server's grammar knows none of
 * it. Blank the meta-command lines and drop the colon of a variable, keeping every other character where it
 * was, so positions still point into the file: `GRANT … TO :DATABASE_VISITOR` parses (and, applied, names the
 * role `database_visitor`). Strings, dollar-quoted bodies, comments, `::` casts and `a[1:n]` slices are left alone.
 */
export function withoutPsqlSyntax(text: string, variables: 'identifiers' | 'keep' = 'identifiers'): string {
  if (!/^[ \t]*\\|:["'A-Za-z_]/m.test(text)) return text;
  let tokens: { start: number; end: number; text: string }[];
  try {
    tokens = scanSync(text).tokens;
  } catch {
    // The lexer stops at what follows a backslash (`\restrict 3fQk…` is a malformed number to it): blank
    // meta-command lines by line, then read the rest.
    const blanked = text.replace(/^[ \t]*\\.*$/gm, (line) => ' '.repeat(line.length));
    if (blanked === text) return text;
    return withoutPsqlSyntax(blanked, variables);
  }
  const toChar = byteToCharOffsets(text);
  const chars = text.split('');
  const blank = (from: number, to: number) => {
    for (let i = from; i < to; i++) if (chars[i] !== '\n') chars[i] = ' ';
  };
  let brackets = 0;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k] as (typeof tokens)[number];
    const start = toChar(t.start);
    if (t.text === '[') brackets++;
    else if (t.text === ']') brackets = Math.max(0, brackets - 1);
    else if (t.text === '\\') {
      const lineStart = text.lastIndexOf('\n', start - 1) + 1;
      if (text.slice(lineStart, start).trim() !== '') continue;
      const nl = text.indexOf('\n', start);
      const end = nl === -1 ? text.length : nl;
      blank(start, end);
      while (k + 1 < tokens.length && toChar((tokens[k + 1] as (typeof tokens)[number]).start) < end) k++;
    } else if (t.text === ':' && brackets === 0 && variables === 'identifiers') {
      const next = tokens[k + 1];
      if (next && next.start === t.end && /^(["']|[A-Za-z_])/.test(next.text)) chars[start] = ' ';
    }
  }
  return chars.join('');
}
