import { type Command, Option } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { type DriftCheckResult, checkDrift } from '../drift/check.js';
import { mergeCodeFindings } from '../drift/merge-code.js';
import { pullDrift } from '../drift/pull.js';
import { parseShadowSpec } from '../drift/shadow.js';
import { EXIT } from '../errors.js';
import { checkCode } from '../scan/check.js';
import type { Finding } from '../report/finding.js';
import { type ReportFormat, renderFindings } from '../report/index.js';
import { summaryLine } from '../report/text.js';
import { type Action, type CommandContext, reportStream } from './context.js';
import { collect } from './options.js';

export interface DriftCheckFlags {
  schemas?: string;
  code?: string[];
  shadow?: string;
  format?: 'text' | 'json' | 'github' | 'sarif';
  profile?: string;
}

export interface DriftPullFlags {
  schemas?: string;
}

/** --format wins, then --json, then the config file, then text. */
function formatFor(flags: DriftCheckFlags, ctx: CommandContext): ReportFormat {
  if (flags.format) return flags.format;
  if (ctx.json) return 'json';
  return (ctx.config.drift?.format as ReportFormat | undefined) ?? 'text';
}

/** Drift of any severity fails the gate; notes alone do not. */
export function exitCodeFor(findings: readonly Finding[]): number {
  return findings.some((f) => f.severity !== 'note') ? EXIT.FINDINGS : EXIT.OK;
}

export const driftCheck: Action<DriftCheckFlags> = async (flags, ctx) => {
  const format = formatFor(flags, ctx);
  const profile = flags.profile ?? ctx.config.drift?.profile;
  const result = await checkDrift({
    live: ctx.target(),
    schemaDir: flags.schemas ?? ctx.config.schemas ?? 'schemas',
    cwd: ctx.cwd,
    shadow: parseShadowSpec(flags.shadow ?? ctx.config.drift?.shadow),
    ignore: ctx.config.drift?.ignore ?? {},
    ...(profile ? { profile } : {}),
    logger: ctx.logger,
  });
  const code = flags.code ?? ctx.config.code;
  const findings = code && code.length > 0 ? mergeCodeFindings(result.findings, await codeFindings(code, result, ctx)) : [...result.findings];

  const cleanMessage = `no drift: the live database matches ${result.schemaFiles.length} schema file(s) in ${result.schemaDir}`;
  const out = reportStream(format, ctx);
  out.write(
    renderFindings(format, findings, {
      toolVersion: pkg.version,
      color: Boolean(out.isTTY),
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
  return exitCodeFor(findings);
};

/** `--code`: the code scan's findings (tables used by code and defined nowhere, …) against the live model. */
async function codeFindings(paths: readonly string[], result: DriftCheckResult, ctx: CommandContext): Promise<Finding[]> {
  const r = await checkCode({
    paths,
    schemaDir: result.schemaDir,
    live: result.actual,
    config: ctx.config,
    cwd: ctx.cwd,
    ...(result.definitions ? { definitions: result.definitions } : {}),
  });
  return [...r.findings];
}

export const driftPull: Action<DriftPullFlags> = async (flags, ctx) => {
  const result = await pullDrift({
    live: ctx.target(),
    schemaDir: flags.schemas ?? ctx.config.schemas ?? 'schemas',
    cwd: ctx.cwd,
    shadow: parseShadowSpec(ctx.config.drift?.shadow),
    ignore: ctx.config.drift?.ignore ?? {},
    ...(ctx.config.drift?.profile ? { profile: ctx.config.drift.profile } : {}),
    logger: ctx.logger,
  });
  if (ctx.json) {
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

export function register(program: Command, wrap: <O>(a: Action<O>) => (...args: unknown[]) => Promise<void>): void {
  const drift = program.command('drift').description('compare the live schema with the committed schema files');
  drift
    .command('check')
    .description('exit 1 when the live database, the schema files and the code disagree')
    .option('--schemas <dir>', 'directory of schema files applied in name order (default: schemas)')
    .option('--code <path>', 'also scan application code for the tables it uses (repeatable)', collect)
    .option('--shadow <where>', 'where to load the schema files: embedded (default), docker, or a server URL')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'github', 'sarif']))
    .option('--profile <name>', 'ignore what a platform manages (supabase)')
    .addHelpText(
      'after',
      `
Exit codes: 0 in sync, 1 drift found, 2 trouble (bad schema file, unreachable database…).

Examples:
  pgsnap drift check
  pgsnap drift check --code src --format github      # in a GitHub Actions job
  pgsnap drift check --profile supabase               # ignore what Supabase manages in auth, storage, …
  pgsnap drift check --shadow postgres://ci@localhost/postgres --format sarif > drift.sarif`,
    )
    .action(wrap(driftCheck));
  drift
    .command('pull')
    .description('write definitions of live-only objects into a new schema file')
    .option('--schemas <dir>', 'directory of schema files (default: schemas)')
    .addHelpText('after', '\nExamples:\n  pgsnap drift pull && git diff schemas/')
    .action(wrap(driftPull));
}
