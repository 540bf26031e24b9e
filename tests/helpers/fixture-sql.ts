import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');

/** The fixture application's schema files, in the order pgsnap applies them. */
export function fixtureSchemaSql(): string {
  const dir = path.join(repoRoot, 'schemas');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => readFileSync(path.join(dir, f), 'utf8'))
    .join('\n');
}

/** The fixture application's seed data, loaded after the schema. */
export function fixtureSeedSql(): string {
  return readFileSync(path.join(repoRoot, 'fixtures', 'seed.sql'), 'utf8');
}
