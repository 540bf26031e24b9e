import path from 'node:path';
import { identityOption } from '../../archive/age.js';
import { openArchive } from '../../archive/reader.js';
import { archivePlace, s3Options } from '../../storage/place.js';
import { renderForTables } from '../../catalog/render.js';
import { targetDatabase } from '../../db/connection.js';
import { printJson } from '../../log.js';
import { usageError } from '../../errors.js';
import type { CopyFormat } from '../../restore/options.js';
import { restoreArchive } from '../../restore/restore.js';
import { renderReport } from '../../restore/report.js';
import { type Action, progressFor } from '../context.js';
import type { RESTORE } from '../options.js';

export const restore: Action<typeof RESTORE> = async (settings, ctx, args) => {
  const copyFormat = copyFormatFrom(ctx.env);
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
      commitEachTable: settings.commitEachTable,
      dryRun: settings.dryRun,
      logger: ctx.logger,
      renderTables: renderForTables,
      progress: progressFor(settings.dryRun ? 'restore (dry run)' : 'restore', ctx, settings.progress),
      copyFormat,
    });
    // A failure rolled everything back: in text mode its one line says it all; --json still gets the document.
    // (--commit-each-table: the line says how many tables were committed; --json lists which.)
    if (settings.json) printJson({ ...report, ...(failure ? { error: { code: failure.code, message: failure.message } } : {}) }, ctx.stdout);
    else if (!failure) ctx.logger.info(renderReport(report));
    if (failure) throw failure;
    return 0;
  } finally {
    await archive.close();
  }
};

/** PGSNAP_COPY_BINARY: `0` sends every table as text COPY, `all` every table whose types allow binary; unset, auto. */
function copyFormatFrom(env: NodeJS.ProcessEnv): CopyFormat {
  const v = env.PGSNAP_COPY_BINARY;
  if (v === undefined || v === '' || v === '1') return 'auto';
  if (v === '0') return 'text';
  if (v === 'all') return 'binary';
  throw usageError(`PGSNAP_COPY_BINARY must be 0, 1 or all, not ${JSON.stringify(v)}`, 'unset it for the default (binary COPY where it is exact, for larger tables)');
}
