import path from 'node:path';
import type { Command } from 'commander';
import { identityOption } from '../archive/age.js';
import { openArchive } from '../archive/reader.js';
import { archivePlace, s3Options } from '../storage/place.js';
import { renderForTables } from '../catalog/render.js';
import { targetDatabase } from '../db/connection.js';
import { printJson } from '../log.js';
import { restoreArchive } from '../restore/restore.js';
import { renderReport } from '../restore/report.js';
import { type Action, type Mount, progressFor } from './context.js';
import { RESTORE } from './options.js';
import { defineCommand } from './spec.js';

export const restore: Action<typeof RESTORE> = async (settings, ctx, args) => {
  const place = await archivePlace(settings.dir, ctx.cwd, s3Options(settings));
  // latest / a date: among the target database's archives (a shared directory holds others' too)
  const file = await place.resolve(args[0] ?? 'latest', settings.fromDatabase ?? targetDatabase(ctx.target(), ctx.env));
  const archive = await openArchive(file, { ...(await identityOption(settings.identity, ctx.cwd)), ...(place.store ? { store: place.store } : {}) });
  try {
    const { report, failure } = await restoreArchive(archive, place.store ? file : path.relative(ctx.cwd, file) || file, ctx.target(), {
      onConflict: settings.onConflict,
      tables: settings.table,
      schemas: settings.schema,
      exclude: settings.exclude,
      createMissing: settings.createMissing,
      where: settings.where,
      withDependents: settings.withDependents,
      jobs: settings.jobs,
      dryRun: settings.dryRun,
      logger: ctx.logger,
      renderTables: renderForTables,
      progress: progressFor(settings.dryRun ? 'restore (dry run)' : 'restore', ctx, settings.progress),
    });
    // A failure rolled everything back: in text mode its one line says it all; --json still gets the document.
    if (settings.json) printJson({ ...report, ...(failure ? { error: { code: failure.code, message: failure.message } } : {}) }, ctx.stdout);
    else if (!failure) ctx.logger.info(renderReport(report));
    if (failure) throw failure;
    return 0;
  } finally {
    await archive.close();
  }
};

const spec = defineCommand({
  name: 'restore',
  description: 'put rows from an archive back into a database with idempotent, ON CONFLICT-safe inserts',
  args: [['<archive>', 'archive file, "latest", or a date YYYY-MM-DD']],
  options: RESTORE,
  help: `
Rows whose key already exists are left alone (or overwritten with --on-conflict update); a second run inserts
nothing. Everything happens in one transaction: a failure or an interruption leaves the database unchanged.
Tables are locked against concurrent writes while restore runs (it gives up after 10 s waiting for a lock).

Examples:
  pgsnap restore latest --dry-run
  pgsnap restore 2025-07-11 --table public.profiles
  pgsnap restore latest --schema public --exclude 'public.*_logs'
  pgsnap restore latest --where "public.projects: id = 'e6b2…'" --with-dependents --dry-run
  pgsnap restore latest --identity key.txt --dry-run   # an encrypted archive (.zip.age)
  pgsnap restore backups/app-2025-07-11T03-00-00-000Z.zip --on-conflict update --json`,
});

export function register(program: Command, mount: Mount): void {
  mount(program, spec, restore);
}
