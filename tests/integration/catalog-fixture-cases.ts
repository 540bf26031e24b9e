import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../helpers/db.js';

/** The catalog fixture pairs (tests/fixtures/catalog/<case>/a.sql, b.sql, expected.json), shared by the diff and pull tests. */
const fixtureRoot = path.join(repoRoot, 'tests/fixtures/catalog');

export function fixtureCases(): string[] {
  return readdirSync(fixtureRoot)
    .filter((d) => existsSync(path.join(fixtureRoot, d, 'a.sql')))
    .sort();
}

export function readFixture(name: string, file: string): string {
  return readFileSync(path.join(fixtureRoot, name, file), 'utf8');
}

/** `-- requires PostgreSQL 15` on the first line of a.sql: the case uses a feature older servers lack. */
export function requiredMajor(name: string): number {
  const m = /^-- requires PostgreSQL (\d+)/.exec(readFixture(name, 'a.sql'));
  return m ? Number(m[1]) : 0;
}
