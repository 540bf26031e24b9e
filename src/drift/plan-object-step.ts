import { quoteIdent } from '../sql/quote.js';
import type { DriftDifference } from './difference.js';

/**
 * What the planners of whole object kinds (plan-objects.ts, plan-publication.ts, plan-foreign.ts) hand back to
 * plan.ts: statements by stage, or the reason there is none. The stages are plan.ts's own, by name; its switch
 * returns these steps as its own, so the compiler checks that every stage named here exists there.
 */
type ObjectStage =
  | 'drop_trigger'
  | 'server'
  | 'type'
  | 'table'
  | 'column'
  | 'trigger'
  | 'publication'
  | 'grant'
  | 'comment'
  | 'drop_table'
  | 'drop_type'
  | 'drop_server'
  | 'event_trigger';

export interface ObjectStep {
  readonly stage: ObjectStage;
  readonly sql: string;
  /** order within a stage (dependency rank), then the object name */
  readonly rank?: number;
  readonly dataLoss?: string;
}

type Skip = { readonly skip: string };

export type ObjectOutcome = ObjectStep[] | Skip;

export const NOT_FOUND: Skip = { skip: 'the object was not found in the catalog model (no plan)' };

/**
 * missing → create, extra → drop, changed → change (without one, "no plan" with the reason); the definitions
 * found on each side are passed along. plan.ts uses it for its own kinds too, with its wider steps (S).
 */
export function wholeObject<W, H, S = ObjectStep>(
  d: DriftDifference,
  want: W | undefined,
  have: H | undefined,
  create: (want: W) => NoInfer<S>[] | Skip,
  drop: (have: H) => NoInfer<S>[] | Skip,
  change?: (want: W, have: H) => NoInfer<S>[] | Skip,
): S[] | Skip {
  if (d.change === 'missing') return want === undefined ? NOT_FOUND : create(want);
  if (d.change === 'extra') return have === undefined ? NOT_FOUND : drop(have);
  if (want === undefined || have === undefined) return NOT_FOUND;
  return change ? change(want, have) : { skip: `no plan for a changed ${d.kind}: it must be rebuilt by hand` };
}

/** A role as GRANT, REVOKE and USER MAPPING name it: `public` is the keyword PUBLIC. */
export function roleSql(role: string): string {
  return role === 'public' ? 'PUBLIC' : quoteIdent(role);
}
