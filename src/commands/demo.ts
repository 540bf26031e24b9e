import type { Command } from 'commander';
import type { Mount } from './context.js';
import { DEMO } from './options.js';
import { defineCommand } from './spec.js';

const spec = defineCommand({
  name: 'demo',
  description: 'the whole story on an embedded PostgreSQL: seed, back up, check drift, lose data, restore, verify',
  options: DEMO,
  help: '\nExamples:\n  pgsnap demo\n  pgsnap demo --pg 14',
});

export function register(program: Command, mount: Mount): void {
  mount(program, spec, async () => (await import('./actions/demo.js')).demo);
}
