import type { Command } from 'commander';
import type { Mount } from './context.js';
import { DIFF } from './options.js';
import { defineCommand } from './spec.js';

const spec = defineCommand({
  name: 'diff',
  description: 'rows only in one side and rows that differ, per table: two archives, or an archive and a live database',
  args: [
    ['<archive>', 'archive file, "latest", or a date YYYY-MM-DD (side A)'],
    ['[other]', 'a second archive (side B); or give --url'],
  ],
  options: DIFF,
  help: `
Rows are matched by the primary key, else a unique key over NOT NULL columns, else compared as whole rows
(a multiset: a duplicated row counts twice). Values are compared as PostgreSQL prints them. Columns only on one
side or with another type are reported; rows are compared over the columns both sides have. With --url, the
tables of the archive are compared with the live ones in one snapshot (tables only in the live database are
not listed; an archive may hold a selection). Exit 0: no differences; 1: differences; 2: trouble.

Examples:
  pgsnap diff 2025-07-10 2025-07-11            # what changed since last night
  pgsnap diff latest --url "$DATABASE_URL"      # what exactly did we lose
  pgsnap diff latest --url "$DATABASE_URL" --json | jq '.tables[] | select(.status != "same")'`,
});

export function register(program: Command, mount: Mount): void {
  mount(program, spec, async () => (await import('./actions/diff.js')).diff);
}
