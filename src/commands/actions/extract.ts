import path from 'node:path';
import { openArchive } from '../../archive/reader.js';
import { resolveArchive } from '../../archive/resolve.js';
import { extractTable } from '../../inspect/extract.js';
import type { Action } from '../context.js';
import type { EXTRACT } from '../options.js';

export const extract: Action<typeof EXTRACT> = async (settings, ctx, args) => {
  const file = resolveArchive(args[0] ?? 'latest', path.resolve(ctx.cwd, settings.dir), settings.fromDatabase);
  const archive = await openArchive(file);
  try {
    const rows = await extractTable(archive, args[1] ?? '', settings.format, ctx.stdout);
    ctx.logger.debug(`extracted ${rows} rows`);
  } finally {
    await archive.close();
  }
  return 0;
};
