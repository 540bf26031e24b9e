import type { Finding } from '../report/finding.js';

/**
 * `drift check --code` adds the code scan's findings to drift's, one finding per cause:
 * - a live table in no schema file is reported by both (drift: extra table; scan: `code.unused-live-table`): keep
 *   drift's, which `drift pull` and the ignore rules know, and say in it that no code uses the table;
 * - a table or function defined in the schema files but missing live, and used by the code, is reported by both
 *   (drift: missing; scan: `code.missing-live-*`): keep drift's, with the code's use sites as its references;
 * - everything else is the scan's alone ("used by code, defined nowhere", undefined columns) and is kept.
 */
const bare = (object: string) => object.replace(/\(.*\)$/, '');

export function mergeCodeFindings(drift: readonly Finding[], code: readonly Finding[]): Finding[] {
  const byObject = new Map(drift.map((f, i) => [bare(f.object), i] as const));
  const out = [...drift];
  for (const c of code) {
    const i = byObject.get(c.object);
    const d = i === undefined ? undefined : out[i];
    if (d && i !== undefined && c.kind === 'code.unused-live-table') {
      out[i] = { ...d, message: `${d.message}; no code uses it` };
      continue;
    }
    if (d && i !== undefined && (c.kind === 'code.missing-live-table' || c.kind === 'code.missing-live-function')) {
      const n = c.references?.length ?? 0;
      out[i] = { ...d, message: `${d.message}; the code uses it (${n} ${n === 1 ? 'place' : 'places'})`, references: [...(d.references ?? []), ...(c.references ?? [])] };
      continue;
    }
    out.push(c);
  }
  return out;
}
