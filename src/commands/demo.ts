import type { Command } from 'commander';
import type { Action, Mount } from './context.js';
import { DEMO } from './options.js';
import { defineCommand } from './spec.js';

export const demo: Action<typeof DEMO> = async (settings, ctx) => {
  const { runDemo } = await import('../demo.js');
  return runDemo({ major: settings.pg, logger: ctx.logger, out: ctx.stdout, cli: ctx.cli });
};

const spec = defineCommand({
  name: 'demo',
  description: 'the whole story on an embedded PostgreSQL: seed, back up, check drift, lose data, restore, verify',
  options: DEMO,
  help: '\nExamples:\n  pgsnap demo\n  pgsnap demo --pg 14',
});

export function register(program: Command, mount: Mount): void {
  mount(program, spec, demo);
}
