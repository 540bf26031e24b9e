import type { ArchivedTable, Manifest } from '../archive/format.js';
import { usageError } from '../errors.js';

/** The one archived table `ref` names: `schema.table`, or `table` when only one schema has it. */
export function findTable(manifest: Manifest, ref: string): ArchivedTable {
  const exact = manifest.tables.filter((t) => `${t.schema}.${t.name}` === ref);
  const byName = exact.length > 0 ? exact : manifest.tables.filter((t) => t.name === ref);
  if (byName.length === 1) return byName[0] as ArchivedTable;
  if (byName.length > 1) {
    throw usageError(`${ref} is ambiguous in this archive`, `name one of ${byName.map((t) => `${t.schema}.${t.name}`).join(', ')}`);
  }
  const names = manifest.tables.map((t) => `${t.schema}.${t.name}`);
  throw usageError(`the archive holds no table ${ref}`, names.length > 0 ? `it holds ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', …' : ''} (pgsnap show lists them)` : 'it holds no tables');
}
