/**
 * String literals of Python, Ruby, Go, Java and PHP source: a light tokenizer that knows each language's comments
 * and quotes (and heredocs, raw strings, text blocks) well enough to find the SQL a program holds. It does not
 * parse the language; the SQL it finds goes through the real PostgreSQL parser.
 */
export type StringLanguage = 'python' | 'ruby' | 'go' | 'java' | 'php';

export interface StringLiteralToken {
  readonly value: string;
  /** offset of the value's first character in the source */
  readonly start: number;
  /** offset of the opening quote (or prefix: `f"…"`) and just past the closing one */
  readonly quoteStart: number;
  readonly end: number;
  /** the language fills `{…}` / `#{…}` / `$var` in this literal (f-strings, Ruby and PHP double quotes, heredocs) */
  readonly interpolates: boolean;
  /** the function or method the string is the first argument of: `execute` for `cur.execute("…")` */
  readonly callee?: string;
}

export function languageOf(file: string): StringLanguage | undefined {
  const ext = file.slice(file.lastIndexOf('.') + 1).toLowerCase();
  return ({ py: 'python', rb: 'ruby', go: 'go', java: 'java', php: 'php', kt: 'java', scala: 'java' } as const)[ext as 'py'];
}

const LINE_COMMENT: Record<StringLanguage, readonly string[]> = {
  python: ['#'],
  ruby: ['#'],
  go: ['//'],
  java: ['//'],
  php: ['//', '#'],
};

function isWord(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_$]/.test(c);
}

/** The name called with `(` right before `start`, skipping blanks: `execute` in `cur.execute(  "…`. */
function calleeBefore(text: string, start: number): string | undefined {
  let i = start - 1;
  while (i >= 0 && /\s/.test(text[i] as string)) i--;
  if (text[i] !== '(') return undefined;
  i--;
  while (i >= 0 && /\s/.test(text[i] as string)) i--;
  const end = i + 1;
  while (i >= 0 && isWord(text[i])) i--;
  return end > i + 1 ? text.slice(i + 1, end) : undefined;
}

function readUntil(text: string, from: number, quote: string, escapes: boolean, quoteEscape = true): { value: string; end: number } {
  let value = '';
  let i = from;
  while (i < text.length) {
    if (text.startsWith(quote, i)) return { value, end: i + quote.length };
    const c = text[i] as string;
    // raw and single-quoted strings (Python r'', Ruby and PHP '…') still let a backslash escape the quote
    if (!escapes && quoteEscape && c === '\\' && (text.startsWith(quote, i + 1) || text[i + 1] === '\\')) {
      value += text[i + 1] as string;
      i += 2;
      continue;
    }
    if (escapes && c === '\\' && i + 1 < text.length) {
      const next = text[i + 1] as string;
      value += next === 'n' ? '\n' : next === 't' ? '\t' : next;
      i += 2;
      continue;
    }
    value += c;
    i++;
  }
  return { value, end: text.length };
}

/** Ruby `<<~SQL` / `<<-SQL` / `<<SQL` and PHP `<<<SQL` / `<<<'SQL'`: the body runs to the line holding the tag. */
function heredoc(text: string, i: number, lang: StringLanguage): { value: string; start: number; end: number; resume: number } | undefined {
  const m = (lang === 'php' ? /^<<<[ \t]*(['"]?)([A-Za-z_]\w*)\1/ : /^<<[~-]?(['"]?)([A-Z_][A-Z0-9_]*)\1/).exec(text.slice(i, i + 80));
  if (!m) return undefined;
  const tag = m[2] as string;
  const bodyStart = text.indexOf('\n', i) + 1;
  if (bodyStart === 0) return undefined;
  let lineStart = bodyStart;
  while (lineStart < text.length) {
    const nl = text.indexOf('\n', lineStart);
    const lineEnd = nl === -1 ? text.length : nl;
    const line = text.slice(lineStart, lineEnd).trim();
    if (line === tag || line.startsWith(`${tag};`) || line.startsWith(`${tag})`) || line.startsWith(`${tag},`) || line.startsWith(`${tag}.`)) {
      return { value: text.slice(bodyStart, lineStart), start: bodyStart, end: i + m[0].length, resume: nl === -1 ? text.length : nl + 1 };
    }
    lineStart = lineEnd + 1;
  }
  return undefined;
}

export function stringLiterals(text: string, lang: StringLanguage): StringLiteralToken[] {
  const out: StringLiteralToken[] = [];
  const push = (value: string, start: number, quoteStart: number, end: number, interpolates = false) => {
    // a prefix (`f`, `rb`, `u`…) belongs to the literal: the callee is before it
    let q = quoteStart;
    while (lang === 'python' && q > 0 && /[rRbBuUfF]/.test(text[q - 1] as string) && !isWord(text[q - 2])) q--;
    while (lang === 'python' && q > 1 && /[rRbBuUfF]/.test(text[q - 1] as string) && /[rRbBuUfF]/.test(text[q - 2] as string) && !isWord(text[q - 3])) q -= 2;
    const callee = calleeBefore(text, q);
    out.push({ value, start, quoteStart: q, end, interpolates, ...(callee === undefined ? {} : { callee }) });
  };
  // Python string prefixes (`f`, `rf`, `Fr`…): an f makes `{…}` interpolation
  const fPrefix = (i: number) => {
    if (lang !== 'python') return false;
    let q = i;
    while (q > 0 && i - q < 2 && /[rRbBuUfF]/.test(text[q - 1] as string)) q--;
    return !isWord(text[q - 1]) && /[fF]/.test(text.slice(q, i));
  };
  const n = text.length;
  let i = 0;
  let skip: { from: number; to: number } | undefined;
  while (i < n) {
    if (skip && i >= skip.from) {
      i = Math.max(i, skip.to);
      skip = undefined;
      continue;
    }
    const c = text[i] as string;
    if (LINE_COMMENT[lang].some((p) => text.startsWith(p, i)) && !(lang === 'php' && c === '#' && text[i + 1] === '[')) {
      const nl = text.indexOf('\n', i);
      i = nl === -1 ? n : nl + 1;
      continue;
    }
    if (lang !== 'python' && lang !== 'ruby' && text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? n : end + 2;
      continue;
    }
    if (lang === 'ruby' && text.startsWith('=begin', i) && (i === 0 || text[i - 1] === '\n')) {
      const end = text.indexOf('\n=end', i);
      i = end === -1 ? n : end + 5;
      continue;
    }
    if ((lang === 'ruby' || lang === 'php') && text.startsWith('<<', i)) {
      const h = heredoc(text, i, lang);
      if (h) {
        push(h.value, h.start, i, h.end, !/^<<<?[~-]?[ \t]*'/.test(text.slice(i, i + 6)));
        // the rest of the opening line is still code; the body is skipped when the scan reaches it
        skip = { from: h.start, to: h.resume };
        i = h.end;
        continue;
      }
    }
    if (lang === 'python' && (text.startsWith('"""', i) || text.startsWith("'''", i))) {
      const q = text.slice(i, i + 3);
      const raw = i > 0 && /[rR]/.test(text[i - 1] as string);
      const { value, end } = readUntil(text, i + 3, q, !raw);
      push(value, i + 3, i, end, fPrefix(i));
      i = end;
      continue;
    }
    if (lang === 'java' && text.startsWith('"""', i)) {
      const bodyStart = text.indexOf('\n', i) + 1;
      const { value, end } = readUntil(text, bodyStart, '"""', true);
      push(value, bodyStart, i, end);
      i = end;
      continue;
    }
    if (c === '`' && lang === 'go') {
      const { value, end } = readUntil(text, i + 1, '`', false, false);
      push(value, i + 1, i, end);
      i = end;
      continue;
    }
    if (c === '"' || (c === "'" && lang !== 'go' && lang !== 'java')) {
      const raw = lang === 'python' && i > 0 && /[rR]/.test(text[i - 1] as string);
      const { value, end } = readUntil(text, i + 1, c, !(raw || (lang === 'php' && c === "'") || (lang === 'ruby' && c === "'")));
      const interpolates = c === '"' && (lang === 'ruby' || lang === 'php');
      push(value, i + 1, i, end, interpolates || fPrefix(i));
      i = end;
      continue;
    }
    if (c === "'" && (lang === 'go' || lang === 'java')) {
      // a rune / char literal
      const { end } = readUntil(text, i + 1, "'", true);
      i = end;
      continue;
    }
    i++;
  }
  return out;
}
