import { PgsnapError } from '../errors.js';
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
  switch (code) {
    case '28P01':
      return new PgsnapError('auth', `password authentication failed connecting to ${where}`, {
        hint: 'check the password in --url, DATABASE_URL, PGPASSWORD or ~/.pgpass',
        cause: err,
      });
    case '28000':
      if (/no encryption|SSL off/i.test(msg)) {
        return new PgsnapError('ssl', `the server at ${where} requires SSL`, {
          hint: 'add ?sslmode=require to the connection URL',
          cause: err,
        });
      }
      return new PgsnapError('auth', `the server at ${where} rejected the connection: ${msg}`, {
        hint: 'check the user name and pg_hba.conf',
        cause: err,
      });
    case '3D000':
      return new PgsnapError('database_missing', `database does not exist: ${where}`, {
        hint: 'check the database name in the URL (create it with createdb)',
        cause: err,
      });
    case '42501':
      return new PgsnapError('permission', `permission denied on ${where}: ${msg}`, {
        hint: 'connect as a role that owns the objects, or grant it the privilege named above',
        cause: err,
      });
    // a time-out while running is not a connection problem: say which one it was
    case '55P03':
      return new PgsnapError('lock_timeout', `timed out waiting for a lock on ${where}: ${msg}`, {
        hint: 'another session holds a lock on a table this needs; run again when it is done (nothing was changed)',
        cause: err,
      });
    case '57014':
      return new PgsnapError('statement_timeout', `a statement was cancelled on ${where}: ${msg}`, {
        hint: /statement timeout/i.test(msg) ? "the role's statement_timeout is shorter than this takes; raise it for this role" : 'nothing was changed',
        cause: err,
      });
    case 'ECONNREFUSED':
      return new PgsnapError('connection', `could not connect to ${where}: connection refused`, {
        hint: 'is the server running and accepting TCP connections on that host and port?',
        cause: err,
      });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new PgsnapError('connection', `could not connect to ${where}: unknown host`, {
        hint: 'check the host name in the URL',
        cause: err,
      });
    case 'ETIMEDOUT':
      return new PgsnapError('connection', `could not connect to ${where}: timed out`, {
        hint: 'check the host, the port and any firewall in between',
        cause: err,
      });
    case '57P01':
    case '57P02':
    case '57P03':
      return new PgsnapError('connection', `the server closed the connection to ${where}: ${msg}`, {
        hint: 'nothing was committed; run the command again when the server is available',
        cause: err,
      });
    case 'ECONNRESET':
    case 'EPIPE':
      return new PgsnapError('connection', `the connection to ${where} was lost (${code})`, {
        hint: 'nothing was committed; run the command again',
        cause: err,
      });
    default:
      break;
  }
  if (/does not support SSL/i.test(msg)) {
    return new PgsnapError('ssl', `the server at ${where} does not support SSL`, {
      hint: 'use sslmode=prefer (falls back to a plain connection) or sslmode=disable',
      cause: err,
    });
  }
  if (/self[- ]signed certificate|unable to verify|certificate/i.test(msg)) {
    return new PgsnapError('ssl', `SSL certificate check failed for ${where}: ${msg}`, {
      hint: 'use sslmode=require to encrypt without verifying, or give the CA with sslrootcert',
      cause: err,
    });
  }
  if (/Connection terminated|terminating connection/i.test(msg)) {
    return new PgsnapError('connection', `the connection to ${where} was lost: ${msg}`, {
      hint: 'nothing was committed; run the command again',
      cause: err,
    });
  }
  // the driver's own connect time-outs ("timeout expired", "Connection terminated due to connection timeout")
  if (/timeout expired|connection timeout|connect ETIMEDOUT/i.test(msg)) {
    return new PgsnapError('connection', `could not connect to ${where}: ${msg}`, {
      hint: 'check the host, the port and any firewall in between',
      cause: err,
    });
  }
  return new PgsnapError('internal', `${where}: ${msg}`, { cause: err });
}
