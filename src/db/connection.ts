import { PgsnapError } from '../errors.js';
import { registerSecret, redact } from '../redact.js';

/**
 * Where to connect, resolved once with a fixed precedence: --url flag (or the config file's `url`), then
 * DATABASE_URL, then the standard libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE)
 * and ~/.pgpass, which node-postgres reads itself when no URL is given.
 */
export interface ConnectionTarget {
  /** connection string, if one was given; undefined means "PG* variables and .pgpass" */
  readonly url: string | undefined;
  /** where the URL came from, for messages */
  readonly source: 'flag' | 'DATABASE_URL' | 'PG environment';
}

export function resolveTarget(flagUrl: string | undefined, env: NodeJS.ProcessEnv = process.env): ConnectionTarget {
  const fromFlag = flagUrl?.trim();
  if (fromFlag) return registerUrlSecrets({ url: normalizeUrl(checkUrl(fromFlag, '--url')), source: 'flag' });
  const fromEnv = env.DATABASE_URL?.trim();
  if (fromEnv) return registerUrlSecrets({ url: normalizeUrl(checkUrl(fromEnv, 'DATABASE_URL')), source: 'DATABASE_URL' });
  registerSecret(env.PGPASSWORD);
  return { url: undefined, source: 'PG environment' };
}

/**
 * The database a target connects to, as libpq picks it: the URL's path (or its dbname parameter), else PGDATABASE,
 * else the user name. Used to choose among archives of several databases; no connection needed.
 */
export function targetDatabase(target: ConnectionTarget, env: NodeJS.ProcessEnv = process.env): string | undefined {
  let fromUrl: URL | undefined;
  try {
    fromUrl = target.url ? new URL(target.url) : undefined;
  } catch {
    return undefined; // a key=value string: leave the choice to --from-database
  }
  const named = (fromUrl && (decodeURIComponent(fromUrl.pathname.replace(/^\//, '')) || fromUrl.searchParams.get('dbname'))) || env.PGDATABASE;
  if (named) return named;
  return (fromUrl && decodeURIComponent(fromUrl.username)) || env.PGUSER || env.USER || undefined;
}

function registerUrlSecrets(target: ConnectionTarget): ConnectionTarget {
  if (target.url) {
    try {
      const u = new URL(target.url);
      if (u.password) {
        registerSecret(u.password);
        registerSecret(decodeURIComponent(u.password));
      }
      const pw = u.searchParams.get('password');
      if (pw) registerSecret(pw);
    } catch {
      // not a URL (a key=value string): redact() still removes password=...
    }
  }
  return target;
}

/**
 * A postgres:// URL the URL parser refuses would surface as "unexpected error: Invalid URL" from deep inside the
 * driver. Say instead which part is wrong, in one line that never repeats the URL (it holds the password).
 */
export function checkUrl(url: string, from: string): string {
  const m = /^(postgres(?:ql)?):\/\/(.*)$/is.exec(url);
  if (!m) return url;
  try {
    new URL(url);
    return url;
  } catch {
    // diagnosed below
  }
  const rest = m[2] as string;
  const at = rest.lastIndexOf('@');
  const userinfo = at >= 0 ? rest.slice(0, at) : '';
  const hostPart = (at >= 0 ? rest.slice(at + 1) : rest).split(/[/?#]/)[0] as string;
  const bad = (what: string, hint: string) => new PgsnapError('usage', `the connection URL in ${from} is not valid: ${what}`, { hint });
  if (/[/?#[\]]/.test(userinfo)) {
    throw bad('the user name or password holds a character that must be percent-encoded', 'write / as %2F, @ as %40, # as %23, ? as %3F, [ ] as %5B %5D (encodeURIComponent does it)');
  }
  if (hostPart.startsWith('[') && !hostPart.includes(']')) {
    throw bad('an IPv6 address is missing its closing ]', 'write the host as [2001:db8::1]:5432');
  }
  if (hostPart.startsWith('[') && hostPart.includes('%')) {
    throw bad('an IPv6 zone (%eth0) cannot be written in a URL', 'leave the host out of the URL and set PGHOST to the address with its zone');
  }
  const port = hostPart.startsWith('[') ? hostPart.slice(hostPart.indexOf(']') + 1).replace(/^:/, '') : (hostPart.split(':')[1] ?? '');
  if (port !== '' && !(/^\d{1,5}$/.test(port) && Number(port) <= 65535)) {
    throw bad('the port is not a number from 1 to 65535', 'write it as postgres://user@host:5432/database');
  }
  throw bad('it cannot be parsed', 'the form is postgres://user:password@host:5432/database, with special characters percent-encoded');
}

/**
 * node-postgres treats sslmode=require as verify-full unless told to follow libpq. Users copy URLs from
 * Supabase, RDS or Neon dashboards and expect libpq's meaning, so we ask for libpq compatibility.
 */
export function normalizeUrl(url: string): string {
  if (!/^postgres(ql)?:\/\//i.test(url)) return url;
  if (/[?&]sslmode=/i.test(url) && !/[?&]uselibpqcompat=/i.test(url)) {
    return `${url}${url.includes('?') ? '&' : '?'}uselibpqcompat=true`;
  }
  return url;
}

/** "user@host:port/db" for messages; never the password. */
export function describeTarget(target: ConnectionTarget, env: NodeJS.ProcessEnv = process.env): string {
  if (target.url) {
    try {
      const u = new URL(target.url);
      const user = u.username ? `${decodeURIComponent(u.username)}@` : '';
      const port = u.port ? `:${u.port}` : '';
      const db = u.pathname.replace(/^\//, '');
      return `${user}${u.hostname}${port}${db ? `/${decodeURIComponent(db)}` : ''}`;
    } catch {
      return redact(target.url);
    }
  }
  const host = env.PGHOST ?? 'localhost';
  const user = env.PGUSER ?? env.USER ?? '';
  return `${user ? `${user}@` : ''}${host}${env.PGPORT ? `:${env.PGPORT}` : ''}/${env.PGDATABASE ?? user}`;
}

/** The database name, for archive file names. */
export function databaseName(target: ConnectionTarget, env: NodeJS.ProcessEnv = process.env): string {
  if (target.url) {
    try {
      const db = decodeURIComponent(new URL(target.url).pathname.replace(/^\//, ''));
      if (db) return db;
    } catch {
      const m = /dbname\s*=\s*(\S+)/.exec(target.url);
      if (m?.[1]) return m[1];
    }
  }
  return env.PGDATABASE ?? env.PGUSER ?? env.USER ?? 'postgres';
}
