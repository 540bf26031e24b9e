import type { Command } from 'commander';
import type { Mount } from './context.js';

interface CommandModule {
  register(program: Command, mount: Mount): void;
}

/**
 * Every command, in the order of `pgsnap --help`. Each module is imported only when needed: a cron job running
 * `pgsnap backup` should not pay for loading the SQL parser, the code scanner and the Docker client.
 */
const COMMANDS: ReadonlyArray<readonly [string, () => Promise<CommandModule>]> = [
  ['backup', () => import('./backup.js')],
  ['list', () => import('./list.js')],
  ['verify', () => import('./verify.js')],
  ['show', () => import('./show.js')],
  ['extract', () => import('./extract.js')],
  ['diff', () => import('./diff.js')],
  ['restore', () => import('./restore.js')],
  ['prune', () => import('./prune.js')],
  ['drift', () => import('./drift.js')],
  ['scan', () => import('./scan.js')],
  ['types', () => import('./types.js')],
  ['demo', () => import('./demo.js')],
];

/**
 * Register the command named on the command line (the first argument that names one), or all of them when none
 * is named, for the top-level help and for commander's "unknown command" message.
 */
export async function registerCommands(program: Command, mount: Mount, argv: readonly string[]): Promise<void> {
  const names = new Set(COMMANDS.map(([name]) => name));
  const named = argv.slice(2).find((a) => names.has(a));
  for (const [name, load] of COMMANDS) {
    if (named === undefined || name === named) (await load()).register(program, mount);
  }
}
