import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { type ArchiveFile, scanArchiveDir } from '../archive/directory.js';
import { hasRules, planPrune, type PruneRules } from '../archive/prune-plan.js';
import { usageError } from '../errors.js';
import { printJson } from '../log.js';
import type { Action } from './context.js';
import { wholeNumber } from './options.js';

export interface PruneFlags {
  dir?: string;
  keepLast?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
  dryRun?: boolean;
}

export const prune: Action<PruneFlags> = async (flags, ctx) => {
  const dir = path.resolve(ctx.cwd, flags.dir ?? ctx.config.dir ?? 'backups');
  const cfg = ctx.config.prune ?? {};
  const given = [flags.keepLast, flags.keepDaily, flags.keepWeekly, flags.keepMonthly].some((n) => n !== undefined);
  // Flags replace the config file's rules as a whole: mixing them would keep more (or less) than either says.
  const rules: PruneRules = given
    ? { keepLast: flags.keepLast, keepDaily: flags.keepDaily, keepWeekly: flags.keepWeekly, keepMonthly: flags.keepMonthly }
    : cfg;
  if (!hasRules(rules)) {
    throw usageError(
      'pgsnap prune needs at least one keep rule',
      'e.g. pgsnap prune --keep-daily 7 --keep-weekly 4 --keep-monthly 12 (add --dry-run to see what would go)',
    );
  }
  const plan = planPrune(scanArchiveDir(dir), rules, new Date());
  const removed: string[] = [];
  if (!flags.dryRun) {
    for (const { archive } of plan.remove) {
      removeArchive(archive);
      removed.push(archive.file);
    }
  }
  if (ctx.json) {
    printJson(
      {
        dir,
        dryRun: Boolean(flags.dryRun),
        keep: plan.keep.map((d) => ({ file: d.archive.file, takenAt: d.archive.takenAt.toISOString(), reasons: d.reasons })),
        remove: plan.remove.map((d) => ({ file: d.archive.file, takenAt: d.archive.takenAt.toISOString(), bytes: d.archive.bytes })),
      },
      ctx.stdout,
    );
    return 0;
  }
  const verb = flags.dryRun ? 'would remove' : 'removed';
  for (const d of plan.keep) ctx.logger.info(`keep    ${d.archive.file}  (${d.reasons.join(', ')})`);
  for (const d of plan.remove) ctx.logger.info(`${flags.dryRun ? 'remove? ' : 'removed '}${d.archive.file}`);
  const bytes = plan.remove.reduce((n, d) => n + d.archive.bytes, 0);
  ctx.logger.info(`${verb} ${plan.remove.length} of ${plan.keep.length + plan.remove.length} archives (${(bytes / 2 ** 20).toFixed(1)} MB)`);
  return 0;
};

function removeArchive(a: ArchiveFile): void {
  try {
    fs.unlinkSync(a.path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

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
    .addHelpText(
      'after',
      `
An archive is kept when any rule keeps it (as restic forget does); days, weeks and months are UTC. "The last N
days" means the last N days that have archives. Without any rule (flag or config "prune"), prune refuses.

Examples:
  pgsnap prune --keep-daily 7 --keep-weekly 4 --keep-monthly 12 --dry-run
  pgsnap prune --keep-last 30`,
    )
    .action(wrap(prune));
}
