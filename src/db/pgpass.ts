import { createRequire } from 'node:module';
import { registerSecret } from '../redact.js';

/**
 * ~/.pgpass (or PGPASSFILE), read by us with the same module node-postgres uses. node-postgres still reads it
 * itself when a connection has no password, but then prints a deprecation warning on every run (pg 8; pg 9
 * drops the support), which would land in every cron mail. Handing pg a password function avoids that path.
 */
interface PgpassKey {
  host?: string | undefined;
  port?: number | string | undefined;
  database?: string | undefined;
  user?: string | undefined;
}
type Lookup = (key: PgpassKey, done: (password: string | undefined) => void) => void;

// loaded on first use: most connections carry a password, and --help should not pay for it
let lookup: Lookup | undefined;

export function passwordFromPgpass(key: PgpassKey): Promise<string | undefined> {
  lookup ??= createRequire(import.meta.url)('pgpass') as Lookup;
  const read = lookup;
  return new Promise((resolve) =>
    read(key, (password) => {
      registerSecret(password);
      resolve(password);
    }),
  );
}

/** Does the connection already carry a password (URL, key=value string, PGPASSWORD)? Then .pgpass is not read. */
export function hasPassword(url: string | undefined, env: NodeJS.ProcessEnv): boolean {
  if (env.PGPASSWORD !== undefined) return true;
  if (!url) return false;
  try {
    const u = new URL(url);
    return u.password !== '' || u.searchParams.has('password');
  } catch {
    return /\bpassword\s*=/i.test(url);
  }
}
