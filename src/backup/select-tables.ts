import { isSystemSchema } from '../catalog/filter.js';
import { pairKey } from '../archive/table-id.js';
import type { TableDef } from '../catalog/model.js';
import { matchesPattern, type TablePattern } from '../patterns.js';

/**
 * Which tables a backup captures. By default every user table outside platform-managed schemas (Supabase's
 * `auth`, `storage`… when the platform owns them: see catalog/filter.ts platformManagedSchemas), plus the
 * application's data that lives in platform schemas (see `isPlatformData`); `--schema` and `--table` narrow the
 * set (and reach into platform schemas when they name them); `--exclude` always wins.
 *
 * Partitioned tables are captured once, through the root partitioned table (its rows are all partitions' rows);
 * partitions are never captured as tables of their own. A pattern that names a partition selects its root.
 */
export interface BackupSelection {
  readonly schemas: readonly string[];
  readonly tables: readonly TablePattern[];
  readonly exclude: readonly TablePattern[];
}

/**
 * Supabase keeps the application's users and files' metadata in its own schemas: auth.users, auth.identities,
 * auth.sessions, auth.refresh_tokens, auth.mfa_*… and storage.buckets, storage.objects. A backup without them
 * loses every account. So in `auth` and `storage` every table is data except the platform's migration
 * bookkeeping (a table the platform adds later is captured, not silently missed); the other platform schemas
 * (realtime, vault, supabase_functions, graphql, net…) hold the platform's internals and are not captured.
 */
const PLATFORM_DATA: Readonly<Record<string, readonly string[]>> = { auth: ['schema_migrations'], storage: ['migrations'] };

function isPlatformData(schema: string, name: string): boolean {
  const bookkeeping = PLATFORM_DATA[schema];
  return bookkeeping !== undefined && !bookkeeping.includes(name);
}

export function selectTables(all: readonly TableDef[], sel: BackupSelection, platform: ReadonlySet<string>): TableDef[] {
  // the catalog names a partition's parent as one "schema.name" string; prefer the partitioned table that spells it
  const byName = new Map<string, TableDef>();
  for (const t of all) {
    const joined = `${t.schema}.${t.name}`;
    if (!byName.has(joined) || t.kind === 'partitioned') byName.set(joined, t);
  }
  const rootOf = (t: TableDef): TableDef => {
    let cur = t;
    for (let i = 0; i < 100 && cur.kind === 'partition' && cur.partitionOf; i++) {
      const parent = byName.get(cur.partitionOf);
      if (!parent) break;
      cur = parent;
    }
    return cur;
  };
  const explicit = sel.schemas.length > 0 || sel.tables.length > 0;
  const chosen = new Map<string, TableDef>();
  for (const t of all) {
    if (isSystemSchema(t.schema)) continue;
    const included = explicit
      ? sel.schemas.includes(t.schema) || sel.tables.some((p) => matchesPattern(p, t.schema, t.name))
      : !platform.has(t.schema) || isPlatformData(t.schema, t.name);
    if (!included || sel.exclude.some((p) => matchesPattern(p, t.schema, t.name))) continue;
    const root = rootOf(t);
    if (root.kind === 'partition') continue; // a partition whose parent we cannot see: nothing consistent to read
    if (sel.exclude.some((p) => matchesPattern(p, root.schema, root.name))) continue;
    chosen.set(pairKey(root), root);
  }
  return [...chosen.values()].sort((a, b) => (a.schema === b.schema ? cmp(a.name, b.name) : cmp(a.schema, b.schema)));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
