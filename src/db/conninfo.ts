import { PgsnapError } from '../errors.js';

/**
 * Connection strings as libpq reads them: a URL (`postgres://user:pw@host:5432/db?sslmode=require`) or a
 * key=value conninfo string (`host=db port=5432 dbname=app user=x password='a b' sslmode=require`), both turned
 * into the same libpq keywords. Users paste these from psql, pg_dump scripts and provider dashboards and expect
 * them to mean what they mean there, so an unknown keyword or an unparseable string is an error, never ignored.
 */
const KEYWORDS = [
  'host',
  'hostaddr',
  'port',
  'dbname',
  'user',
  'password',
  'sslmode',
  'sslrootcert',
  'sslcert',
  'sslkey',
  'application_name',
  'options',
  'connect_timeout',
] as const;
type Keyword = (typeof KEYWORDS)[number];
export type ConnParams = Partial<Record<Keyword, string>>;

const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** Parameters node-postgres used to need and libpq ignores; accepted so old URLs keep working. */
const IGNORED_URL_PARAMS = new Set(['uselibpqcompat']);

export function isUrl(text: string): boolean {
  return /^postgres(ql)?:\/\//i.test(text.trim());
}

/** Either form; the password stays inside the returned object and must never be printed. */
export function parseConnectionString(text: string): ConnParams {
  const params = isUrl(text) ? parseUrl(text.trim()) : parseConninfo(text);
  if (params.sslmode !== undefined) sslModeOf(params.sslmode, 'sslmode');
  if (params.host?.includes(',')) {
    throw badString('several hosts (host=a,b) are not supported', 'name one host');
  }
  return params;
}

/**
 * libpq's key=value grammar: `keyword = value` pairs separated by whitespace; a value is single-quoted to hold
 * spaces (`password='a b'`), and inside it, or unquoted, a backslash escapes the next character.
 */
export function parseConninfo(text: string): ConnParams {
  const out: ConnParams = {};
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
  };
  for (skipSpace(); i < text.length; skipSpace()) {
    const start = i;
    while (i < text.length && /[A-Za-z0-9_]/.test(text[i] as string)) i++;
    const key = text.slice(start, i);
    skipSpace();
    if (key === '' || text[i] !== '=') {
      throw badString(`expected keyword=value at character ${start + 1}`, 'write host=… dbname=… user=…, or a postgres:// URL');
    }
    i++;
    skipSpace();
    let value = '';
    if (text[i] === "'") {
      i++;
      for (;;) {
        if (i >= text.length) throw badString(`the quoted value of ${key} is not closed`, "end it with ' (write \\' for a quote inside)");
        const ch = text[i] as string;
        if (ch === "'") break;
        if (ch === '\\' && i + 1 < text.length) i++;
        value += text[i];
        i++;
      }
      i++;
    } else {
      while (i < text.length && !/\s/.test(text[i] as string)) {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i];
        i++;
      }
    }
    out[keyword(key)] = value;
  }
  return out;
}

/** A postgres:// URL. Userinfo, host and database are percent-decoded; query parameters are libpq keywords. */
function parseUrl(url: string): ConnParams {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw badString('the connection URL cannot be parsed', urlHint(url));
  }
  const out: ConnParams = {};
  const decode = (part: string, what: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw badString(`the ${what} in the connection URL has a stray %`, 'write % as %25');
    }
  };
  if (u.username) out.user = decode(u.username, 'user name');
  if (u.password) out.password = decode(u.password, 'password');
  if (u.hostname) out.host = decode(u.hostname.replace(/^\[(.*)\]$/, '$1'), 'host');
  if (u.port) out.port = u.port;
  const db = u.pathname.replace(/^\//, '');
  if (db.includes('/')) throw badString('the database name in the connection URL holds a /', 'write / in a password or name as %2F');
  if (db) out.dbname = decode(db, 'database name');
  for (const [key, value] of u.searchParams) {
    if (IGNORED_URL_PARAMS.has(key)) continue;
    out[keyword(key)] = value;
  }
  return out;
}

/** sslmode as libpq defines it (also PGSSLMODE); anything else is refused, not guessed. */
export function sslModeOf(value: string, where: string): SslMode {
  if ((SSL_MODES as readonly string[]).includes(value)) return value as SslMode;
  if (value === 'no-verify') return 'require';
  throw new PgsnapError('usage', `${where}=${value} is not an SSL mode`, { hint: `use one of ${SSL_MODES.join(', ')}` });
}

function keyword(key: string): Keyword {
  if (key === 'database') return 'dbname';
  if ((KEYWORDS as readonly string[]).includes(key)) return key as Keyword;
  throw badString(`unknown connection option "${key}"`, `pgsnap understands ${KEYWORDS.join(', ')}`);
}

function urlHint(url: string): string {
  const auth = /^[a-z]+:\/\/(.*)@/i.exec(url)?.[1];
  if (auth && /[@/#?\s]/.test(auth)) return 'percent-encode special characters in the user name and password (@ is %40, / is %2F, # is %23, space is %20)';
  return 'check the URL: postgres://user:password@host:port/database?sslmode=require';
}

function badString(what: string, hint: string): PgsnapError {
  // never the string itself: it may hold the password
  return new PgsnapError('usage', `bad connection string: ${what}`, { hint });
}
