import fs from 'node:fs';
import path from 'node:path';
import { identityOption } from '../../archive/age.js';
import { hasRules, planDirectoryPrune, type PruneRules } from '../../archive/prune-plan.js';
import { summarizeDir } from '../../archive/summary.js';
import { formatBytes } from '../../report/numbers.js';
import { archivePlace, s3Options } from '../../storage/place.js';
import { PgsnapError, usageError } from '../../errors.js';
import { printJson } from '../../log.js';
import type { Action } from '../context.js';
import type { PRUNE } from '../options.js';

export const prune: Action<typeof PRUNE> = async (settings, ctx) => {
  const place = await archivePlace(settings.dir, ctx.cwd, s3Options(settings));
  const dir = place.dir;
  // The keep rules are one group (options.ts): flags replace the config file's rules as a whole.
  const rules: PruneRules = { keepLast: settings.keepLast, keepDaily: settings.keepDaily, keepWeekly: settings.keepWeekly, keepMonthly: settings.keepMonthly };
  if (!hasRules(rules)) {
    throw usageError(
      'pgsnap prune needs at least one keep rule',
      'e.g. pgsnap prune --keep-daily 7 --keep-weekly 4 --keep-monthly 12 (add --dry-run to see what would go)',
    );
  }
  // prune reads each manifest (retention and the shrink guard go per database): encrypted ones need --identity
  const open = { ...(await identityOption(settings.identity, ctx.cwd)), ...(place.store ? { store: place.store } : {}) };
  const summaries = await summarizeDir(await place.list(), open);
  const plan = planDirectoryPrune(summaries, rules, { threshold: settings.shrinkThreshold / 100, forget: settings.forgetShrink }, new Date());
  if (!settings.dryRun) {
    for (const { archive } of plan.remove) {
      if (place.store) await place.store.remove(archive.file);
      else removeArchive(archive.path);
    }
  }
  // a file named like an archive that does not read as one: someone must look at it (stderr, also under --quiet)
  for (const u of plan.unreadable) ctx.logger.warn(`${u.file} is not a readable pgsnap archive (${u.error}); not counted, not removed`);
  if (settings.json) {
    printJson(
      {
        dir,
        dryRun: settings.dryRun,
        keep: plan.keep.map((d) => ({ file: d.archive.file, database: d.archive.database, takenAt: d.archive.takenAt, reasons: d.reasons })),
        remove: plan.remove.map((d) => ({ file: d.archive.file, database: d.archive.database, takenAt: d.archive.takenAt, bytes: d.archive.bytes })),
        unreadable: plan.unreadable.map((u) => ({ file: u.file, error: u.error })),
      },
      ctx.stdout,
    );
    return 0;
  }
  const verb = settings.dryRun ? 'would remove' : 'removed';
  for (const d of plan.keep) ctx.logger.info(`keep    ${d.archive.file}  (${d.reasons.join(', ')})`);
  for (const d of plan.remove) ctx.logger.info(`${settings.dryRun ? 'remove? ' : 'removed '}${d.archive.file}`);
  const bytes = plan.remove.reduce((n, d) => n + d.archive.bytes, 0);
  ctx.logger.info(`${verb} ${plan.remove.length} of ${plan.keep.length + plan.remove.length} archives (${formatBytes(bytes)})`);
  return 0;
};

function removeArchive(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      const why = code === 'EROFS' ? 'the file system is mounted read-only' : 'the archive directory is not writable by this user';
      throw new PgsnapError('permission', `cannot remove ${path.basename(file)}: ${why} (${code})`, {
        hint: 'run prune as the user that writes the backups, on a writable mount',
        cause: e,
      });
    }
    throw e;
  }
}
