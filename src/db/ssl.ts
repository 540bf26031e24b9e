import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { PgsnapError } from '../errors.js';
import type { ConnParams, SslMode } from './conninfo.js';

/**
 * libpq's sslmode, translated for node-postgres (which on its own treats `require` as verify-full, ignores
 * `prefer`'s fallback and reads PGSSLMODE differently):
 *   disable      plain only
 *   allow        plain first; TLS without verification if the server insists on it
 *   prefer       TLS without verification if the server offers it, else plain (libpq's default)
 *   require      TLS without verifying the certificate (with sslrootcert given: verify-ca, as libpq does)
 *   verify-ca    TLS; the certificate must be signed by the root certificate
 *   verify-full  TLS; the certificate must be signed by it and name the host
 * The root certificate is sslrootcert, else ~/.postgresql/root.crt when it exists, else the system's CAs
 * (libpq would refuse without a file; cloud providers' certificates are usually in the system store).
 *
 * Returns the attempts in order: `false` is a plain connection, an object is TLS with these options.
 */
export type SslAttempt = false | ConnectionOptions;

export interface SslPlan {
  readonly mode: SslMode;
  readonly attempts: readonly SslAttempt[];
}

export function sslPlan(mode: SslMode, params: ConnParams, env: NodeJS.ProcessEnv = process.env): SslPlan {
  const unverified = (): ConnectionOptions => ({ rejectUnauthorized: false, ...clientCertificate(params, env) });
  switch (mode) {
    case 'disable':
      return { mode, attempts: [false] };
    case 'allow':
      return { mode, attempts: [false, unverified()] };
    case 'prefer':
      return { mode, attempts: [unverified(), false] };
    case 'require': {
      const ca = rootCertificate(params, env, false);
      return { mode, attempts: [ca ? { ...verified(ca, params, env), checkServerIdentity: () => undefined } : unverified()] };
    }
    case 'verify-ca':
      return { mode, attempts: [{ ...verified(rootCertificate(params, env, true), params, env), checkServerIdentity: () => undefined }] };
    case 'verify-full':
      return { mode, attempts: [verified(rootCertificate(params, env, true), params, env)] };
  }
}

/**
 * Whether a failed attempt may be followed by the next one: only when the server said no to this kind of
 * connection (libpq falls back in the same cases), never after a wrong password or an unreachable host.
 */
export function mayFallBack(attempt: SslAttempt, error: unknown): boolean {
  const message = String((error as Error)?.message ?? '');
  if (attempt === false) return /no encryption|SSL off/i.test(message);
  return /does not support SSL/i.test(message);
}

function verified(ca: string | undefined, params: ConnParams, env: NodeJS.ProcessEnv): ConnectionOptions {
  return { rejectUnauthorized: true, ...(ca ? { ca } : {}), ...clientCertificate(params, env) };
}

function rootCertificate(params: ConnParams, env: NodeJS.ProcessEnv, defaultFile: boolean): string | undefined {
  const given = params.sslrootcert ?? env.PGSSLROOTCERT;
  if (given === 'system') return undefined;
  if (given) return readPem(given, 'sslrootcert');
  const home = path.join(env.HOME ?? os.homedir(), '.postgresql', 'root.crt');
  return defaultFile && fs.existsSync(home) ? readPem(home, 'sslrootcert') : undefined;
}

function clientCertificate(params: ConnParams, env: NodeJS.ProcessEnv): ConnectionOptions {
  const cert = params.sslcert ?? env.PGSSLCERT;
  const key = params.sslkey ?? env.PGSSLKEY;
  return { ...(cert ? { cert: readPem(cert, 'sslcert') } : {}), ...(key ? { key: readPem(key, 'sslkey') } : {}) };
}

function readPem(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new PgsnapError('ssl', `cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      hint: `check the path given as ${what}`,
    });
  }
}
