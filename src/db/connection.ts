import { PgsnapError } from '../errors.js';
import { registerSecret } from '../redact.js';
import { type ConnParams, isUrl, parseConnectionString, sslModeOf } from './conninfo.js';
import { type SslPlan, sslPlan } from './ssl.js';

/**
 * Where to connect, resolved once with a fixed precedence: the --url flag, then DATABASE_URL, then the config
 * file's `url`, then the standard libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE…)
 * and ~/.pgpass. The environment beats the config file, as with most tools: a committed config file must not
 * silently point a CI job or a cron line at another database than the DATABASE_URL it was given.
 * A connection string is a postgres:// URL or a libpq key=value string (conninfo.ts).
 */
export interface ConnectionTarget {
  /** connection string, if one was given; undefined means "PG* variables and .pgpass" */
  readonly url: string | undefined;
  /** where the connection string came from, for messages */
  readonly source: 'flag' | 'DATABASE_URL' | 'config file' | 'PG environment';
}

export function resolveTarget(flagUrl: string | undefined, env: NodeJS.ProcessEnv = process.env, configUrl?: string): ConnectionTarget {
  const fromFlag = flagUrl?.trim();
  if (fromFlag) return registerSecrets({ url: checkUrl(fromFlag, '--url'), source: 'flag' });
  const fromEnv = env.DATABASE_URL?.trim();
  if (fromEnv) return registerSecrets({ url: checkUrl(fromEnv, 'DATABASE_URL'), source: 'DATABASE_URL' });
  const fromConfig = configUrl?.trim();
  if (fromConfig) return registerSecrets({ url: checkUrl(fromConfig, 'the config file'), source: 'config file' });
  registerSecret(env.PGPASSWORD);
  return { url: undefined, source: 'PG environment' };
}

/**
 * A postgres:// URL the URL parser refuses would surface as "unexpected error: Invalid URL" from deep inside the
 * driver. Say instead which part is wrong, in one line that never repeats the URL (it holds the password).
 */
function checkUrl(url: string, from: string): string {
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

/** The libpq keywords of the target's connection string (empty for "PG* variables"). */
function targetParams(target: ConnectionTarget): ConnParams {
  return target.url ? parseConnectionString(target.url) : {};
}

function registerSecrets(target: ConnectionTarget): ConnectionTarget {
  // parsed eagerly: a bad string is refused before anything runs, and its password is known to redact()
  const params = targetParams(target);
  registerSecret(params.password);
  if (params.password) registerSecret(encodeURIComponent(params.password));
  return target;
}

/** What node-postgres needs: the fields the string gave (pg reads PG* variables for the others) and the SSL plan. */
export interface ClientSettings {
  readonly fields: {
    host?: string;
    port?: number;
    database?: string;
    user?: string;
    password?: string;
    application_name?: string;
    options?: string;
    connectionTimeoutMillis?: number;
  };
  readonly ssl: SslPlan;
}

export function clientSettings(target: ConnectionTarget, env: NodeJS.ProcessEnv = process.env): ClientSettings {
  const p = targetParams(target);
  const fields: ClientSettings['fields'] = {};
  const host = p.hostaddr ?? p.host;
  if (host) fields.host = host;
  if (p.port) fields.port = Number(p.port);
  if (p.dbname) fields.database = p.dbname;
  if (p.user) fields.user = p.user;
  if (p.password !== undefined) fields.password = p.password;
  if (p.application_name) fields.application_name = p.application_name;
  if (p.options) fields.options = p.options;
  if (p.connect_timeout && Number(p.connect_timeout) > 0) fields.connectionTimeoutMillis = Number(p.connect_timeout) * 1000;
  const mode = p.sslmode !== undefined ? sslModeOf(p.sslmode, 'sslmode') : env.PGSSLMODE ? sslModeOf(env.PGSSLMODE, 'PGSSLMODE') : 'prefer';
  // libpq never uses TLS on a Unix-domain socket, whatever sslmode says
  const socket = (host ?? (target.url ? undefined : env.PGHOST))?.startsWith('/') ?? false;
  return { fields, ssl: socket ? { mode, attempts: [false] } : sslPlan(mode, p, env) };
}

/** "user@host:port/db" for messages; never the password. */
export function describeTarget(target: ConnectionTarget, env: NodeJS.ProcessEnv = process.env): string {
  let p: ConnParams = {};
  try {
    p = targetParams(target);
  } catch {
    return '(unparseable connection string)';
  }
  const user = p.user ?? env.PGUSER ?? env.USER ?? '';
  const host = p.hostaddr ?? p.host ?? env.PGHOST ?? 'localhost';
  const port = p.port ?? (target.url ? undefined : env.PGPORT);
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const db = p.dbname ?? (target.url && isUrl(target.url) ? '' : (env.PGDATABASE ?? user));
  return `${user ? `${user}@` : ''}${shownHost}${port ? `:${port}` : ''}${db ? `/${db}` : ''}`;
}

/**
 * The database a target connects to, as libpq picks it: the string's dbname, else PGDATABASE, else the user name
 * (the string's, PGUSER, USER). Used to choose among archives of several databases; no connection needed.
 */
export function targetDatabase(target: ConnectionTarget, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const p = targetParams(target);
  return p.dbname || env.PGDATABASE || p.user || env.PGUSER || env.USER || undefined;
}

/** The database name, for archive file names. */
export function databaseName(target: ConnectionTarget, env: NodeJS.ProcessEnv = process.env): string {
  const p = target.url ? targetParams(target) : {};
  return p.dbname || env.PGDATABASE || p.user || env.PGUSER || env.USER || 'postgres';
}

/** The target as a postgres:// URL, for libraries that take nothing else (type generation). */
export function targetUrl(target: ConnectionTarget): string | undefined {
  if (!target.url || isUrl(target.url)) return target.url;
  const p = targetParams(target);
  const host = p.hostaddr ?? p.host ?? '';
  const u = new URL(`postgres://${host.includes(':') ? `[${host}]` : host}${p.port ? `:${p.port}` : ''}/`);
  if (p.user) u.username = encodeURIComponent(p.user);
  if (p.password) u.password = encodeURIComponent(p.password);
  if (p.dbname) u.pathname = `/${encodeURIComponent(p.dbname)}`;
  for (const k of ['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'application_name', 'options'] as const) {
    const v = p[k];
    if (v !== undefined) u.searchParams.set(k, v);
  }
  return u.toString();
}
