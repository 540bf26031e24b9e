import path from 'node:path';
import { identityOption } from '../../archive/age.js';
import { archivePlace, s3Options } from '../../storage/place.js';
import { printJson } from '../../log.js';
import { formatCount, formatSeconds, plural } from '../../report/numbers.js';
import { restoreDrill, type DrillReport } from '../../verify/drill.js';
import { type VerifyReport, verificationError, verifyArchive } from '../../verify/offline.js';
import { type Action, progressFor } from '../context.js';
import type { VERIFY } from '../options.js';

export const verify: Action<typeof VERIFY> = async (settings, ctx, args) => {
  const place = await archivePlace(settings.dir, ctx.cwd, s3Options(settings));
  const file = await place.resolve(args[0] ?? 'latest', settings.fromDatabase);
  const shown = place.store ? file : path.relative(ctx.cwd, file) || file;
  const identities = { ...(await identityOption(settings.identity, ctx.cwd)), ...(place.store ? { store: place.store } : {}) };
  const offline = await verifyArchive(file, identities, progressFor('verify', ctx, settings.progress));
  if (!settings.json) ctx.logger.info(renderOffline(offline, shown));
  let drill: DrillReport | undefined;
  if (offline.ok && settings.restoreTest) drill = await restoreDrill(file, { logger: ctx.logger, archive: identities });
  const ok = offline.ok && (drill === undefined || drill.ok);
  if (settings.json) {
    printJson({ archive: shown, ok, verify: { ...offline, archive: shown }, ...(drill ? { restoreTest: drill } : {}) }, ctx.stdout);
  } else if (drill) {
    ctx.logger.info(renderDrill(drill));
  } else if (settings.restoreTest) {
    ctx.logger.info('restore drill skipped: the archive failed verification');
  }
  // one line on stderr that also --quiet prints (cron mails only when something is printed); exit 1 as before
  if (!offline.ok && !settings.json) throw verificationError(offline);
  return ok ? 0 : 1;
};

function renderOffline(r: VerifyReport, shown: string): string {
  const lines = [`${r.ok ? 'verified' : 'FAILED verification'}: ${shown}`];
  for (const t of r.tables) {
    lines.push(`  ${t.ok ? 'ok    ' : 'BROKEN'} ${t.table}  ${plural(t.rows, 'row')}`);
    for (const p of t.problems) lines.push(`         ${p}`);
  }
  for (const p of r.problems) lines.push(`  ${p}`);
  lines.push(`${plural(r.tables.length, 'table')}, ${plural(r.rows, 'row')} checked in ${formatSeconds(r.seconds)}`);
  return lines.join('\n');
}

function renderDrill(d: DrillReport): string {
  const lines = [`restore drill on PostgreSQL ${d.serverMajor}: ${d.ok ? 'passed' : 'FAILED'}`];
  if (d.error) lines.push(`  ${d.error}`);
  for (const t of d.tables) {
    const what = t.ok
      ? `${plural(t.restoredRows, 'row')}, content matches`
      : `${formatCount(t.restoredRows)} of ${plural(t.archivedRows, 'row')}${t.fingerprintMatches ? '' : ', content differs'}`;
    lines.push(`  ${t.ok ? 'ok    ' : 'BROKEN'} ${t.table}  ${what}`);
  }
  for (const n of d.notes) lines.push(`  note   ${n}`);
  lines.push(`drill took ${formatSeconds(d.seconds)}`);
  return lines.join('\n');
}
