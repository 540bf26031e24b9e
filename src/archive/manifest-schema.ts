import type { TableDef } from '../catalog/model.js';
import { storedColumns } from '../catalog/tables.js';
import { quoteIdent } from '../sql/quote.js';
import type { ArchivedTable } from './format.js';
import { pairKey, tableLabel } from './table-id.js';

/**
 * Where the manifest's columns of a table disagree with schema.json's description of it. Backup writes both
 * from the same catalog read (the stored columns — generated ones left out — in order, with their types), so
 * any difference is an edit. The data checksums cannot show one that was made consistently: a column dropped
 * from the manifest and from every row, with the entries' checksums and the fingerprint computed anew, reads
 * back clean, and restore would fill that column with its default without a word. schema.json is covered by
 * the manifest's schemaSha256 but describes the tables independently, so comparing the two catches it.
 * A table schema.json does not describe is reported by verify itself (restore needs it only for
 * --create-missing).
 */
export function columnDisagreements(tables: readonly ArchivedTable[], described: readonly TableDef[]): string[] {
  const byPair = new Map(described.map((t) => [pairKey(t), t]));
  const problems: string[] = [];
  for (const t of tables) {
    const def = byPair.get(pairKey(t));
    if (!def) continue;
    if (!Array.isArray(def.columns)) {
      problems.push(`schema.json describes ${tableLabel(t)} without its columns`);
      continue;
    }
    const manifest = t.columns.map(shown);
    const schema = storedColumns(def).map(shown);
    if (manifest.join('\n') === schema.join('\n')) continue;
    const missing = schema.filter((c) => !manifest.includes(c));
    const extra = manifest.filter((c) => !schema.includes(c));
    const what = [
      missing.length > 0 ? `schema.json has ${missing.join(', ')}, the manifest does not` : '',
      extra.length > 0 ? `the manifest has ${extra.join(', ')}, schema.json does not` : '',
    ].filter((x) => x !== '');
    problems.push(
      `the columns of ${tableLabel(t)} differ between manifest.json and schema.json: ${what.length > 0 ? what.join('; ') : 'not in the same order'}`,
    );
  }
  return problems;
}

/** `"name" type`: the name quoted as SQL does, so a name holding spaces or commas reads unambiguously */
const shown = (c: { name: string; type: string }) => `${quoteIdent(c.name)} ${c.type}`;
