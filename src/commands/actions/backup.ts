import path from 'node:path';
import { identityOption, loadRecipients } from '../../archive/age.js';
import { runBackup } from '../../backup/backup.js';
import { skippedText } from '../../backup/skipped.js';
import { EXIT, PgsnapError, usageError } from '../../errors.js';
import { formatBytes, formatSeconds, plural } from '../../report/numbers.js';
import { archivePlace, s3Options } from '../../storage/place.js';
import { printJson } from '../../log.js';
import { type Action, progressFor } from '../context.js';
import type { BACKUP } from '../options.js';
import { verificationError, verifyArchive, type VerifyReport } from '../../verify/offline.js';

export const backup: Action<typeof BACKUP> = async (flags, ctx) => {
  const place = await archivePlace(flags.dir, ctx.cwd, s3Options(flags));
  const selection = { schemas: flags.schema, tables: flags.table, exclude: flags.exclude };
  // keys are checked before the snapshot is taken: a typo must not cost a night's backup halfway through
  const recipients = await loadRecipients(flags.encryptTo, ctx.cwd);
  if (flags.verify && recipients.length > 0 && flags.identity === undefined) {
    throw usageError(
      '--verify cannot read back an archive encrypted with --encrypt-to without its secret key',
      'add --identity FILE, or verify later with pgsnap verify latest --identity FILE',
    );
  }
  const identities = await identityOption(flags.identity, ctx.cwd);
  const open = { ...identities, ...(place.store ? { store: place.store } : {}) };
  const result = await runBackup({
    target: ctx.target(),
    dir: place.dir,
    ...(place.store ? { store: place.store } : {}),
    selection,
    jobs: flags.jobs,
    shrinkThreshold: flags.shrinkThreshold / 100,
    ...(flags.lockWaitTimeout === undefined ? {} : { lockWaitSeconds: flags.lockWaitTimeout }),
    recipients,
    listArchives: () => place.list(),
    open,
    logger: ctx.logger,
    progress: progressFor('backup', ctx, flags.progress),
  });
  const shown = place.store ? result.archive : path.relative(ctx.cwd, result.archive) || result.archive;
  // --verify reads the archive back from disk: what cron reports as a good backup is what restore will read.
  const verified: VerifyReport | undefined = flags.verify ? await verifyArchive(result.archive, open) : undefined;
  if (flags.json) {
    printJson(
      {
        archive: result.archive,
        database: result.database,
        bytes: result.bytes,
        tables: result.tables,
        rows: result.rows,
        seconds: result.seconds,
        snapshotId: result.manifest.snapshotId,
        shrunk: result.shrink.shrunk.map((x) => ({ table: x.table, before: x.before, after: x.after })),
        comparedWith: result.shrink.previous,
        skipped: result.skipped.map((x) => ('schema' in x ? { schema: x.schema, reason: x.reason } : { table: x.table, reason: x.reason })),
        ...(verified ? { verified: verified.ok, problems: [...verified.problems, ...verified.tables.flatMap((t) => t.problems)] } : {}),
      },
      ctx.stdout,
    );
  } else {
    ctx.logger.info(
      `${shown}: ${plural(result.tables, 'table')}, ${plural(result.rows, 'row')}, ${formatBytes(result.bytes)} in ${formatSeconds(result.seconds)}`,
    );
    // selectors that matched nothing were already warned about (they print under --quiet too)
    for (const x of result.skipped) if (!x.unmatched) ctx.logger.info(`  not captured: ${skippedText(x)}`);
  }
  // stderr, also under --quiet and --json: the loss must reach whoever reads cron's mail
  for (const x of result.shrink.shrunk) ctx.logger.warn(`${x.table} shrank from ${x.before} to ${x.after} rows since ${result.shrink.previous}`);
  if (result.shrink.encrypted && result.shrink.previous === null) {
    ctx.logger.warn(`shrink guard skipped: the previous archive ${result.shrink.encrypted} is encrypted (pass --identity to compare row counts)`);
  }
  if (verified && !verified.ok) throw verificationError(verified);
  if (flags.failOnShrink && result.shrink.shrunk.length > 0) {
    throw new PgsnapError(
      'backup_failed',
      `${result.shrink.shrunk.length} table(s) shrank since the previous archive: ${result.shrink.shrunk.map((x) => x.table).join(', ')}`,
      {
        exitCode: EXIT.FINDINGS,
        hint: `the archive ${shown} was kept; restore from ${result.shrink.previous} if the rows were lost`,
      },
    );
  }
  if (verified && !flags.json) ctx.logger.info(`verified: every entry and row of ${shown} reads back as written`);
  return 0;
};
