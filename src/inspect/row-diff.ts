import { createHash } from 'node:crypto';
import { type ArchivedRow, valueText } from './values.js';

/**
 * The core of `pgsnap diff`: two sides' rows of one table, matched by key (primary key, else a unique key), or,
 * for a table with neither, compared as multisets of whole rows (a row twice on one side and once on the other
 * is one row only on that side). Values are compared as PostgreSQL's text output, so a column whose type
 * changed from integer to bigint still matches when the numbers do.
 *
 * Memory: for a keyed table, one key and a 20-byte digest per row of side A; for a keyless table, side A's rows.
 * Side A is read twice (the second pass fetches the sample rows), side B once.
 */
interface RowDifference {
  readonly key: ArchivedRow;
  /** the compared columns whose values differ */
  readonly columns: readonly string[];
  readonly a: ArchivedRow;
  readonly b: ArchivedRow;
}

export interface RowDiffResult {
  readonly rowsA: number;
  readonly rowsB: number;
  readonly onlyInA: number;
  readonly onlyInB: number;
  readonly differ: number;
  /** up to `limit` rows of each kind, in side order */
  readonly samples: { readonly onlyInA: readonly ArchivedRow[]; readonly onlyInB: readonly ArchivedRow[]; readonly differ: readonly RowDifference[] };
  /** a key that is not unique on one side (then the counts are not meaningful) */
  readonly problem?: string;
}

export interface RowDiffOptions {
  /** the columns compared (those both sides have) */
  readonly columns: readonly string[];
  /** key columns, a subset of `columns`; empty compares whole rows */
  readonly key: readonly string[];
  /** how many sample rows of each kind to keep */
  readonly limit: number;
}

type Rows = () => AsyncIterable<ArchivedRow>;

export async function diffRows(a: Rows, b: Rows, options: RowDiffOptions): Promise<RowDiffResult> {
  return options.key.length > 0 ? keyed(a, b, options) : multiset(a, b, options);
}

const texts = (row: ArchivedRow, columns: readonly string[]) => JSON.stringify(columns.map((c) => valueText(row[c] ?? null)));
const pick = (row: ArchivedRow, columns: readonly string[]): ArchivedRow => Object.fromEntries(columns.map((c) => [c, row[c] ?? null]));

async function keyed(a: Rows, b: Rows, o: RowDiffOptions): Promise<RowDiffResult> {
  const rest = o.columns.filter((c) => !o.key.includes(c));
  const digest = (row: ArchivedRow) => createHash('sha1').update(texts(row, rest)).digest('base64');
  const inA = new Map<string, string>();
  let rowsA = 0;
  let problem: string | undefined;
  for await (const row of a()) {
    rowsA++;
    const k = texts(row, o.key);
    if (inA.has(k)) problem ??= `key (${o.key.join(', ')}) ${k} appears twice in A`;
    inA.set(k, digest(row));
  }
  let rowsB = 0;
  let onlyInB = 0;
  let differ = 0;
  const onlyBSamples: ArchivedRow[] = [];
  const differB = new Map<string, ArchivedRow>();
  const seenB = new Set<string>();
  for await (const row of b()) {
    rowsB++;
    const k = texts(row, o.key);
    const d = inA.get(k);
    if (d === undefined) {
      if (seenB.has(k)) problem ??= `key (${o.key.join(', ')}) ${k} appears twice in B`;
      seenB.add(k);
      onlyInB++;
      if (onlyBSamples.length < o.limit) onlyBSamples.push(pick(row, o.columns));
      continue;
    }
    inA.delete(k);
    seenB.add(k);
    if (d !== digest(row)) {
      differ++;
      if (differB.size < o.limit) differB.set(k, pick(row, o.columns));
    }
  }
  // what is left of A was not in B; a second pass over A fetches the sample rows
  const onlyInA = inA.size;
  const wantedA = new Set([...inA.keys()].slice(0, o.limit));
  const onlyASamples: ArchivedRow[] = [];
  const differSamples: RowDifference[] = [];
  if (wantedA.size > 0 || differB.size > 0) {
    for await (const row of a()) {
      const k = texts(row, o.key);
      if (wantedA.has(k)) onlyASamples.push(pick(row, o.columns));
      const other = differB.get(k);
      if (other) {
        const mine = pick(row, o.columns);
        const columns = rest.filter((c) => valueText(mine[c] ?? null) !== valueText(other[c] ?? null));
        differSamples.push({ key: pick(row, o.key), columns, a: mine, b: other });
      }
    }
  }
  return {
    rowsA,
    rowsB,
    onlyInA,
    onlyInB,
    differ,
    samples: { onlyInA: onlyASamples, onlyInB: onlyBSamples, differ: differSamples },
    ...(problem ? { problem } : {}),
  };
}

async function multiset(a: Rows, b: Rows, o: RowDiffOptions): Promise<RowDiffResult> {
  const counts = new Map<string, number>();
  let rowsA = 0;
  for await (const row of a()) {
    rowsA++;
    const k = texts(row, o.columns);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  let rowsB = 0;
  for await (const row of b()) {
    rowsB++;
    const k = texts(row, o.columns);
    const n = (counts.get(k) ?? 0) - 1;
    if (n === 0) counts.delete(k);
    else counts.set(k, n);
  }
  let onlyInA = 0;
  let onlyInB = 0;
  const samplesA: ArchivedRow[] = [];
  const samplesB: ArchivedRow[] = [];
  for (const [k, n] of counts) {
    const values = JSON.parse(k) as (string | null)[];
    const row = Object.fromEntries(o.columns.map((c, i) => [c, values[i] ?? null]));
    const side = n > 0 ? samplesA : samplesB;
    for (let i = 0; i < Math.abs(n) && side.length < o.limit; i++) side.push(row);
    if (n > 0) onlyInA += n;
    else onlyInB -= n;
  }
  return { rowsA, rowsB, onlyInA, onlyInB, differ: 0, samples: { onlyInA: samplesA, onlyInB: samplesB, differ: [] } };
}
