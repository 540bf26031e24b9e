import type { Command } from 'commander';
import type { Mount } from './context.js';
import { SHOW } from './options.js';
import { defineCommand } from './spec.js';

const spec = defineCommand({
  name: 'show',
  description: 'what an archive holds: tables, rows, sizes, snapshot, server, sequences (like pg_restore -l)',
  args: [['<archive>', 'archive file, "latest", or a date YYYY-MM-DD']],
  options: SHOW,
  help: `
Reads only the manifest (the archive's table of contents), so it is instant on any size; sizes are those of the
uncompressed data. It does not check the data: pgsnap verify does.

Examples:
  pgsnap show latest
  pgsnap show 2025-07-11 --json | jq '.tables[] | select(.rows > 0) | .table'`,
});

export function register(program: Command, mount: Mount): void {
  mount(program, spec, async () => (await import('./actions/show.js')).show);
}
