import type { Command } from 'commander';
import type { Mount } from './context.js';
import { DRIFT_APPLY, DRIFT_PLAN } from './options.js';
import { defineCommand } from './spec.js';

const plan = defineCommand({
  name: 'drift plan',
  description: 'SQL that brings the live database to the schema files, proven in a shadow copy first',
  options: DRIFT_PLAN,
  help: `
Exit codes: 0 proven (applying it leaves no drift), 1 not proven (what is left is listed), 2 trouble.
Statements that lose data (DROP TABLE, DROP COLUMN, a narrowing type change, removing an enum value) are left
out and listed unless --allow-data-loss. Renames are not guessed. The live database is not changed unless --apply.

Examples:
  pgsnap drift plan --out repair.sql && pgsnap drift apply repair.sql
  pgsnap drift plan --json | jq '.statements[].sql'
  pgsnap drift plan --allow-data-loss --apply`,
});

const apply = defineCommand({
  name: 'drift apply',
  description: 'run a proven plan file on the live database in one transaction',
  args: [['<file>', 'a plan written by pgsnap drift plan --out']],
  options: DRIFT_APPLY,
  help: `
Refuses (exit 2, nothing changed) a plan that was not proven, was edited, or was made against a live schema that
has changed since (its fingerprint is in the plan's first line).

Examples:
  pgsnap drift apply repair.sql --lock-timeout 10`,
});

export function register(drift: Command, mount: Mount): void {
  mount(drift, plan, async () => (await import('./actions/drift-plan.js')).driftPlan);
  mount(drift, apply, async () => (await import('./actions/drift-plan.js')).driftApply);
}
