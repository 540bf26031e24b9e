import { identityOption } from '../../archive/age.js';
import { type Shrunk, shrinkPerArchive } from '../../archive/shrink.js';
import { byDatabase, summarizeDir } from '../../archive/summary.js';
import { formatBytes, formatCount } from '../../report/numbers.js';
import { archivePlace, s3Options } from '../../storage/place.js';
import { printJson } from '../../log.js';
import type { Action } from '../context.js';
import type { LIST } from '../options.js';

export const list: Action<typeof LIST> = async (settings, ctx) => {
  const place = await archivePlace(settings.dir, ctx.cwd, s3Options(settings));
  const dir = place.dir;
  const open = { ...(await identityOption(settings.identity, ctx.cwd)), ...(place.store ? { store: place.store } : {}) };
  const all = await summarizeDir(await place.list(), open);
  const shrunk = new Map<string, Shrunk[]>();
  for (const history of byDatabase(all).values()) {
    const counts = history.map((h) => ({ file: h.file, takenAt: new Date(h.takenAt), tables: h.counts ?? [] }));
    for (const [file, s] of shrinkPerArchive(counts, settings.shrinkThreshold / 100)) shrunk.set(file, s);
  }
  const summaries = all.map(({ counts: _, ...s }) => ({
    ...s,
    shrunk: (shrunk.get(s.file) ?? []).map((x) => ({ table: x.table, before: x.before, after: x.after })),
  }));
  if (settings.json) {
    printJson({ dir, archives: summaries }, ctx.stdout);
    return 0;
  }
  if (summaries.length === 0) {
    ctx.logger.info(`no archives in ${dir}`);
    return 0;
  }
  const rows = summaries.map((s) => [
    s.takenAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    formatBytes(s.bytes),
    s.tables === null ? '?' : String(s.tables),
    s.rows === null ? '?' : formatCount(s.rows),
    s.error
      ? `${s.file}  (unreadable: ${s.error})`
      : s.shrunk.length > 0
        ? `${s.file}  SHRANK: ${s.shrunk.map((x) => `${x.table} ${formatCount(x.before)} → ${formatCount(x.after)}`).join(', ')}`
        : s.file,
  ]);
  const header = ['taken (UTC)', 'size', 'tables', 'rows', 'file'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 1 || i === 2 || i === 3 ? c.padStart(widths[i] ?? 0) : i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  // The table is the command's output: stdout, so it can be piped.
  ctx.stdout.write(`${line(header)}\n`);
  for (const r of rows) ctx.stdout.write(`${line(r)}\n`);
  return 0;
};
