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
  if (fromFlag) return registerUrlSecrets({ url: normalizeUrl(fromFlag), source: 'flag' });
  const fromEnv = env.DATABASE_URL?.trim();
  if (fromEnv) return registerUrlSecrets({ url: normalizeUrl(fromEnv), source: 'DATABASE_URL' });
  registerSecret(env.PGPASSWORD);
  return { url: undefined, source: 'PG environment' };
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
