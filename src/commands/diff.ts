import path from 'node:path';
import type { Command } from 'commander';
import { openArchive } from '../archive/reader.js';
import { resolveArchive } from '../archive/resolve.js';
import { describeTarget, resolveTarget } from '../db/connection.js';
import { EXIT, usageError } from '../errors.js';
import { diffSides, renderDiff } from '../inspect/diff.js';
import { archiveSide, liveSide, type Side } from '../inspect/sides.js';
import { printJson } from '../log.js';
import type { Action, Mount } from './context.js';
import { DIFF } from './options.js';
import { defineCommand } from './spec.js';

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

const spec = defineCommand({
  name: 'diff',
  description: 'rows only in one side and rows that differ, per table: two archives, or an archive and a live database',
  args: [
    ['<archive>', 'archive file, "latest", or a date YYYY-MM-DD (side A)'],
    ['[other]', 'a second archive (side B); or give --url'],
  ],
  options: DIFF,
  help: `
Rows are matched by the primary key, else a unique key over NOT NULL columns, else compared as whole rows
(a multiset: a duplicated row counts twice). Values are compared as PostgreSQL prints them. Columns only on one
side or with another type are reported; rows are compared over the columns both sides have. With --url, the
tables of the archive are compared with the live ones in one snapshot (tables only in the live database are
not listed; an archive may hold a selection). Exit 0: no differences; 1: differences; 2: trouble.

Examples:
  pgsnap diff 2025-07-10 2025-07-11            # what changed since last night
  pgsnap diff latest --url "$DATABASE_URL"      # what exactly did we lose
  pgsnap diff latest --url "$DATABASE_URL" --json | jq '.tables[] | select(.status != "same")'`,
});

export function register(program: Command, mount: Mount): void {
  mount(program, spec, diff);
}
