import type { StringLanguage, StringLiteralToken } from './strings.js';

/**
 * SQL that a Python, Ruby, Go, Java or PHP program builds from pieces: adjacent literals (`"SELECT a " "FROM t"`),
 * concatenation (`"… " + where + " …"`, PHP `.`), interpolation (f-strings, `#{}`, `{$x}`) and driver or format
 * placeholders (`%s`, `%(name)s`, `{}`, `?`, `:name`). The holes are filled with parameters (`$1`; `IN ($1)` after
 * IN), or — where a value cannot stand, `FROM {table}` — with stand-in identifiers whose references are dropped, so
 * the rest of the statement is still read by the real parser instead of being lost whole.
 */
interface Piece {
  readonly text: string;
  /** file offset of text[0] */
  readonly start: number;
}

/** A string made of pieces with a hole between each two. */
export interface HoleyString {
  readonly pieces: readonly Piece[];
  readonly callee?: string;
  /** file offset of the first literal's quote */
  readonly quoteStart: number;
}

const OPERATOR: Record<StringLanguage, string> = { python: '\\+', ruby: '\\+', go: '\\+', java: '\\+', php: '\\.' };
const EXPR = String.raw`[A-Za-z_$][\w$]*(?:(?:\.|->|::)[A-Za-z_]\w*|\([^()]*\)|\[[^\]]*\])*`;

function joiners(lang: StringLanguage): { plain: RegExp; hole: RegExp } {
  const op = OPERATOR[lang];
  const gap = lang === 'python' || lang === 'ruby' ? String.raw`(?:\s|\\\r?\n|#[^\n]*\n)*` : String.raw`(?:\s|//[^\n]*\n)*`;
  // Python and Ruby also join adjacent literals without an operator
  const implicit = lang === 'python' || lang === 'ruby' ? '?' : '';
  return {
    plain: new RegExp(`^${gap}(?:${op})${implicit}${gap}$`),
    hole: new RegExp(`^${gap}${op}${gap}${EXPR}${gap}${op}${gap}$`),
  };
}

/** Literals joined into the strings the program runs, in order. */
export function joinLiterals(text: string, tokens: readonly StringLiteralToken[], lang: StringLanguage): HoleyString[] {
  const { plain, hole } = joiners(lang);
  const out: { pieces: Piece[]; callee?: string; quoteStart: number }[] = [];
  let prev: StringLiteralToken | undefined;
  for (const t of tokens) {
    const pieces = splitHoles(t, lang);
    const between = prev && prev.end <= t.quoteStart ? text.slice(prev.end, t.quoteStart) : undefined;
    const last = out[out.length - 1];
    if (last && between !== undefined && plain.test(between)) {
      const tail = last.pieces.pop() as Piece;
      const [head, ...rest] = pieces;
      // adjacent literals: the first piece continues the last one, mapped to its own place in the file
      last.pieces.push(tail, ...(head ? [{ text: head.text, start: head.start, glue: true } as Piece & { glue: true }] : []), ...rest);
    } else if (last && between !== undefined && hole.test(between)) {
      last.pieces.push(...pieces);
    } else {
      out.push({ pieces, quoteStart: t.quoteStart, ...(t.callee === undefined ? {} : { callee: t.callee }) });
    }
    prev = t;
  }
  return out;
}

// Placeholders: %s %d %(name)s, {} {0} {name} (python), #{…} (ruby), {$…} $var (php), ?, :name
const HOLE = /%\((\w+)\)[sd]|%[sdifv]|\?(?![?|&#-])|(?<![:\w]):[A-Za-z_]\w*/g;

function braceEnd(v: string, from: number): number {
  let depth = 0;
  for (let i = from; i < v.length; i++) {
    if (v[i] === '{') depth++;
    else if (v[i] === '}' && --depth === 0) return i + 1;
  }
  return -1;
}

/** One literal's value cut at its holes. */
function splitHoles(t: StringLiteralToken, lang: StringLanguage): (Piece & { glue?: true })[] {
  const v = t.value;
  const holes: [number, number][] = [];
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (lang === 'python' && c === '{') {
      if (v[i + 1] === '{') {
        i++;
        continue;
      }
      const end = braceEnd(v, i);
      if (end !== -1 && (t.interpolates || /^\{\w*\}$/.test(v.slice(i, end)))) {
        holes.push([i, end]);
        i = end - 1;
      }
    } else if (t.interpolates && lang === 'ruby' && c === '#' && v[i + 1] === '{') {
      const end = braceEnd(v, i + 1);
      if (end !== -1) {
        holes.push([i, end]);
        i = end - 1;
      }
    } else if (t.interpolates && lang === 'php' && c === '{' && v[i + 1] === '$') {
      const end = braceEnd(v, i);
      if (end !== -1) {
        holes.push([i, end]);
        i = end - 1;
      }
    } else if (t.interpolates && lang === 'php' && c === '$' && /[A-Za-z_]/.test(v[i + 1] ?? '')) {
      const m = /^\$[A-Za-z_]\w*(?:->\w+|\[[^\]]*\])*/.exec(v.slice(i)) as RegExpExecArray;
      holes.push([i, i + m[0].length]);
      i += m[0].length - 1;
    }
  }
  // driver placeholders, outside quoted SQL strings
  for (const m of v.matchAll(HOLE)) {
    const at = m.index as number;
    if (holes.some(([a, b]) => at >= a && at < b) || insideQuotes(v, at)) continue;
    holes.push([at, at + m[0].length]);
  }
  holes.sort((a, b) => a[0] - b[0]);
  const pieces: Piece[] = [];
  let from = 0;
  for (const [a, b] of holes) {
    pieces.push({ text: v.slice(from, a), start: t.start + from });
    from = b;
  }
  pieces.push({ text: v.slice(from), start: t.start + from });
  return pieces;
}

function insideQuotes(v: string, at: number): boolean {
  let inside = false;
  for (let i = 0; i < at; i++) if (v[i] === "'") inside = !inside;
  return inside;
}

export interface FilledSql {
  readonly text: string;
  /** SQL offset → file offset */
  readonly map: (offset: number) => number;
}

/** The string with its holes filled: `$1`, `$2`… (in parentheses after IN), or `standIn(i)` identifiers. */
export function fill(h: HoleyString, standIn?: (i: number) => string): FilledSql {
  const segments: { sqlStart: number; fileStart: number; length: number }[] = [];
  let text = '';
  let holes = 0;
  h.pieces.forEach((p, i) => {
    if (i > 0 && !(p as { glue?: true }).glue) {
      holes++;
      const value = standIn ? standIn(holes) : `$${holes}`;
      text += !standIn && /\bin\s*$/i.test(text) ? `(${value})` : value;
    }
    segments.push({ sqlStart: text.length, fileStart: p.start, length: p.text.length });
    text += p.text;
  });
  const map = (o: number) => {
    let seg = segments[0] as (typeof segments)[number];
    for (const s of segments) if (s.sqlStart <= o) seg = s;
    return seg.fileStart + Math.min(o - seg.sqlStart, seg.length);
  };
  return { text, map };
}
