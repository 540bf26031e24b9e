import type { Command } from 'commander';
import type { Mount } from './context.js';
import { LIST } from './options.js';
import { defineCommand } from './spec.js';

const spec = defineCommand({
  name: 'list',
  description: 'list the archives in a directory (date, size, tables, rows; archives where a table shrank are marked)',
  options: LIST,
  help: '\nExamples:\n  pgsnap list\n  pgsnap list --dir /var/backups/app --json\n  pgsnap list --identity key.txt   # also read the manifests of encrypted archives (.zip.age)',
});

export function register(program: Command, mount: Mount): void {
  mount(program, spec, async () => (await import('./actions/list.js')).list);
}
