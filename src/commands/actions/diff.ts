import path from 'node:path';
import { openArchive } from '../../archive/reader.js';
import { resolveArchive } from '../../archive/resolve.js';
import { describeTarget, resolveTarget } from '../../db/connection.js';
import { EXIT, usageError } from '../../errors.js';
import { diffSides, renderDiff } from '../../inspect/diff.js';
import { archiveSide, liveSide, type Side } from '../../inspect/sides.js';
import { printJson } from '../../log.js';
import type { Action } from '../context.js';
import type { DIFF } from '../options.js';

export const diff: Action<typeof DIFF> = async (settings, ctx, args) => {
  const dir = path.resolve(ctx.cwd, settings.dir);
  const shown = (file: string) => path.relative(ctx.cwd, file) || file;
  if (args[1] !== undefined && settings.url !== undefined) throw usageError('pgsnap diff compares with a second archive or with --url, not both');
  if (args[1] === undefined && settings.url === undefined) throw usageError('pgsnap diff needs a second archive or --url URL', 'see pgsnap diff --help');
  const fileA = resolveArchive(args[0] ?? 'latest', dir, settings.fromDatabase);
  const sides: Side[] = [];
  try {
    const a = archiveSide(shown(fileA), await openArchive(fileA));
    sides.push(a);
    let b: Side;
    if (settings.url !== undefined) {
      const target = resolveTarget(settings.url, ctx.env);
      b = await liveSide(`live database ${describeTarget(target, ctx.env)}`, target, ctx.logger);
    } else {
      const fileB = resolveArchive(args[1] as string, dir, settings.fromDatabase);
      b = archiveSide(shown(fileB), await openArchive(fileB));
    }
    sides.push(b);
    const report = await diffSides(a, b, { limit: settings.limit });
    if (settings.json) printJson(report, ctx.stdout);
    else ctx.stderr.write(`${renderDiff(report)}\n`);
    return report.trouble > 0 ? EXIT.TROUBLE : report.different > 0 ? EXIT.FINDINGS : EXIT.OK;
  } finally {
    for (const s of sides) await s.close();
  }
};
