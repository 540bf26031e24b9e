import type { Command } from 'commander';
import type { Mount } from './context.js';
import { SCAN } from './options.js';
import { defineCommand } from './spec.js';

const spec = defineCommand({
  name: 'scan',
  description: 'list the tables application code uses and check them against the schema files (no database)',
  args: [['[paths...]', 'files or directories to scan (default: the "code" setting, else .)']],
  options: SCAN,
  help: `
Exit codes: 0 every table, function and column the code uses is defined in the schema files; 1 something is not;
2 trouble (a path that does not exist, a schema file that does not parse).

Examples:
  pgsnap scan src
  pgsnap scan src supabase/functions --json
  pgsnap scan src --format github          # annotations in a GitHub Actions job
  pgsnap scan . --schemas schema.sql --exclude 'scripts/**'

Skipped by default: node_modules, .git, .yarn, .next, dist, build, coverage, vendor, and what .gitignore lists.
The schema files themselves are not scanned (only those files: other .sql files in the tree are).`,
});

export function register(program: Command, mount: Mount): void {
  mount(program, spec, async () => (await import('./actions/scan.js')).scan);
}
