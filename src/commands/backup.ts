import type { Command } from 'commander';
import { withSession } from '../db/client.js';
import type { Action } from './context.js';
import { collect, notImplemented, positiveNumber } from './options.js';

export interface BackupFlags {
  dir?: string;
  schema?: string[];
  table?: string[];
  exclude?: string[];
  jobs?: number;
  verify?: boolean;
}

// Until backup lands: connect (so connection problems are reported as they will be), then say so.
export const backup: Action<BackupFlags> = async (_flags, ctx) =>
  withSession(ctx.target(), async () => notImplemented('backup'), { logger: ctx.logger });

export function register(program: Command, wrap: <O>(a: Action<O>) => (...args: unknown[]) => Promise<void>): void {
  program
    .command('backup')
    .description('snapshot tables into a dated, self-verifying JSON archive')
    .option('--dir <dir>', 'directory for archives (default: backups)')
    .option('--schema <schema>', 'only tables in this schema (repeatable)', collect)
    .option('--table <pattern>', 'only tables matching schema.table, table or a glob (repeatable)', collect)
    .option('--exclude <pattern>', 'leave out tables matching this pattern (repeatable)', collect)
    .option('--jobs <n>', 'read tables on N connections sharing one snapshot', positiveNumber)
    .option('--verify', 'check the written archive before reporting success')
    .addHelpText(
      'after',
      `
Examples:
  pgsnap backup --url postgres://app@db.example.com/app
  pgsnap backup --exclude 'public.*_logs' --jobs 4 --json
  0 3 * * * cd /srv/app && npx pgsnap backup --verify --quiet   # nightly cron`,
    )
    .action(wrap(backup));
}
