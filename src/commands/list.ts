import path from 'node:path';
import type { Command } from 'commander';
import { scanArchiveDir } from '../archive/directory.js';
import { summarizeArchive } from '../archive/summary.js';
import { formatBytes, formatCount } from '../backup/progress.js';
import { printJson } from '../log.js';
import type { Action, Mount } from './context.js';
import { LIST } from './options.js';
import { defineCommand } from './spec.js';

export const list: Action<typeof LIST> = async (settings, ctx) => {
  const dir = path.resolve(ctx.cwd, settings.dir);
  const summaries = [];
  for (const a of scanArchiveDir(dir)) summaries.push(await summarizeArchive(a));
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
    s.error ? `${s.file}  (unreadable: ${s.error})` : s.file,
  ]);
  const header = ['taken (UTC)', 'size', 'tables', 'rows', 'file'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 1 || i === 2 || i === 3 ? c.padStart(widths[i] ?? 0) : i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ');
  // The table is the command's output: stdout, so it can be piped.
  ctx.stdout.write(`${line(header)}\n`);
  for (const r of rows) ctx.stdout.write(`${line(r)}\n`);
  return 0;
};

const spec = defineCommand({
  name: 'list',
  description: 'list the archives in a directory (date, size, tables, rows)',
  options: LIST,
  help: '\nExamples:\n  pgsnap list\n  pgsnap list --dir /var/backups/app --json',
});

export function register(program: Command, mount: Mount): void {
  mount(program, spec, list);
}
