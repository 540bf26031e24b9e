import fs from 'node:fs';
import path from 'node:path';
import { PgsnapError } from '../errors.js';
import { type DriftCheckOptions, checkDrift } from './check.js';
import { nextPullFileName, planPull } from './pull-plan.js';

export interface PullResult {
  /** the file written (relative to cwd), or null when there was nothing to pull */
  readonly file: string | null;
  /** the live-only objects written to it */
  readonly objects: readonly string[];
  /** differences left for a human: changed definitions and objects missing live */
  readonly skipped: readonly { readonly kind: string; readonly change: string; readonly object: string }[];
}

/**
 * `pgsnap drift pull`: run the drift check, and write the definitions of the live-only objects into a NEW schema
 * file, so the next check no longer reports them. Existing files are never edited; changed definitions are left
 * to a human (which side is right is a decision, not a copy).
 */
export async function pullDrift(options: DriftCheckOptions, now: Date = new Date()): Promise<PullResult> {
  const result = await checkDrift(options);
  const plan = planPull(result.differences, result.actual);
  const skipped = plan.skipped.map((d) => ({ kind: d.kind, change: d.change, object: d.object }));
  if (plan.statements.length === 0) return { file: null, objects: [], skipped };
  const dir = path.resolve(options.cwd, options.schemaDir);
  const name = nextPullFileName(fs.readdirSync(dir), now);
  const file = path.join(dir, name);
  const header = [
    `-- Pulled from the live database by pgsnap drift pull on ${now.toISOString()}.`,
    '-- These objects existed live but in no schema file. Review, rename or merge into your own files.',
  ];
  try {
    fs.writeFileSync(file, `${header.join('\n')}\n\n${plan.statements.join('\n\n')}\n`, { flag: 'wx' });
  } catch (e) {
    throw new PgsnapError('io', `could not write ${file}: ${(e as Error).message}`, { cause: e });
  }
  const shown = path.relative(options.cwd, file).split(path.sep).join('/');
  return { file: shown, objects: plan.objects, skipped };
}
