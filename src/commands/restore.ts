import { type Command, Option } from 'commander';
import type { Action } from './context.js';
import { collect, notImplemented } from './options.js';

export interface RestoreFlags {
  dir?: string;
  table?: string[];
  onConflict?: 'nothing' | 'update';
  createMissing?: boolean;
  dryRun?: boolean;
}

export const restore: Action<RestoreFlags> = async () => notImplemented('restore');

export function register(program: Command, wrap: <O>(a: Action<O>) => (...args: unknown[]) => Promise<void>): void {
  program
    .command('restore')
    .description('put rows from an archive back into a database with idempotent, ON CONFLICT-safe inserts')
    .argument('<archive>', 'archive file, "latest", or a date YYYY-MM-DD')
    .option('--dir <dir>', 'directory of archives (default: backups)')
    .option('--table <pattern>', 'only tables matching schema.table, table or a glob (repeatable)', collect)
    .addOption(
      new Option('--on-conflict <mode>', 'rows whose key exists: leave them (nothing) or overwrite them (update)').choices([
        'nothing',
        'update',
      ]),
    )
    .option('--create-missing', 'create tables missing from the target from the archived schema')
    .option('--dry-run', 'report what would be inserted, skipped and updated; change nothing')
    .addHelpText(
      'after',
      `
Examples:
  pgsnap restore latest --dry-run
  pgsnap restore 2025-07-11 --table public.profiles
  pgsnap restore backups/app-2025-07-11T03-00-00-000Z.zip --on-conflict update --json`,
    )
    .action(wrap(restore));
}
