import type { Command } from 'commander';
import type { Mount } from './context.js';
import { PRUNE } from './options.js';
import { defineCommand } from './spec.js';

const spec = defineCommand({
  name: 'prune',
  description: 'delete old archives by keep-last / daily / weekly / monthly rules (never the newest)',
  options: PRUNE,
  help: `
An archive is kept when any rule keeps it (as restic forget does); days, weeks and months are UTC. "The last N
days" means the last N days that have archives. Rules apply to each database's archives on their own, and the
newest readable archive of each database is always kept. Only files that read as pgsnap archives count; others
named like one are reported and left alone. The archive taken just before a table shrank (see backup's shrink
guard) is kept while the newest archive still shows the loss, unless --forget-shrink names the table. Keep rules on the command line replace the config file's "prune"
rules as a whole. Without any rule, prune refuses.

Examples:
  pgsnap prune --keep-daily 7 --keep-weekly 4 --keep-monthly 12 --dry-run
  pgsnap prune --keep-last 30
  pgsnap prune --keep-daily 7 --forget-shrink public.sessions   # that table was emptied on purpose`,
});

export function register(program: Command, mount: Mount): void {
  mount(program, spec, async () => (await import('./actions/prune.js')).prune);
}
