import type { Command } from 'commander';
import type { Action } from './context.js';

export interface DemoFlags {
  pg?: string;
}

export const demo: Action<DemoFlags> = async (flags, ctx) => {
  const { runDemo } = await import('../demo.js');
  return runDemo({ major: flags.pg ? Number(flags.pg) : undefined, logger: ctx.logger, out: ctx.stdout });
};

export function register(program: Command, wrap: <O>(a: Action<O>) => (...args: unknown[]) => Promise<void>): void {
  program
    .command('demo')
    .description('the whole story on an embedded PostgreSQL: seed, back up, check drift, lose data, restore, verify')
    .option('--pg <major>', 'embedded PostgreSQL major version (14 to 18)')
    .addHelpText('after', '\nExamples:\n  pgsnap demo\n  pgsnap demo --pg 14')
    .action(wrap(demo));
}
