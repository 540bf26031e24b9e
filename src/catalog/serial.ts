import type { CatalogModel, SequenceDef } from './model.js';
import { qualifiedName } from './model.js';

/**
 * A serial column's sequence (OWNED BY the column) is part of that column, as an identity column's is: drift
 * reports it with the column, never as a finding of its own. Missing or extra serial sequences come with their
 * column's default (`nextval(…)`), which the column comparison already reports; what is left to compare here is
 * a sequence both sides have whose options (or owner) differ, reported on the owning column.
 */
export interface SerialDifference {
  readonly column: string;
  readonly desired: SequenceDef;
  readonly actual: SequenceDef;
}

/** Names of the sequences that belong to a column on either side; these are left out of the sequence comparison. */
export function serialSequenceNames(desired: CatalogModel, actual: CatalogModel): Set<string> {
  const owned = (m: CatalogModel) => m.sequences.filter((s) => !s.identity && s.ownedBy !== null).map(qualifiedName);
  return new Set([...owned(desired), ...owned(actual)]);
}

export function serialDifferences(desired: CatalogModel, actual: CatalogModel, names: ReadonlySet<string>): SerialDifference[] {
  const live = new Map(actual.sequences.map((s) => [qualifiedName(s), s]));
  const out: SerialDifference[] = [];
  for (const d of desired.sequences) {
    const name = qualifiedName(d);
    const a = live.get(name);
    if (!names.has(name) || !a || d.identity || a.identity) continue;
    if (JSON.stringify(d) !== JSON.stringify(a)) out.push({ column: (d.ownedBy ?? a.ownedBy) as string, desired: d, actual: a });
  }
  return out;
}
