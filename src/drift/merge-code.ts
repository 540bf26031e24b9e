import type { Finding } from '../report/finding.js';

/**
 * `drift check --code` adds the code scan's findings to drift's. A live table in no schema file is reported by
 * both (drift: extra table; scan: `code.unused-live-table`): keep drift's finding, which `drift pull` and the
 * ignore rules know, and say in it that no code uses the table. Everything else is kept as it is — "used by code,
 * defined nowhere" is the scan's alone, and "defined but missing live, and used by code" adds the code locations
 * to drift's "missing".
 */
export function mergeCodeFindings(drift: readonly Finding[], code: readonly Finding[]): Finding[] {
  const byObject = new Map(drift.map((f, i) => [f.object, i] as const));
  const out = [...drift];
  for (const c of code) {
    const i = byObject.get(c.object);
    if (c.kind === 'code.unused-live-table' && i !== undefined) {
      const d = out[i] as Finding;
      out[i] = { ...d, message: `${d.message}; no code uses it` };
      continue;
    }
    out.push(c);
  }
  return out;
}
