/**
 * Text normalisation for comparing SQL that PostgreSQL stores as the user wrote it (function bodies) or prints
 * with version-dependent layout (pg_get_viewdef): runs of whitespace outside quoted text become one space, or
 * none next to brackets, commas and semicolons.
 * Whitespace inside string literals, quoted identifiers and dollar-quoted strings is data and is kept.
 */
const PUNCTUATION = /[(),;[\]]/;

export function collapseWhitespace(sql: string): string {
  let out = '';
  let i = 0;
  let pendingSpace = false;
  const emit = (s: string) => {
    // Next to brackets, commas and semicolons a space never changes meaning: `f( a )` equals `f(a)`.
    if (pendingSpace && out !== '' && !PUNCTUATION.test(out.slice(-1)) && !PUNCTUATION.test(s.slice(0, 1))) out += ' ';
    pendingSpace = false;
    out += s;
  };
  while (i < sql.length) {
    const ch = sql[i] as string;
    if (/\s/.test(ch)) {
      pendingSpace = true;
      i++;
      continue;
    }
    if (ch === "'" || ch === '"') {
      // E'…' strings treat backslash as an escape; standard strings and identifiers only double the quote.
      const escapes = ch === "'" && !pendingSpace && /[eE]$/.test(out) && !/[A-Za-z0-9_$][eE]$/.test(out);
      let j = i + 1;
      while (j < sql.length) {
        if (escapes && sql[j] === '\\') j += 2;
        else if (sql[j] === ch && sql[j + 1] === ch) j += 2;
        else if (sql[j] === ch) break;
        else j++;
      }
      emit(sql.slice(i, j + 1));
      i = j + 1;
      continue;
    }
    if (ch === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      // `$1` parameters are not quotes; a tag only starts a string when not part of an identifier.
      if (tag && (pendingSpace || !/[A-Za-z0-9_]$/.test(out))) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        const stop = end === -1 ? sql.length : end + tag[0].length;
        emit(sql.slice(i, stop));
        i = stop;
        continue;
      }
    }
    emit(ch);
    i++;
  }
  return out;
}

/** A function body for comparison: whitespace-insensitive for SQL and PL/pgSQL, trimmed for anything else. */
export function normalizeBody(language: string, body: string): string {
  return language === 'sql' || language === 'plpgsql' ? collapseWhitespace(body) : body.trim();
}

const NAME = `(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const SINGLE_FROM = new RegExp(String.raw`\bFROM (?:${NAME}\.)?(${NAME})(?: (?:AS )?(${NAME}))?(?=$|;| WHERE | GROUP | ORDER | HAVING | LIMIT | WINDOW | OFFSET )`, 'i');

/**
 * A view definition for comparison. Besides whitespace, one deparser change needs undoing: PostgreSQL 16 stopped
 * qualifying column names when the query reads a single relation (`invoices.customer_id` became `customer_id`),
 * so a shadow on 17 and a live server on 15 would disagree. For a query with one FROM item, no JOIN and no
 * subquery, the qualifier is dropped on both sides before comparing.
 */
export function canonicalViewDefinition(definition: string): string {
  const sql = collapseWhitespace(definition);
  if ((sql.match(/\bFROM\b/gi) ?? []).length !== 1 || /\bJOIN\b|\(SELECT\b/i.test(sql)) return sql;
  const from = SINGLE_FROM.exec(sql);
  if (!from) return sql;
  let out = sql;
  for (const q of [from[1], from[2]]) {
    if (q === undefined || /^(WHERE|GROUP|ORDER|HAVING|LIMIT|WINDOW|OFFSET)$/i.test(q)) continue;
    const escaped = q.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
    out = out.replace(new RegExp(String.raw`(?<![\w."$])${escaped}\.(?=[A-Za-z_"])`, 'g'), (m, offset: number) =>
      offset > 0 && out.slice(0, offset).endsWith('FROM ') ? m : '',
    );
  }
  return out;
}
