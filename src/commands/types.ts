import type { Command } from 'commander';
import type { Mount } from './context.js';
import { TYPES } from './options.js';
import { defineCommand } from './spec.js';

const spec = defineCommand({
  name: 'types',
  description: 'write TypeScript types for the tables of the live database or of the schema files',
  options: TYPES,
  help: `
The module exports a record and an insert type per table (identity, generated and defaulted columns optional on
insert) and a \`Tables\` interface keyed by table name, so code typed with it does not compile when it names a
table that no schema file defines.

Examples:
  pgsnap types --from-schemas schemas --out src/db-types.ts
  pgsnap types --url postgres://app@localhost/app --schema public > src/db-types.ts
  pgsnap types --format supabase --out src/database.types.ts     # then createClient<Database>(url, key)
  pgsnap types --from-schemas schemas --format kysely --out src/db.ts     # new Kysely<DB>(…)`,
});

export function register(program: Command, mount: Mount): void {
  mount(program, spec, async () => (await import('./actions/types.js')).types);
}
