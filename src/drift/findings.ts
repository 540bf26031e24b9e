import { createTwoFilesPatch } from 'diff';
import type { Finding, Severity, SourceLocation } from '../report/finding.js';
import { type SchemaDefinitions, locate } from '../schema-files/definitions.js';
import { type DriftDifference, tableOf } from './difference.js';

/**
 * Differences → Findings. Direction: "missing" is in the schema files but not live (never applied, or dropped
 * by hand), "extra" is live but in no schema file (created by hand), "changed" is in both with different
 * definitions. Missing and changed are errors: the files are the source of truth; extra is a warning. Every
 * finding fails the check (exit 1); the severity orders the report and the CI annotations.
 */
const SEVERITY: Record<DriftDifference['change'], Severity> = { missing: 'error', changed: 'error', extra: 'warning' };

const DIFF_OLD_LABEL = 'schema files';
const DIFF_NEW_LABEL = 'live database';

function withNewline(s: string): string {
  return s.endsWith('\n') ? s : `${s}\n`;
}

/** A unified diff of two definitions, without jsdiff's "=====" banner. */
export function unifiedDiff(desired: string, actual: string): string {
  const patch = createTwoFilesPatch(DIFF_OLD_LABEL, DIFF_NEW_LABEL, withNewline(desired), withNewline(actual), undefined, undefined, {
    context: 3,
  });
  return patch.replace(/^=+\n/, '');
}

/** What happened to the object; every renderer shows the kind and object beside it, so the message does not repeat them. */
function message(d: DriftDifference): string {
  switch (d.change) {
    case 'missing':
      return 'defined in the schema files but missing from the live database';
    case 'extra':
      return 'exists in the live database but in no schema file (pgsnap drift pull writes it into one)';
    default:
      return 'differs between the schema files and the live database';
  }
}

export interface FindingContext {
  readonly definitions: SchemaDefinitions;
  readonly tables: ReadonlyMap<string, string>;
}

export function differenceToFinding(d: DriftDifference, ctx: FindingContext): Finding {
  const table = tableOf(ctx.tables, d.object);
  // A live-only object has no definition of its own; a live-only column still has its table's.
  let location: SourceLocation | undefined;
  if (d.change !== 'extra') location = locate(ctx.definitions, d.object, d.kind);
  else if (table && table !== d.object) location = locate(ctx.definitions, table);
  const diff = d.change === 'changed' && d.desired !== undefined && d.actual !== undefined ? unifiedDiff(d.desired, d.actual) : undefined;
  return {
    kind: d.kind,
    object: d.object,
    severity: SEVERITY[d.change],
    message: message(d),
    ...(location ? { location } : {}),
    ...(diff ? { diff } : {}),
    ...(table ? { table } : {}),
  };
}

export function differencesToFindings(differences: readonly DriftDifference[], ctx: FindingContext): Finding[] {
  return differences.map((d) => differenceToFinding(d, ctx));
}
