import { type Command, Option } from 'commander';
import type { Action } from './context.js';
import { collect, notImplemented } from './options.js';

export interface DriftCheckFlags {
  schemas?: string;
  code?: string[];
  shadow?: string;
  format?: 'text' | 'json' | 'github' | 'sarif';
  profile?: string;
}

export interface DriftPullFlags {
  schemas?: string;
}

export const driftCheck: Action<DriftCheckFlags> = async () => notImplemented('drift check');
export const driftPull: Action<DriftPullFlags> = async () => notImplemented('drift pull');

export function register(program: Command, wrap: <O>(a: Action<O>) => (...args: unknown[]) => Promise<void>): void {
  const drift = program.command('drift').description('compare the live schema with the committed schema files');
  drift
    .command('check')
    .description('exit 1 when the live database, the schema files and the code disagree')
    .option('--schemas <dir>', 'directory of schema files applied in name order (default: schemas)')
    .option('--code <path>', 'also scan application code for the tables it uses (repeatable)', collect)
    .option('--shadow <where>', 'where to load the schema files: embedded (default), docker, or a server URL')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'github', 'sarif']))
    .option('--profile <name>', 'ignore what a platform manages (supabase)')
    .addHelpText(
      'after',
      `
Examples:
  pgsnap drift check
  pgsnap drift check --code src --format github      # in a GitHub Actions job
  pgsnap drift check --shadow postgres://ci@localhost/postgres --format sarif > drift.sarif`,
    )
    .action(wrap(driftCheck));
  drift
    .command('pull')
    .description('write definitions of live-only objects into a new schema file')
    .option('--schemas <dir>', 'directory of schema files (default: schemas)')
    .addHelpText('after', '\nExamples:\n  pgsnap drift pull && git diff schemas/')
    .action(wrap(driftPull));
}
