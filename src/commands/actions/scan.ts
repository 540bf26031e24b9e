import { wantsColor } from '../../log.js';
import { plural } from '../../report/numbers.js';
import pkg from '../../../package.json' with { type: 'json' };
import { EXIT } from '../../errors.js';
import { jsonReport } from '../../report/json.js';
import { type ReportFormat, renderFindings } from '../../report/index.js';
import { summaryLine } from '../../report/text.js';
import { checkCode } from '../../scan/check.js';
import { type Action, reportStream } from '../context.js';
import type { SCAN } from '../options.js';

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
  ctx.logger.info(
    `scanned ${plural(result.files, 'file')} in ${summary.durationMs} ms: ${plural(result.tables.length, 'table')}, ${plural(result.functions.length, 'function')}, ${plural(summary.references, 'reference')}`,
  );
  return result.findings.some((f) => f.severity === 'error') ? EXIT.FINDINGS : EXIT.OK;
};
