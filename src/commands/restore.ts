import path from 'node:path';
import { type Command, Option } from 'commander';
import { openArchive } from '../archive/reader.js';
import { resolveArchive } from '../archive/resolve.js';
import { renderForTables } from '../catalog/render.js';
import { printJson } from '../log.js';
import { restoreArchive } from '../restore/restore.js';
import { renderReport } from '../restore/report.js';
import type { Action } from './context.js';
import { collect } from './options.js';

export interface RestoreFlags {
  dir?: string;
  table?: string[];
  onConflict?: 'nothing' | 'update';
  createMissing?: boolean;
  dryRun?: boolean;
}

export const restore: Action<RestoreFlags> = async (flags, ctx, args) => {
  const dir = path.resolve(ctx.cwd, flags.dir ?? ctx.config.dir ?? 'backups');
  const file = resolveArchive(args[0] ?? 'latest', dir);
  const archive = await openArchive(file);
  try {
    const { report, failure } = await restoreArchive(archive, path.relative(ctx.cwd, file) || file, ctx.target(), {
      onConflict: flags.onConflict ?? ctx.config.restore?.onConflict ?? 'nothing',
      tables: flags.table ?? [],
      createMissing: Boolean(flags.createMissing),
      dryRun: Boolean(flags.dryRun),
      logger: ctx.logger,
      renderTables: renderForTables,
    });
    // A failure rolled everything back: in text mode its one line says it all; --json still gets the document.
    if (ctx.json) printJson({ ...report, ...(failure ? { error: failure.message } : {}) }, ctx.stdout);
    else if (!failure) ctx.logger.info(renderReport(report));
    if (failure) throw failure;
    return 0;
  } finally {
    await archive.close();
  }
};

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
Rows whose key already exists are left alone (or overwritten with --on-conflict update); a second run inserts
nothing. Everything happens in one transaction: a failure or an interruption leaves the database unchanged.
Tables are locked against concurrent writes while restore runs (it gives up after 10 s waiting for a lock).

Examples:
  pgsnap restore latest --dry-run
  pgsnap restore 2025-07-11 --table public.profiles
  pgsnap restore backups/app-2025-07-11T03-00-00-000Z.zip --on-conflict update --json`,
    )
    .action(wrap(restore));
}
