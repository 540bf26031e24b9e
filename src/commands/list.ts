import type { Command } from 'commander';
import type { Action } from './context.js';
import { notImplemented } from './options.js';

export interface ListFlags {
  dir?: string;
}

export const list: Action<ListFlags> = async () => notImplemented('list');

export function register(program: Command, wrap: <O>(a: Action<O>) => (...args: unknown[]) => Promise<void>): void {
  program
    .command('list')
    .description('list the archives in a directory (date, size, tables, rows)')
    .option('--dir <dir>', 'directory of archives (default: backups)')
    .addHelpText('after', '\nExamples:\n  pgsnap list\n  pgsnap list --dir /var/backups/app --json')
    .action(wrap(list));
}
