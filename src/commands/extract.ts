import type { Command } from 'commander';
import type { Mount } from './context.js';
import { EXTRACT } from './options.js';
import { defineCommand } from './spec.js';

const spec = defineCommand({
  name: 'extract',
  description: "one table's rows to stdout, as CSV, NDJSON or INSERT statements",
  args: [
    ['<archive>', 'archive file, "latest", or a date YYYY-MM-DD'],
    ['<table>', 'schema.table, or table when one schema has it'],
  ],
  options: EXTRACT,
  help: `
csv is byte for byte what COPY … TO STDOUT WITH (FORMAT csv, HEADER) prints for the same rows under the
archive's session settings (TimeZone UTC, DateStyle ISO — see docs/archive-format.md): NULL is an empty field,
an empty string is "". sql starts with the set_config lines those values need and writes one INSERT per row.
Rows are checked against the manifest's checksums while they stream: exit 2 means the output is incomplete.

Examples:
  pgsnap extract latest public.users > users.csv
  pgsnap extract 2025-07-11 orders --format ndjson | jq 'select(.status == "paid")'
  pgsnap extract latest public.users --format sql | psql "$DATABASE_URL"`,
});

export function register(program: Command, mount: Mount): void {
  mount(program, spec, async () => (await import('./actions/extract.js')).extract);
}
