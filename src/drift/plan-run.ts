import { diff } from '../catalog/diff.js';
import { introspect } from '../catalog/introspect.js';
import { type ConnectionTarget, close, connect, withSession } from '../db/index.js';
import { PgsnapError } from '../errors.js';
import { type Logger, silentLogger } from '../log.js';
import { type DriftCheckOptions, checkDrift } from './check.js';
import { liveRoles } from './shadow-apply.js';
import type { DriftDifference } from './difference.js';
import { type MigrationPlan, planMigration } from './plan.js';
import { modelFingerprint, parsePlanFile, renderPlanFile, renderStatements } from './plan-file.js';
import { type PlanProof, differenceKey, provePlan, runPlanBody } from './plan-prove.js';

export interface DriftPlanOptions extends DriftCheckOptions {
  readonly allowDataLoss?: boolean;
  readonly now?: Date;
}

export interface DriftPlanResult {
  readonly plan: MigrationPlan;
  readonly proof: PlanProof;
  /** fingerprint of the live schema the plan was made against */
  readonly fingerprint: string;
  /** the differences the plan repairs (after ignore rules) */
  readonly differences: readonly DriftDifference[];
  /** the plan file's text (header and statements) */
  readonly text: string;
  readonly exclude: readonly string[];
}

/**
 * `pgsnap drift plan`: the drift check, the repair plan for what it found, and the proof of that plan in a
 * shadow copy of the live schema. Never changes the live database.
 */
export async function planDrift(options: DriftPlanOptions): Promise<DriftPlanResult> {
  const logger = options.logger ?? silentLogger;
  const check = await checkDrift(options);
  const plan = planMigration(check.desired, check.actual, check.differences, { allowDataLoss: options.allowDataLoss ?? false });
  const kept = new Set(check.differences.map(differenceKey));
  // What the ignore rules left out of the check stays out of the proof (it is not the plan's to repair).
  const ignoredKeys = new Set(diff(check.desired, check.actual).map(differenceKey).filter((k) => !kept.has(k)));
  const exclude = options.ignore?.schemas ?? [];
  const fingerprint = modelFingerprint(check.actual);
  let proof: PlanProof;
  if (check.differences.length === 0) {
    proof = { proven: true, remaining: [], copyDifferences: [], shadow: 'none needed (no drift)' };
  } else {
    const { roles, live } = await withSession(
      options.live,
      async (s) => ({ roles: await liveRoles(s), live: exclude.length > 0 ? await introspect(s) : check.actual }),
      { logger },
    );
    proof = await provePlan(check.desired, live, renderStatements(plan), {
      shadow: options.shadow,
      roles,
      exclude,
      ignored: (d) => ignoredKeys.has(differenceKey(d)),
      logger,
    });
  }
  const text = renderPlanFile(plan, { fingerprint, proven: proof.proven, exclude, created: (options.now ?? new Date()).toISOString() });
  return { plan, proof, fingerprint, differences: check.differences, text, exclude };
}

export interface ApplyPlanOptions {
  readonly live: ConnectionTarget;
  /** the plan file's text and its name (for messages) */
  readonly text: string;
  readonly file: string;
  readonly lockTimeoutMs: number;
  readonly logger?: Logger;
}

export interface ApplyPlanResult {
  readonly statements: number;
  readonly fingerprint: string;
}

/**
 * `pgsnap drift apply`: run a proven plan on the live database in one transaction, with a lock timeout so it
 * never queues behind a long transaction while blocking everyone after it. Inside that transaction, before
 * the first statement, the live schema is read again: if its fingerprint is not the plan's, nothing runs.
 */
export async function applyDriftPlan(options: ApplyPlanOptions): Promise<ApplyPlanResult> {
  const logger = options.logger ?? silentLogger;
  const { header, body } = parsePlanFile(options.text, options.file);
  if (!header.proven) {
    throw new PgsnapError('usage', `${options.file} was not proven in the shadow database; pgsnap applies only proven plans`, {
      hint: 'run pgsnap drift plan to see what is left, fix it (or pass --allow-data-loss), and plan again',
    });
  }
  const filter = header.exclude.length > 0 ? { exclude: header.exclude } : {};
  const s = await connect(options.live, { logger, applicationName: 'pgsnap drift apply', lockTimeoutMs: options.lockTimeoutMs });
  try {
    await runPlanBody(s, body, async (tx) => {
      const now = modelFingerprint(await introspect(tx, filter));
      if (now !== header.fingerprint) {
        throw new PgsnapError('usage', `the live schema changed since ${options.file} was made (${header.created}); nothing was applied`, {
          hint: 'make a new plan: pgsnap drift plan --out FILE',
        });
      }
    });
  } finally {
    await close(s);
  }
  return { statements: (body.match(/^-- fixes: /gm) ?? []).length, fingerprint: header.fingerprint };
}
