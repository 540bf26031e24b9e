import fs from 'node:fs';
import path from 'node:path';
import { openArchive } from '../../archive/reader.js';
import { resolveArchive } from '../../archive/resolve.js';
import { archiveContents, renderContents } from '../../inspect/contents.js';
import { printJson } from '../../log.js';
import type { Action } from '../context.js';
import type { SHOW } from '../options.js';

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
