import path from 'node:path';
import type { Command } from 'commander';
import { runBackup } from '../backup/backup.js';
import { createProgress, formatBytes, formatCount } from '../backup/progress.js';
import { skippedText } from '../backup/skipped.js';
import { printJson } from '../log.js';
import type { Action, Mount } from './context.js';
import { BACKUP } from './options.js';
import { defineCommand } from './spec.js';
import { verificationError, verifyArchive, type VerifyReport } from '../verify/offline.js';

export const backup: Action<typeof BACKUP> = async (flags, ctx) => {
  const dir = path.resolve(ctx.cwd, flags.dir);
  const selection = { schemas: flags.schema, tables: flags.table, exclude: flags.exclude };
  const result = await runBackup({
    target: ctx.target(),
    dir,
    selection,
    jobs: flags.jobs,
    logger: ctx.logger,
    progress: createProgress({ logger: ctx.logger, stderr: ctx.stderr, quiet: Boolean(ctx.quiet), tty: ctx.logger.tty }),
  });
  const shown = path.relative(ctx.cwd, result.archive) || result.archive;
  // --verify reads the archive back from disk: what cron reports as a good backup is what restore will read.
  const verified: VerifyReport | undefined = flags.verify ? await verifyArchive(result.archive) : undefined;
  if (flags.json) {
    printJson(
      {
        archive: result.archive,
        database: result.database,
        bytes: result.bytes,
        tables: result.tables,
        rows: result.rows,
        seconds: Number(result.seconds.toFixed(3)),
        snapshotId: result.manifest.snapshotId,
        skipped: result.skipped.map((x) => ('schema' in x ? { schema: x.schema, reason: x.reason } : { table: x.table, reason: x.reason })),
        ...(verified ? { verified: verified.ok, problems: [...verified.problems, ...verified.tables.flatMap((t) => t.problems)] } : {}),
      },
      ctx.stdout,
    );
  } else {
    ctx.logger.info(
      `${shown}: ${result.tables} tables, ${formatCount(result.rows)} rows, ${formatBytes(result.bytes)} in ${result.seconds.toFixed(1)} s`,
    );
    // selectors that matched nothing were already warned about (they print under --quiet too)
    for (const x of result.skipped) if (!x.unmatched) ctx.logger.info(`  not captured: ${skippedText(x)}`);
  }
  if (verified && !verified.ok) throw verificationError(verified);
  if (verified && !flags.json) ctx.logger.info(`verified: every entry and row of ${shown} reads back as written`);
  return 0;
};

const spec = defineCommand({
  name: 'backup',
  description: 'snapshot tables into a dated, self-verifying JSON archive',
  options: BACKUP,
  help: `
Writes <dir>/<database>-<UTC timestamp>.zip (mode 0600) under a temporary name and renames it only when it is
complete. All tables are read in one snapshot. By default every table outside platform-managed schemas (auth,
storage, … on Supabase) is captured; --schema/--table narrow that, --exclude always wins. What was left out is
listed ("skipped" in --json). A --schema or --table that matches nothing is an error (exit 2) when no selector
matched anything, and a warning (always printed, also with --quiet) when others did.

Examples:
  pgsnap backup --url postgres://app@db.example.com/app
  pgsnap backup --exclude 'public.*_logs' --jobs 4 --json
  0 3 * * * cd /srv/app && npx pgsnap backup --quiet   # nightly cron`,
});

export function register(program: Command, mount: Mount): void {
  mount(program, spec, backup);
}
