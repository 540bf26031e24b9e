import type { Command } from 'commander';
import type { Mount } from './context.js';
import { RESTORE } from './options.js';
import { defineCommand } from './spec.js';

const spec = defineCommand({
  name: 'restore',
  description: 'put rows from an archive back into a database with idempotent, ON CONFLICT-safe inserts',
  args: [['<archive>', 'archive file, "latest", or a date YYYY-MM-DD']],
  options: RESTORE,
  help: `
Rows whose key already exists are left alone (or overwritten with --on-conflict update); a second run inserts
nothing. Everything happens in one transaction: a failure or an interruption leaves the database unchanged
(with --commit-each-table each table commits on its own instead, and --jobs N writes on N connections).
Tables are locked against concurrent writes while restore runs (it gives up after 10 s waiting for a lock).

Examples:
  pgsnap restore latest --dry-run
  pgsnap restore 2025-07-11 --table public.profiles
  pgsnap restore latest --schema public --exclude 'public.*_logs'
  pgsnap restore latest --where "public.projects: id = 'e6b2…'" --with-dependents --dry-run
  pgsnap restore latest --identity key.txt --dry-run   # an encrypted archive (.zip.age)
  pgsnap restore backups/app-2025-07-11T03-00-00-000Z.zip --on-conflict update --json`,
});

export function register(program: Command, mount: Mount): void {
  mount(program, spec, async () => (await import('./actions/restore.js')).restore);
}
