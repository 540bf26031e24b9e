import { formatCount, plural } from '../report/numbers.js';
import { type RowDiffResult, diffRows } from './row-diff.js';
import type { Side, SideTable } from './sides.js';
import type { ArchivedRow } from './values.js';

/** One table of `pgsnap diff`: present on which sides, how its columns differ, and its rows. */
interface TableDiff {
  readonly table: string;
  readonly status: 'same' | 'different' | 'only in A' | 'only in B' | 'trouble';
  /** what rows were matched by: key columns, or null for whole rows */
  readonly key: readonly string[] | null;
  readonly columns: { readonly onlyInA: readonly string[]; readonly onlyInB: readonly string[]; readonly typeChanged: readonly { column: string; a: string; b: string }[] };
  readonly rows: Omit<RowDiffResult, 'problem'> | null;
  readonly problem?: string;
}

export interface DiffReport {
  readonly a: string;
  readonly b: string;
  readonly tables: readonly TableDiff[];
  readonly different: number;
  readonly trouble: number;
}

const NO_COLUMNS = { onlyInA: [], onlyInB: [], typeChanged: [] } as const;

/**
 * Compare every table of side A with the table of the same name on side B (and, when B is an archive, list B's
 * extra tables). Tables are compared one after another, so memory is that of the largest table's keys.
 */
export async function diffSides(a: Side, b: Side, options: { limit: number }): Promise<DiffReport> {
  const tables: TableDiff[] = [];
  const namesA = a.tables() ?? [];
  const seen = new Set<string>();
  for (const { schema, name } of namesA) {
    const full = `${schema}.${name}`;
    seen.add(full);
    const ta = (await a.table(schema, name)) as SideTable;
    const tb = await b.table(schema, name);
    if (!tb) {
      let rows = 0;
      const samples: ArchivedRow[] = [];
      for await (const row of ta.rows()) if (rows++ < options.limit) samples.push(row);
      tables.push({ table: full, status: 'only in A', key: ta.key, columns: NO_COLUMNS, rows: { ...emptyRows(), rowsA: rows, onlyInA: rows, samples: { onlyInA: samples, onlyInB: [], differ: [] } } });
      continue;
    }
    tables.push(await diffTable(full, ta, tb, options.limit));
  }
  for (const { schema, name } of b.tables() ?? []) {
    const full = `${schema}.${name}`;
    if (seen.has(full)) continue;
    const tb = (await b.table(schema, name)) as SideTable;
    let rows = 0;
    const samples: ArchivedRow[] = [];
    for await (const row of tb.rows()) if (rows++ < options.limit) samples.push(row);
    tables.push({ table: full, status: 'only in B', key: tb.key, columns: NO_COLUMNS, rows: { ...emptyRows(), rowsB: rows, onlyInB: rows, samples: { onlyInA: [], onlyInB: samples, differ: [] } } });
  }
  return {
    a: a.label,
    b: b.label,
    tables,
    different: tables.filter((t) => t.status !== 'same' && t.status !== 'trouble').length,
    trouble: tables.filter((t) => t.status === 'trouble').length,
  };
}

async function diffTable(full: string, ta: SideTable, tb: SideTable, limit: number): Promise<TableDiff> {
  const typeB = new Map(tb.columns.map((c) => [c.name, c.type]));
  const namesA = new Set(ta.columns.map((c) => c.name));
  const columns = {
    onlyInA: ta.columns.filter((c) => !typeB.has(c.name)).map((c) => c.name),
    onlyInB: tb.columns.filter((c) => !namesA.has(c.name)).map((c) => c.name),
    typeChanged: ta.columns.filter((c) => typeB.has(c.name) && typeB.get(c.name) !== c.type).map((c) => ({ column: c.name, a: c.type, b: typeB.get(c.name) as string })),
  };
  const common = ta.columns.filter((c) => typeB.has(c.name)).map((c) => c.name);
  const usable = (key: readonly string[] | null) => key !== null && key.length > 0 && key.every((k) => common.includes(k));
  const key = usable(ta.key) ? ta.key : usable(tb.key) ? tb.key : null;
  const result = await diffRows(() => ta.rows(), () => tb.rows(), { columns: common, key: key ?? [], limit });
  const { problem, ...rows } = result;
  const changed = columns.onlyInA.length + columns.onlyInB.length + columns.typeChanged.length + rows.onlyInA + rows.onlyInB + rows.differ > 0;
  return { table: full, status: problem ? 'trouble' : changed ? 'different' : 'same', key, columns, rows, ...(problem ? { problem } : {}) };
}

function emptyRows(): Omit<RowDiffResult, 'problem'> {
  return { rowsA: 0, rowsB: 0, onlyInA: 0, onlyInB: 0, differ: 0, samples: { onlyInA: [], onlyInB: [], differ: [] } };
}

/** Human text: one paragraph per table that differs, then one line for the rest. */
export function renderDiff(r: DiffReport): string {
  const lines = [`A: ${r.a}`, `B: ${r.b}`];
  const same = r.tables.filter((t) => t.status === 'same');
  for (const t of r.tables) {
    if (t.status === 'same') continue;
    lines.push('');
    const rows = t.rows;
    if (t.status === 'trouble') lines.push(`${t.table}: cannot compare: ${t.problem}`);
    else if (t.status === 'only in A') lines.push(`${t.table}: only in A (${plural(rows?.rowsA ?? 0, 'row')})`);
    else if (t.status === 'only in B') lines.push(`${t.table}: only in B (${plural(rows?.rowsB ?? 0, 'row')})`);
    else {
      const by = t.key ? `by ${t.key.join(', ')}` : 'whole rows (no key)';
      const parts = [`${formatCount(rows?.onlyInA ?? 0)} only in A`, `${formatCount(rows?.onlyInB ?? 0)} only in B`];
      if (t.key) parts.push(`${formatCount(rows?.differ ?? 0)} differ`);
      lines.push(`${t.table}: ${plural(rows?.rowsA ?? 0, 'row')} in A, ${formatCount(rows?.rowsB ?? 0)} in B; ${parts.join(', ')} (${by})`);
    }
    if (t.columns.onlyInA.length > 0) lines.push(`  columns only in A: ${t.columns.onlyInA.join(', ')}`);
    if (t.columns.onlyInB.length > 0) lines.push(`  columns only in B: ${t.columns.onlyInB.join(', ')}`);
    for (const c of t.columns.typeChanged) lines.push(`  column ${c.column}: ${c.a} in A, ${c.b} in B`);
    if (rows) {
      for (const row of rows.samples.onlyInA) lines.push(`  - ${JSON.stringify(row)}`);
      for (const row of rows.samples.onlyInB) lines.push(`  + ${JSON.stringify(row)}`);
      for (const d of rows.samples.differ) {
        lines.push(`  ~ ${JSON.stringify(d.key)}: ${d.columns.map((c) => `${c} ${JSON.stringify(d.a[c])} → ${JSON.stringify(d.b[c])}`).join(', ')}`);
      }
      const shown = rows.samples.onlyInA.length + rows.samples.onlyInB.length + rows.samples.differ.length;
      const total = rows.onlyInA + rows.onlyInB + rows.differ;
      if (total > shown) lines.push(`  … and ${formatCount(total - shown)} more (--limit N shows more, --json gives them as data)`);
    }
  }
  lines.push('');
  const differing = r.different + r.trouble;
  lines.push(differing === 0 ? `no differences in ${plural(r.tables.length, 'table')}` : `${formatCount(differing)} of ${plural(r.tables.length, 'table')} differ${same.length > 0 ? `; ${formatCount(same.length)} identical` : ''}`);
  return lines.join('\n');
}
