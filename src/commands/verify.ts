import type { Command } from 'commander';
import type { Action } from './context.js';
import { notImplemented } from './options.js';

export interface VerifyFlags {
  dir?: string;
  restoreTest?: boolean;
}

export const verify: Action<VerifyFlags> = async () => notImplemented('verify');

export function register(program: Command, wrap: <O>(a: Action<O>) => (...args: unknown[]) => Promise<void>): void {
  program
    .command('verify')
    .description('check an archive offline (checksums, row counts, rows); --restore-test restores it into a throwaway server')
    .argument('<archive>', 'archive file, "latest", or a date YYYY-MM-DD')
    .option('--dir <dir>', 'directory of archives (default: backups)')
    .option('--restore-test', 'restore into a throwaway embedded PostgreSQL and compare with the manifest')
    .addHelpText(
      'after',
      '\nExamples:\n  pgsnap verify latest\n  pgsnap verify 2025-07-11 --restore-test\n  pgsnap backup && pgsnap verify latest --restore-test   # nightly drill',
    )
    .action(wrap(verify));
}
