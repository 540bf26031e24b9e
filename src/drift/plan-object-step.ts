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

export type ObjectOutcome = ObjectStep[] | { readonly skip: string };

export const NOT_FOUND: ObjectOutcome = { skip: 'the object was not found in the catalog model (no plan)' };

/** missing → create, extra → drop, changed → change; the definitions found on each side are passed along. */
export function wholeObject<T>(
  d: DriftDifference,
  want: T | undefined,
  have: T | undefined,
  create: (want: T) => ObjectOutcome,
  drop: (have: T) => ObjectOutcome,
  change: (want: T, have: T) => ObjectOutcome,
): ObjectOutcome {
  if (d.change === 'missing') return want === undefined ? NOT_FOUND : create(want);
  if (d.change === 'extra') return have === undefined ? NOT_FOUND : drop(have);
  return want === undefined || have === undefined ? NOT_FOUND : change(want, have);
}

/** A role as GRANT, REVOKE and USER MAPPING name it: `public` is the keyword PUBLIC. */
export function roleSql(role: string): string {
  return role === 'public' ? 'PUBLIC' : quoteIdent(role);
}
