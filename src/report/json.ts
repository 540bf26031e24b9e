import { type Finding, type FindingSummary, sortFindings, summarize } from './finding.js';

export interface JsonReport {
  readonly findings: readonly Finding[];
  readonly summary: FindingSummary & Readonly<Record<string, unknown>>;
}

/**
 * `{ "findings": [ { kind, object, severity, message, references?, location?, diff? } ], "summary": {...} }`:
 * the document `--format json` prints. `extra` adds command-specific summary fields (e.g. the schema directory).
 */
export function jsonReport(findings: readonly Finding[], extra: Readonly<Record<string, unknown>> = {}): JsonReport {
  const sorted = sortFindings(findings).map((f) => {
    const out: Record<string, unknown> = { kind: f.kind, object: f.object, severity: f.severity, message: f.message };
    if (f.references && f.references.length > 0) out.references = f.references;
    if (f.location) out.location = f.location;
    if (f.table) out.table = f.table;
    if (f.diff) out.diff = f.diff;
    return out as unknown as Finding;
  });
  return { findings: sorted, summary: { ...summarize(findings), ...extra } };
}

export function renderJson(findings: readonly Finding[], extra: Readonly<Record<string, unknown>> = {}): string {
  return `${JSON.stringify(jsonReport(findings, extra), null, 2)}\n`;
}
