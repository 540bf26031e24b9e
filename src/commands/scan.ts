import { type Command, Option } from 'commander';
import type { Action } from './context.js';
import { notImplemented } from './options.js';

export interface ScanFlags {
  schemas?: string;
  format?: 'text' | 'json' | 'github' | 'sarif';
}

export const scan: Action<ScanFlags> = async () => notImplemented('scan');

export function register(program: Command, wrap: <O>(a: Action<O>) => (...args: unknown[]) => Promise<void>): void {
  program
    .command('scan')
    .description('list the tables application code uses and check them against the schema files (no database)')
    .argument('[paths...]', 'files or directories to scan (default: .)')
    .option('--schemas <dir>', 'directory of schema files (default: schemas)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'github', 'sarif']))
    .addHelpText('after', '\nExamples:\n  pgsnap scan src\n  pgsnap scan src supabase/functions --json')
    .action(wrap(scan));
}
