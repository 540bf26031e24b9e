import type { Command } from 'commander';
import type { Mount } from './context.js';
import { DRIFT_CHECK, DRIFT_PULL } from './options.js';
import { defineCommand } from './spec.js';
import { register as registerPlan } from './drift-plan.js';

const check = defineCommand({
  name: 'drift check',
  description: 'exit 1 when the live database, the schema files and the code disagree',
  options: DRIFT_CHECK,
  help: `
Exit codes: 0 in sync, 1 drift found, 2 trouble (bad schema file, unreachable database…).

Examples:
  pgsnap drift check
  pgsnap drift check --code src --format github      # in a GitHub Actions job
  pgsnap drift check --profile supabase               # Supabase: platform baseline first, ignore what it manages
  pgsnap drift check                                   # in a Supabase CLI project: reads supabase/migrations
  pgsnap drift check --shadow postgres://ci@localhost/postgres --format sarif > drift.sarif`,
});

const pull = defineCommand({
  name: 'drift pull',
  description: 'write definitions of live-only objects into a new schema file',
  options: DRIFT_PULL,
  help: '\nExamples:\n  pgsnap drift pull && git diff schemas/\n  pgsnap drift pull --profile supabase --ignore-schema audit',
});

export function register(program: Command, mount: Mount): void {
  const drift = program.command('drift').description('compare the live schema with the committed schema files');
  mount(drift, check, async () => (await import('./actions/drift.js')).driftCheck);
  mount(drift, pull, async () => (await import('./actions/drift.js')).driftPull);
  registerPlan(drift, mount);
}
