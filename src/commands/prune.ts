import type { Command } from 'commander';
import type { Action } from './context.js';
import { notImplemented, wholeNumber } from './options.js';

export interface PruneFlags {
  dir?: string;
  keepLast?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
  dryRun?: boolean;
}

export const prune: Action<PruneFlags> = async () => notImplemented('prune');

export function register(program: Command, wrap: <O>(a: Action<O>) => (...args: unknown[]) => Promise<void>): void {
  program
    .command('prune')
    .description('delete old archives by keep-last / daily / weekly / monthly rules (never the newest)')
    .option('--dir <dir>', 'directory of archives (default: backups)')
    .option('--keep-last <n>', 'keep the N newest archives', wholeNumber)
    .option('--keep-daily <n>', 'keep the newest archive of each of the last N days', wholeNumber)
    .option('--keep-weekly <n>', 'keep the newest archive of each of the last N weeks', wholeNumber)
    .option('--keep-monthly <n>', 'keep the newest archive of each of the last N months', wholeNumber)
    .option('--dry-run', 'list what would be deleted; delete nothing')
    .addHelpText('after', '\nExamples:\n  pgsnap prune --keep-daily 7 --keep-weekly 4 --keep-monthly 12 --dry-run')
    .action(wrap(prune));
}
