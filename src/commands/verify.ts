import type { Command } from 'commander';
import type { Mount } from './context.js';
import { VERIFY } from './options.js';
import { defineCommand } from './spec.js';

const spec = defineCommand({
  name: 'verify',
  description: 'check an archive offline (checksums, row counts, rows); --restore-test restores it into a throwaway server',
  args: [['<archive>', 'archive file, "latest", or a date YYYY-MM-DD']],
  options: VERIFY,
  help: `
Exit 0 when the archive is sound (and, with --restore-test, restores to exactly what the manifest says);
exit 1 naming each damaged entry; exit 2 when the file is not a pgsnap archive or comes from a newer pgsnap.

Examples:
  pgsnap verify latest
  pgsnap verify 2025-07-11 --restore-test
  pgsnap verify latest --identity key.txt          # an encrypted archive (.zip.age)
  pgsnap backup && pgsnap verify latest --restore-test   # nightly drill`,
});

export function register(program: Command, mount: Mount): void {
  mount(program, spec, async () => (await import('./actions/verify.js')).verify);
}
