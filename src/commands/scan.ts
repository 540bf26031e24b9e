import type { Command } from 'commander';
import { wantsColor } from '../log.js';
import { plural } from '../report/numbers.js';
import pkg from '../../package.json' with { type: 'json' };
import { EXIT } from '../errors.js';
import { jsonReport } from '../report/json.js';
import { type ReportFormat, renderFindings } from '../report/index.js';
import { summaryLine } from '../report/text.js';
import { checkCode } from '../scan/check.js';
import { type Action, type Mount, reportStream } from './context.js';
import { SCAN } from './options.js';
import { defineCommand } from './spec.js';

/**
 * `pgsnap scan PATH…`: the tables, functions and columns the code uses, judged against the schema files alone (no
 * database). Exit 1 when something is used that no schema file defines.
 */
export const scan: Action<typeof SCAN> = async (settings, ctx, args) => {
  const format: ReportFormat = ctx.sources.format === 'command line' || !settings.json ? settings.format : 'json';
  const schemaDir = settings.schemas;
  const paths = args.length > 0 ? args : settings.code;
  const started = Date.now();
  const config = { ...ctx.config, scan: { exclude: settings.exclude, include: settings.include, external: settings.external, calls: settings.calls } };
  const result = await checkCode({ paths, schemaDir, live: null, config, cwd: ctx.cwd });
  const summary = {
    files: result.files,
    tables: result.tables.length,
    functions: result.functions.length,
    references: result.tables.reduce((n, t) => n + t.references.length, 0) + result.functions.reduce((n, f) => n + f.references.length, 0),
    schemaDir,
    schemaFiles: result.source.files,
    durationMs: Date.now() - started,
  };
  if (format === 'json') {
    const report = jsonReport(result.findings, summary);
    ctx.stdout.write(`${JSON.stringify({ ...report, tables: result.tables, functions: result.functions }, null, 2)}\n`);
  } else {
    const out = reportStream(format, ctx);
    const clean = `${plural(result.files, 'file')} scanned: all ${plural(result.tables.length, 'table')} and ${plural(result.functions.length, 'function')} the code uses are defined in ${schemaDir}`;
    out.write(
      renderFindings(format, result.findings, { toolVersion: pkg.version, color: wantsColor(out, ctx.env), fallbackFile: schemaDir, cleanMessage: clean }),
    );
    if (format !== 'text') ctx.logger.info(result.findings.length === 0 ? clean : summaryLine(result.findings));
  }
  ctx.logger.info(`scanned ${plural(result.files, 'file')} in ${summary.durationMs} ms: ${plural(result.tables.length, 'table')}, ${plural(result.functions.length, 'function')}, ${plural(summary.references, 'reference')}`);
  return result.findings.some((f) => f.severity === 'error') ? EXIT.FINDINGS : EXIT.OK;
};

const spec = defineCommand({
  name: 'scan',
  description: 'list the tables application code uses and check them against the schema files (no database)',
  args: [['[paths...]', 'files or directories to scan (default: the "code" setting, else .)']],
  options: SCAN,
  help: `
Exit codes: 0 every table, function and column the code uses is defined in the schema files; 1 something is not;
2 trouble (a path that does not exist, a schema file that does not parse).

Examples:
  pgsnap scan src
  pgsnap scan src supabase/functions --json
  pgsnap scan src --format github          # annotations in a GitHub Actions job
  pgsnap scan . --schemas schema.sql --exclude 'scripts/**'

Skipped by default: node_modules, .git, .yarn, .next, dist, build, coverage, vendor, and what .gitignore lists.
The schema files themselves are not scanned (only those files: other .sql files in the tree are).`,
});

export function register(program: Command, mount: Mount): void {
  mount(program, spec, scan);
}
