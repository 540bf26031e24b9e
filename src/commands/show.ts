import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { openArchive } from '../archive/reader.js';
import { resolveArchive } from '../archive/resolve.js';
import { archiveContents, renderContents } from '../inspect/contents.js';
import { printJson } from '../log.js';
import type { Action, Mount } from './context.js';
import { SHOW } from './options.js';
import { defineCommand } from './spec.js';

export const show: Action<typeof SHOW> = async (settings, ctx, args) => {
  const file = resolveArchive(args[0] ?? 'latest', path.resolve(ctx.cwd, settings.dir), settings.fromDatabase);
  const shown = path.relative(ctx.cwd, file) || file;
  const archive = await openArchive(file);
  try {
    const contents = archiveContents(shown, fs.statSync(file).size, archive.manifest);
    if (settings.json) printJson(contents, ctx.stdout);
    else ctx.stdout.write(`${renderContents(contents)}\n`);
  } finally {
    await archive.close();
  }
  return 0;
};

const spec = defineCommand({
  name: 'show',
  description: 'what an archive holds: tables, rows, sizes, snapshot, server, sequences (like pg_restore -l)',
  args: [['<archive>', 'archive file, "latest", or a date YYYY-MM-DD']],
  options: SHOW,
  help: `
Reads only the manifest (the archive's table of contents), so it is instant on any size; sizes are those of the
uncompressed data. It does not check the data: pgsnap verify does.

Examples:
  pgsnap show latest
  pgsnap show 2025-07-11 --json | jq '.tables[] | select(.rows > 0) | .table'`,
});

export function register(program: Command, mount: Mount): void {
  mount(program, spec, show);
}
