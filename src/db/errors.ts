import { type ErrorCode, PgsnapError, type ServerFacts } from '../errors.js';
import { redact } from '../redact.js';

interface PgLikeError {
  code?: string;
  message?: string;
  errno?: number | string;
  hostname?: string;
  address?: string;
  port?: number;
  severity?: string;
  table?: string;
  schema?: string;
  position?: string;
  internalPosition?: string;
  internalQuery?: string;
  detail?: string;
}

/**
 * A SQLSTATE is five digits or capital letters, at least one a digit (XX000, P0001); the driver's own failures
 * carry errno names (EPIPE, ECONNRESET) instead, and only the server's answers carry a severity.
 */
const SQLSTATE = /^(?=.*[0-9])[0-9A-Z]{5}$/;

function serverFacts(e: PgLikeError, message: string): ServerFacts | undefined {
  if (!e.code || !SQLSTATE.test(e.code) || e.severity === undefined) return undefined;
  const position = Number(e.position);
  const internalPosition = Number(e.internalPosition);
  return {
    sqlState: e.code,
    message,
    ...(position > 0 ? { position } : {}),
    ...(internalPosition > 0 ? { internalPosition } : {}),
    ...(e.internalQuery === undefined ? {} : { internalQuery: e.internalQuery }),
    ...(e.detail === undefined ? {} : { detail: redact(e.detail) }),
  };
}

/**
 * Turn a driver or server error into one clear line with a hint. `where` describes the target without its
 * password (see describeTarget). Unknown server errors keep PostgreSQL's own message, which is usually clear.
 */
export function mapPgError(err: unknown, where: string): PgsnapError {
  if (err instanceof PgsnapError) return err;
  const e = (err ?? {}) as PgLikeError;
  const msg = redact(String(e.message ?? err));
  const code = e.code ?? '';
  const server = serverFacts(e, msg);
  const fail = (what: ErrorCode, message: string, hint?: string) =>
    new PgsnapError(what, message, { ...(hint === undefined ? {} : { hint }), cause: err, ...(server ? { server } : {}) });
  switch (code) {
    case '28P01':
      return fail('auth', `password authentication failed connecting to ${where}`, 'check the password in --url, DATABASE_URL, PGPASSWORD or ~/.pgpass');
    case '28000':
      if (/no encryption|SSL off/i.test(msg)) {
        return fail('ssl', `the server at ${where} requires SSL`, 'add ?sslmode=require to the connection URL');
      }
      return fail('auth', `the server at ${where} rejected the connection: ${msg}`, 'check the user name and pg_hba.conf');
    case '3D000':
      return fail('database_missing', `database does not exist: ${where}`, 'check the database name in the URL (create it with createdb)');
    case '42501':
      return fail('permission', `permission denied on ${where}: ${msg}`, 'connect as a role that owns the objects, or grant it the privilege named above');
    // a time-out while running is not a connection problem: say which one it was
    case '55P03':
      return fail('lock_timeout', `timed out waiting for a lock on ${where}: ${msg}`, 'another session holds a lock on a table this needs; run again when it is done (nothing was changed)');
    case '57014':
      return fail('statement_timeout', `a statement was cancelled on ${where}: ${msg}`, /statement timeout/i.test(msg) ? "the role's statement_timeout is shorter than this takes; raise it for this role" : 'nothing was changed');
    case 'ECONNREFUSED':
      return fail('connection', `could not connect to ${where}: connection refused`, 'is the server running and accepting TCP connections on that host and port?');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return fail('connection', `could not connect to ${where}: unknown host`, 'check the host name in the URL');
    case 'ETIMEDOUT':
      return fail('connection', `could not connect to ${where}: timed out`, 'check the host, the port and any firewall in between');
    case '57P01':
    case '57P02':
    case '57P03':
      return fail('connection', `the server closed the connection to ${where}: ${msg}`, 'nothing was committed; run the command again when the server is available');
    case 'ECONNRESET':
    case 'EPIPE':
      return fail('connection', `the connection to ${where} was lost (${code})`, 'nothing was committed; run the command again');
    default:
      break;
  }
  if (/does not support SSL/i.test(msg)) {
    return fail('ssl', `the server at ${where} does not support SSL`, 'use sslmode=prefer (falls back to a plain connection) or sslmode=disable');
  }
  if (/self[- ]signed certificate|unable to verify|certificate/i.test(msg)) {
    return fail('ssl', `SSL certificate check failed for ${where}: ${msg}`, 'use sslmode=require to encrypt without verifying, or give the CA with sslrootcert');
  }
  if (/Connection terminated|terminating connection/i.test(msg)) {
    return fail('connection', `the connection to ${where} was lost: ${msg}`, 'nothing was committed; run the command again');
  }
  // the driver's own connect time-outs ("timeout expired", "Connection terminated due to connection timeout")
  if (/timeout expired|connection timeout|connect ETIMEDOUT/i.test(msg)) {
    return fail('connection', `could not connect to ${where}: ${msg}`, 'check the host, the port and any firewall in between');
  }
  // Any other answer of the server is the server's, with its SQLSTATE; a driver failure with an errno is the
  // connection's; anything else reaching here (a TypeError inside the driver) is a pgsnap bug.
  if (server) return fail('server', `${where}: ${msg}`);
  if (/^E[A-Z]+$/.test(code)) return fail('connection', `${where}: ${msg}`);
  return fail('internal', `${where}: ${msg}`);
}
