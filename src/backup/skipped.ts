import { type TableId, pairKey, tableLabel } from '../archive/table-id.js';
import { isSystemSchema } from '../catalog/filter.js';
import { matchesPattern } from '../patterns.js';
import type { BackupSelection } from './select-tables.js';

/**
 * What a backup left out, and why, so that a summary never reads as "everything" when it is not: platform
 * schemas skipped by default, a `--schema` that does not exist or holds nothing captured, a `--table` that matched
 * nothing, tables an `--exclude` removed. `unmatched` marks the selectors that matched nothing: a backup where
 * every --schema/--table selector matched nothing is refused; one where others matched warns (stderr, always
 * printed, also under --quiet) and lists them here.
 */
export type Skipped =
  | { readonly schema: string; readonly reason: string; readonly unmatched?: true }
  | { readonly table: string; readonly reason: string; readonly unmatched?: true };

export function describeSkipped(
  all: readonly (TableId & { readonly kind?: string })[],
  schemaNames: readonly string[],
  sel: BackupSelection,
  platform: ReadonlySet<string>,
  captured: readonly TableId[],
): Skipped[] {
  const out: Skipped[] = [];
  const user = all.filter((t) => !isSystemSchema(t.schema));
  const explicit = sel.schemas.length > 0 || sel.tables.length > 0;
  if (!explicit) {
    for (const s of [...platform].sort()) {
      const n = user.filter((t) => t.schema === s).length;
      if (n > 0) out.push({ schema: s, reason: `platform-managed schema, ${n} table${n === 1 ? '' : 's'} not captured by default (name it with --schema ${s})` });
    }
  }
  const capturedSchemas = new Set(captured.map((t) => t.schema));
  for (const s of sel.schemas) {
    if (!schemaNames.includes(s)) out.push({ schema: s, reason: 'no such schema', unmatched: true });
    else if (!capturedSchemas.has(s)) out.push({ schema: s, reason: 'no table captured from this schema (it has none, or all are excluded)', unmatched: true });
  }
  for (const p of sel.tables) {
    if (!user.some((t) => matchesPattern(p, t.schema, t.name))) out.push({ table: p.source, reason: 'the pattern matched no table', unmatched: true });
  }
  const kept = new Set(captured.map(pairKey));
  for (const t of user) {
    if (t.kind === 'partition' || kept.has(pairKey(t))) continue;
    const by = sel.exclude.find((p) => matchesPattern(p, t.schema, t.name));
    if (by) out.push({ table: tableLabel(t), reason: `excluded by --exclude ${by.source}` });
  }
  return out;
}

export function skippedText(s: Skipped): string {
  return `${'schema' in s ? `schema ${s.schema}` : `table ${s.table}`}: ${s.reason}`;
}
