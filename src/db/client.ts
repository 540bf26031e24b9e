import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Readable, Writable } from 'node:stream';
import { CopyOut } from './copy-out.js';
import { type ConnectionTarget, clientSettings, describeTarget } from './connection.js';
import { mapPgError } from './errors.js';
import { hasPassword, passwordFromPgpass } from './pgpass.js';
import { mayFallBack } from './ssl.js';
import { type Logger, silentLogger } from '../log.js';

/**
 * The only door to PostgreSQL. Everything else in pgsnap talks to a `Session`: queries (logged under --debug),
 * COPY streams, and `withSession`, which always disconnects in `finally`.
 */

// Return int8, numeric and friends as text: pgsnap never does arithmetic on user data, and must not lose digits.
const types = {
  getTypeParser: (oid: number, format?: string) =>
    // 16 = bool: keep real booleans for catalog queries; everything else as the server's text
    oid === 16 ? pg.types.getTypeParser(oid, format as 'text') : (v: string) => v,
};

interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface Session {
  /** a description of the target without the password, for messages */
  readonly where: string;
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** COPY … TO STDOUT as a byte stream */
  copyOut(sql: string): Readable;
  /** COPY … FROM STDIN as a writable byte stream; resolves when the server has consumed it */
  copyIn(sql: string): Writable;
  /** the server's major version, e.g. 17 */
  serverMajor(): Promise<number>;
  /** the backend process id, e.g. to cancel or to terminate in tests */
  readonly pid: number;
  /** the underlying pg.Client, for the rare case (pg-query-stream) that needs it; stays inside src/db */
  readonly raw: pg.Client;
}

/** node-postgres has resolved host, port, user and database (URL, PG* variables, defaults) by the time it asks. */
function pgpassFor(client: pg.Client): Promise<string> {
  const key = (client as unknown as { connectionParameters: Parameters<typeof passwordFromPgpass>[0] }).connectionParameters;
  // pg takes undefined as "no password" (it then fails with the server's own message); its types say string
  return passwordFromPgpass(key) as Promise<string>;
}

export interface ConnectOptions {
  logger?: Logger;
  applicationName?: string;
  /** statement and lock time-outs are per session; undefined leaves the server's defaults */
  lockTimeoutMs?: number;
}

export async function connect(target: ConnectionTarget, options: ConnectOptions = {}): Promise<Session> {
  const logger = options.logger ?? silentLogger;
  const where = describeTarget(target);
  const settings = clientSettings(target);
  // An idle client whose server goes away emits 'error'; without a listener node would crash with a stack.
  let lostError: unknown;
  const open = async (ssl: (typeof settings.ssl.attempts)[number]): Promise<pg.Client> => {
    const c = new pg.Client({
      application_name: options.applicationName ?? 'pgsnap',
      connectionTimeoutMillis: 15_000,
      ...settings.fields,
      ssl,
      types,
    });
    // set after construction: a string without a password would override a `password` option with ''
    if (!hasPassword(target.url, process.env)) (c as unknown as { password: unknown }).password = () => pgpassFor(c);
    c.on('error', (e) => {
      lostError = e;
      logger.debug(`connection error: ${String((e as Error).message)}`);
    });
    try {
      await c.connect();
      return c;
    } catch (e) {
      // Nothing to say goodbye to on a connection that never opened (sslmode prefer's refused TLS attempt, the
      // usual case): drop the socket rather than wait for the backend to exit before the next attempt.
      dropSocket(c);
      throw e;
    }
  };
  // sslmode prefer / allow: a second attempt, the other way, only when the server refused the first one's kind
  let opened: pg.Client | undefined;
  const attempts = settings.ssl.attempts;
  for (let i = 0; opened === undefined; i++) {
    const attempt = attempts[i] as (typeof attempts)[number];
    try {
      opened = await open(attempt);
      logger.debug(`sslmode ${settings.ssl.mode}: connected ${attempt === false ? 'without TLS' : 'with TLS'}`);
    } catch (e) {
      if (i + 1 < attempts.length && mayFallBack(attempt, e)) continue;
      throw mapPgError(e, where);
    }
  }
  const client = opened;
  logger.debug(`connected to ${where} (connection from ${target.source})`);
  const pid = (client as unknown as { processID: number }).processID;
  let major: number | undefined;
  const session: Session = {
    where,
    pid,
    raw: client,
    async query<R>(sql: string, params?: readonly unknown[]) {
      logger.debug(`sql: ${sql.length > 2000 ? `${sql.slice(0, 2000)}…` : sql}`);
      try {
        const r = await client.query(sql, params as unknown[] | undefined);
        return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
      } catch (e) {
        throw mapPgError(lostError ?? e, where);
      }
    },
    copyOut(sql: string) {
      logger.debug(`copy out: ${sql}`);
      // our own reader (copy-out.ts): no Buffer per row
      return client.query(new CopyOut(sql));
    },
    copyIn(sql: string) {
      logger.debug(`copy in: ${sql}`);
      return client.query(copyFrom(sql));
    },
    async serverMajor() {
      if (major === undefined) {
        const r = await client.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`);
        major = Math.floor(Number(r.rows[0]?.v) / 10000);
      }
      return major;
    },
  };
  if (options.lockTimeoutMs !== undefined) {
    await session.query(`SET lock_timeout = ${Math.max(0, Math.floor(options.lockTimeoutMs))}`);
  }
  return session;
}

export async function close(session: Session): Promise<void> {
  await session.raw.end().catch(() => {});
}

/**
 * Like close, but without waiting for the server to close its end, as libpq's PQfinish does: the Terminate
 * message is sent (or, with a query still running, the socket is dropped) and the socket no longer keeps the
 * process alive. The backend's exit takes a few ms of wall time that a command ending anyway need not wait for
 * (a backup's read-only transaction is over by then, and one left open ends with the connection). Not for a
 * caller that drops the database or stops the server next: the backend may still be there for a moment.
 */
export function hangUp(session: Session): void {
  void session.raw.end().catch(() => {});
  socketOf(session.raw).unref?.();
}

function socketOf(client: pg.Client): { unref?: () => void; destroy?: () => void } {
  return (client as unknown as { connection: { stream: { unref?: () => void; destroy?: () => void } } }).connection.stream;
}

function dropSocket(client: pg.Client): void {
  socketOf(client).destroy?.();
}

/** Connect, run, and always disconnect (`end`: close, or hangUp for a command's last connection). */
export async function withSession<T>(
  target: ConnectionTarget,
  fn: (s: Session) => Promise<T>,
  options: ConnectOptions = {},
  end: (s: Session) => unknown = close,
): Promise<T> {
  const s = await connect(target, options);
  try {
    return await fn(s);
  } finally {
    await end(s);
  }
}

export interface TransactionOptions {
  isolation?: 'read committed' | 'repeatable read' | 'serializable';
  readOnly?: boolean;
  deferrable?: boolean;
}

/** BEGIN … COMMIT, or ROLLBACK on any error (the error is rethrown). drift plan proves its script inside one. */
export async function withTransaction<T>(
  s: Session,
  fn: (s: Session) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const parts = ['BEGIN'];
  if (options.isolation) parts.push(`ISOLATION LEVEL ${options.isolation.toUpperCase()}`);
  if (options.readOnly) parts.push('READ ONLY');
  if (options.deferrable) parts.push('DEFERRABLE');
  await s.query(parts.join(' '));
  try {
    const result = await fn(s);
    await s.query('COMMIT');
    return result;
  } catch (e) {
    await s.query('ROLLBACK').catch(() => {});
    throw e;
  }
}
