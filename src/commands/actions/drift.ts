import { wantsColor } from '../../log.js';
import pkg from '../../../package.json' with { type: 'json' };
import { type DriftCheckResult, checkDrift } from '../../drift/check.js';
import { mergeCodeFindings } from '../../drift/merge-code.js';
import { detectSupabaseProject } from '../../drift/profile.js';
import { pullDrift } from '../../drift/pull.js';
import { parseShadowSpec } from '../../drift/shadow.js';
import { EXIT } from '../../errors.js';
import { onInterrupt } from '../../lifecycle.js';
import { checkCode } from '../../scan/check.js';
import type { Finding } from '../../report/finding.js';
import { type ReportFormat, renderFindings } from '../../report/index.js';
import { summaryLine } from '../../report/text.js';
import type { Config } from '../../config.js';
import type { IgnoreRules } from '../../drift/ignore.js';
import { type Action, type CommandContext, reportStream } from '../context.js';
import type { DRIFT_CHECK, DRIFT_PULL } from '../options.js';
import type { Settings } from '../spec.js';

/** --format on the command line wins, then --json, then the config file's format, then text. */
function formatFor(s: Settings<typeof DRIFT_CHECK>, ctx: CommandContext): ReportFormat {
  if (ctx.sources.format === 'command line') return s.format;
  return s.json ? 'json' : s.format;
}

function ignoreRules(s: Settings<typeof DRIFT_PULL>): IgnoreRules {
  return { schemas: s.ignoreSchema, objects: s.ignoreObject, kinds: s.ignoreKind };
}

/** Library code that reads the ignore rules from a Config (the code scan) sees those of the command line too. */
function withIgnore(config: Config, ignore: IgnoreRules): Config {
  return { ...config, drift: { ...config.drift, ignore } };
}

/** Findings of the --fail-on severity or worse fail the gate (by default warnings and errors); notes never do. */
export function exitCodeFor(findings: readonly Finding[], failOn: 'error' | 'warning' = 'warning'): number {
  const failing = failOn === 'error' ? ['error'] : ['error', 'warning'];
  return findings.some((f) => failing.includes(f.severity)) ? EXIT.FINDINGS : EXIT.OK;
}

/** Ctrl-C: say what was (not) changed; the shadow's own cleanup runs beside this, then the process exits 2. */
function sayOnInterrupt(what: string): () => void {
  return onInterrupt(
    () => {},
    () => what,
  );
}

export const driftCheck: Action<typeof DRIFT_CHECK> = async (s, ctx, args) => {
  const undo = sayOnInterrupt('nothing was changed (drift check only reads the live database; its scratch shadow database is removed)');
  try {
    return await runDriftCheck(s, ctx, args);
  } finally {
    undo();
  }
};

const runDriftCheck: Action<typeof DRIFT_CHECK> = async (s, ctx) => {
  const format = formatFor(s, ctx);
  const ignore = ignoreRules(s);
  // A Supabase CLI project: its migrations are the schema files and the supabase profile applies, unless told otherwise.
  const project = detectSupabaseProject(ctx.cwd);
  const profile = s.profile ?? (project ? 'supabase' : undefined);
  const schemaDir = project && ctx.sources.schemas === 'default' ? project.schemaDir : s.schemas;
  if (project) ctx.logger.info(`Supabase project (supabase/config.toml): --profile ${profile}, schema files from ${schemaDir}`);
  const result = await checkDrift({
    live: ctx.target(),
    schemaDir,
    cwd: ctx.cwd,
    shadow: parseShadowSpec(s.shadow),
    ignore,
    ...(profile ? { profile } : {}),
    ...(s.baseline ? { baselineFile: s.baseline } : {}),
    logger: ctx.logger,
  });
  const findings =
    s.code.length > 0 ? mergeCodeFindings(result.findings, await codeFindings(s.code, result, withIgnore(ctx.config, ignore), ctx)) : [...result.findings];

  const cleanMessage = `no drift: the live database matches ${result.schemaFiles.length} schema file(s) in ${result.schemaDir}`;
  const out = reportStream(format, ctx);
  out.write(
    renderFindings(format, findings, {
      toolVersion: pkg.version,
      color: wantsColor(out, ctx.env),
      fallbackFile: result.schemaDir,
      cleanMessage,
      summary: {
        schemaDir: result.schemaDir,
        schemaFiles: result.schemaFiles.length,
        shadow: result.shadow,
        ignored: result.ignored,
        inSync: findings.length === 0,
        durationMs: result.timings.totalMs,
      },
    }),
  );
  if (format !== 'text') ctx.logger.info(findings.length === 0 ? cleanMessage : summaryLine(findings));
  if (result.ignored > 0) ctx.logger.info(`${result.ignored} difference(s) left out by ignore rules or --profile`);
  return exitCodeFor(findings, s.failOn);
};

/** `--code`: the code scan's findings (tables used by code and defined nowhere, …) against the live model. */
async function codeFindings(paths: readonly string[], result: DriftCheckResult, config: Config, ctx: CommandContext): Promise<Finding[]> {
  const r = await checkCode({
    paths,
    source: result.source,
    live: result.actual,
    config,
    cwd: ctx.cwd,
  });
  return [...r.findings];
}

export const driftPull: Action<typeof DRIFT_PULL> = async (s, ctx, args) => {
  // pull writes its one new file synchronously at the very end: before that, nothing exists to undo
  const undo = sayOnInterrupt('nothing was changed (no schema file was written; the live database is only read)');
  try {
    return await runDriftPull(s, ctx, args);
  } finally {
    undo();
  }
};

const runDriftPull: Action<typeof DRIFT_PULL> = async (s, ctx) => {
  const result = await pullDrift({
    live: ctx.target(),
    schemaDir: s.schemas,
    cwd: ctx.cwd,
    shadow: parseShadowSpec(s.shadow),
    ignore: ignoreRules(s),
    ...(s.profile ? { profile: s.profile } : {}),
    ...(s.baseline ? { baselineFile: s.baseline } : {}),
    logger: ctx.logger,
  });
  if (s.json) {
    ctx.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else if (result.file) {
    ctx.logger.info(`wrote ${result.objects.length} live-only object(s) to ${result.file}:`);
    for (const o of result.objects) ctx.logger.info(`  ${o}`);
    if (result.skipped.length > 0) ctx.logger.info(`${result.skipped.length} other difference(s) need a decision by hand (run pgsnap drift check)`);
  } else {
    ctx.logger.info('nothing to pull: the live database has no objects the schema files lack');
  }
  return EXIT.OK;
};
