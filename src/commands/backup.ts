import type { Command } from 'commander';
import type { Mount } from './context.js';
import { BACKUP } from './options.js';
import { defineCommand } from './spec.js';

const spec = defineCommand({
  name: 'backup',
  description: 'snapshot tables into a dated, self-verifying JSON archive',
  options: BACKUP,
  help: `
Writes <dir>/<database>-<UTC timestamp>.zip (mode 0600) under a temporary name and renames it only when it is
complete; with --encrypt-to, <…>.zip.age encrypted with age (docs/offsite.md). --dir may be s3://bucket/prefix
(a multipart upload completed only at the end). All tables are read in one snapshot. By default every table outside platform-managed schemas (auth,
storage, … on Supabase) is captured; --schema/--table narrow that, --exclude always wins. What was left out is
listed ("skipped" in --json). A --schema or --table that matches nothing is an error (exit 2) when no selector
matched anything, and a warning (always printed, also with --quiet) when others did.

Shrink guard: each table's row count is compared with the previous archive of the same database in --dir. A
table that lost more than --shrink-threshold percent of its rows (default 50), or went to zero, is reported on
stderr and as "shrunk" in --json; with --fail-on-shrink the backup exits 1 (the archive is kept). Encrypted
archives are compared only with --identity (without it the guard says it was skipped).

Examples:
  pgsnap backup --url postgres://app@db.example.com/app
  pgsnap backup --exclude 'public.*_logs' --jobs 4 --json
  pgsnap backup --encrypt-to age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p
  0 3 * * * cd /srv/app && npx pgsnap backup --quiet   # nightly cron`,
});

export function register(program: Command, mount: Mount): void {
  mount(program, spec, async () => (await import('./actions/backup.js')).backup);
}
