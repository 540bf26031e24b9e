import fs from 'node:fs';
import path from 'node:path';
import { parseShadowSpec } from '../../drift/shadow.js';
import { type DriftPlanResult, applyDriftPlan, planDrift } from '../../drift/plan-run.js';
import { EXIT, PgsnapError } from '../../errors.js';
import { printJson } from '../../log.js';
import type { Action, CommandContext } from '../context.js';
import type { DRIFT_APPLY, DRIFT_PLAN } from '../options.js';

const one = (d: { change: string; kind: string; object: string }) => `${d.change} ${d.kind} ${d.object}`;

/** The human summary, on stderr: what the plan repairs, what it leaves, and whether the shadow proved it. */
function summarize(r: DriftPlanResult, ctx: CommandContext): void {
  const log = ctx.logger;
  if (r.differences.length === 0) {
    log.info('no drift: nothing to plan');
    return;
  }
  log.info(`plan: ${r.plan.statements.length} statement(s) for ${r.differences.length} finding(s)`);
  for (const s of r.plan.skipped) log.info(`  not repaired: ${one(s.fixes)}: ${s.reason}`);
  if (r.proof.proven) {
    log.info(`proven: applied to a copy of the live schema in the shadow (${r.proof.shadow}), the drift check there finds nothing`);
    return;
  }
  log.info(`NOT proven in the shadow (${r.proof.shadow}):`);
  if (r.proof.copyDifferences.length > 0)
    log.info(
      `  the shadow copy of the live schema differs from it in ${r.proof.copyDifferences.length} place(s): ${r.proof.copyDifferences.map(one).join(', ')}`,
    );
  if (r.proof.error) log.info(`  the plan failed there: ${r.proof.error}`);
  for (const d of r.proof.remaining) log.info(`  still drifting after the plan: ${one(d)}`);
}

function jsonOf(r: DriftPlanResult, file: string | undefined, applied: number | undefined) {
  const fixes = (d: { change: string; kind: string; object: string }) => ({ kind: d.kind, change: d.change, object: d.object });
  return {
    proven: r.proof.proven,
    fingerprint: r.fingerprint,
    statements: r.plan.statements.map((s) => ({ sql: s.sql, fixes: fixes(s.fixes), ...(s.dataLoss ? { dataLoss: s.dataLoss } : {}) })),
    skipped: r.plan.skipped.map((s) => ({
      fixes: fixes(s.fixes),
      reason: s.reason,
      ...(s.sql ? { sql: s.sql } : {}),
      ...(s.dataLoss ? { dataLoss: s.dataLoss } : {}),
    })),
    proof: { ...r.proof, remaining: r.proof.remaining.map(fixes), copyDifferences: r.proof.copyDifferences.map(fixes) },
    ...(file ? { file } : {}),
    ...(applied === undefined ? {} : { applied }),
    sql: r.text,
  };
}

export const driftPlan: Action<typeof DRIFT_PLAN> = async (s, ctx) => {
  const r = await planDrift({
    live: ctx.target(),
    schemaDir: s.schemas,
    cwd: ctx.cwd,
    shadow: parseShadowSpec(s.shadow),
    ignore: { schemas: s.ignoreSchema, objects: s.ignoreObject, kinds: s.ignoreKind },
    ...(s.profile ? { profile: s.profile } : {}),
    ...(s.baseline ? { baselineFile: s.baseline } : {}),
    allowDataLoss: s.allowDataLoss,
    logger: ctx.logger,
  });
  let file: string | undefined;
  if (s.out) {
    file = path.resolve(ctx.cwd, s.out);
    try {
      fs.writeFileSync(file, r.text);
    } catch (e) {
      throw new PgsnapError('io', `could not write ${file}: ${(e as Error).message}`, { cause: e });
    }
  } else if (!s.json) {
    ctx.stdout.write(r.text);
  }
  summarize(r, ctx);
  if (file) ctx.logger.info(`wrote ${path.relative(ctx.cwd, file) || file}${r.proof.proven ? '; run it with pgsnap drift apply' : ''}`);
  let applied: number | undefined;
  if (s.apply && r.proof.proven && r.plan.statements.length > 0) {
    applied = (await applyDriftPlan({ live: ctx.target(), text: r.text, file: s.out ?? 'the plan', lockTimeoutMs: s.lockTimeout * 1000, logger: ctx.logger }))
      .statements;
    ctx.logger.info(`applied ${applied} statement(s) to the live database in one transaction`);
  } else if (s.apply && !r.proof.proven) {
    ctx.logger.info('not applied: only a proven plan is applied');
  }
  if (s.json) printJson(jsonOf(r, file, applied), ctx.stdout);
  return r.proof.proven ? EXIT.OK : EXIT.FINDINGS;
};

export const driftApply: Action<typeof DRIFT_APPLY> = async (s, ctx, args) => {
  const file = path.resolve(ctx.cwd, args[0] as string);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new PgsnapError('io', `could not read the plan ${file}: ${(e as Error).message}`, { cause: e });
  }
  const shown = path.relative(ctx.cwd, file) || file;
  const r = await applyDriftPlan({ live: ctx.target(), text, file: shown, lockTimeoutMs: s.lockTimeout * 1000, logger: ctx.logger });
  if (s.json) printJson({ file: shown, applied: r.statements, fingerprint: r.fingerprint }, ctx.stdout);
  ctx.logger.info(`applied ${r.statements} statement(s) from ${shown} to the live database in one transaction`);
  return EXIT.OK;
};
