import fs from 'node:fs';
import path from 'node:path';
import { PgsnapError } from '../errors.js';

/**
 * Which files a schema source names, in the order they are applied. A source is a file (`schema.sql`) or a
 * folder: its `*.sql` files, plus `<folder>/migration.sql` one level down (Prisma's
 * `prisma/migrations/20240101000000_init/migration.sql`), all in path order. Deeper folders are not read: at the
 * repository root (`--schemas .`) that keeps query files in `queries/` out of the schema.
 */
export function listSchemaFiles(source: string, cwd: string): string[] {
  const abs = path.resolve(cwd, source);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch {
    throw new PgsnapError('usage', `schema source not found: ${source}`, {
      hint: 'pass --schemas DIR|FILE (or set "schemas" in pgsnap.config.json) to the folder or file holding your schema SQL',
    });
  }
  if (stat.isFile()) return [abs];
  const found: string[] = [];
  for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
    if (e.isFile() && e.name.endsWith('.sql')) found.push(e.name);
    else if (e.isDirectory() && fs.existsSync(path.join(abs, e.name, 'migration.sql'))) found.push(`${e.name}/migration.sql`);
  }
  if (found.length === 0) {
    throw new PgsnapError('usage', `no schema files in ${source}: it holds no *.sql and no */migration.sql`, {
      hint: 'pass --schemas with the folder (or file) that holds your schema SQL, e.g. --schemas supabase/migrations or --schemas prisma/migrations',
    });
  }
  return found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((f) => path.join(abs, f));
}

/** Relative to cwd with forward slashes when inside it (what CI annotations want), else absolute. */
export function displayPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, path.resolve(cwd, file));
  if (!rel) return '.';
  if (rel.startsWith('..') || path.isAbsolute(rel)) return path.resolve(cwd, file);
  return rel.split(path.sep).join('/');
}
