import type { CatalogModel } from '../catalog/model.js';
import { type DriftDifference, tableIndex, tableOf } from './difference.js';
import { globToRegExp } from '../patterns.js';

/**
 * What drift leaves out, decided per difference by a pure function:
 *
 * - config `drift.ignore.schemas` (globs on the schema name), `.objects` (globs on the qualified name; `*` also
 *   crosses dots, and an ignored table takes its columns, indexes, triggers… with it) and `.kinds` (a kind and its
 *   sub-kinds: `column` also ignores `column.type`);
 * - a platform profile (`--profile supabase`): see `isPlatformDifference`.
 */
export interface IgnoreRules {
  readonly schemas?: readonly string[];
  readonly objects?: readonly string[];
  readonly kinds?: readonly string[];
}

export interface PlatformProfile {
  readonly name: string;
  /** the schemas the platform manages (Supabase: auth, storage, realtime, …) */
  readonly schemas: readonly string[];
  /** "schema.name" of live tables, views, functions and types in those schemas owned by a platform role */
  readonly platformOwned: ReadonlySet<string>;
}

export interface IgnoreContext {
  readonly rules: IgnoreRules;
  readonly profile?: PlatformProfile;
  /** the schema files' model (shadow) */
  readonly desired: CatalogModel;
  /** the live model */
  readonly actual: CatalogModel;
}

export interface IgnoreResult {
  readonly kept: readonly DriftDifference[];
  readonly ignored: readonly DriftDifference[];
}


/** Kinds whose `object` is not schema-qualified (database-wide objects; a publication's tables come after its name). */
const UNQUALIFIED_KINDS = new Set(['schema', 'extension', 'extension.version', 'publication', 'publication.table', 'event_trigger', 'foreign_server', 'user_mapping', 'default_privilege']);

function schemaOf(d: DriftDifference): string {
  if (d.kind === 'schema') return d.object;
  return d.object.split('.')[0] ?? '';
}

/** Kinds that are the user's own even on a platform's table: they carry application logic. */
function isUserAttachment(kind: string): boolean {
  return kind === 'trigger' || kind.startsWith('trigger.') || kind === 'policy' || kind.startsWith('policy.');
}

function schemasMentioned(model: CatalogModel): Set<string> {
  const s = new Set<string>();
  for (const list of [model.tables, model.views, model.functions, model.enums, model.domains, model.compositeTypes, model.sequences]) {
    for (const o of list) s.add(o.schema);
  }
  return s;
}

/**
 * Under a platform profile, a difference is the platform's business (and ignored) when:
 * - it is about a platform schema itself, or an extension the live database has and the files do not mention
 *   (the platform installs many);
 * - it is inside a platform schema, and the object — or the table it belongs to — is owned by a platform role on
 *   the live database (Supabase upgrades change its own tables and functions: a stub of `auth.users` in the
 *   schema files must not fail the check), or exists only live in a platform schema the schema files never
 *   mention (e.g. all of `storage` for an app that does not define anything there).
 * Triggers and policies are the exception: they are the user's even on a platform table, and are compared,
 * unless a live-only trigger calls a function in a platform schema (then the platform created it).
 * Everything the schema files define that is not platform-owned — a user table in `auth`, a user trigger on
 * `auth.users` — is compared as usual.
 */
function isPlatformDifference(
  d: DriftDifference,
  profile: PlatformProfile,
  tables: ReadonlyMap<string, string>,
  mentioned: ReadonlySet<string>,
  actual: CatalogModel,
): boolean {
  const platformSchemas = new Set(profile.schemas);
  if (d.kind === 'schema') return platformSchemas.has(d.object);
  if (d.kind === 'extension' || d.kind.startsWith('extension.')) return d.change === 'extra';
  const schema = schemaOf(d);
  if (!platformSchemas.has(schema)) return false;
  const table = tableOf(tables, d.object);
  if (isUserAttachment(d.kind)) {
    if (d.change !== 'extra' || !table) return false;
    return triggerCallsPlatformFunction(actual, table, d.object, platformSchemas);
  }
  const bare = d.object.replace(/\(.*\)$/, '');
  if (profile.platformOwned.has(bare) || (table !== undefined && profile.platformOwned.has(table))) return true;
  return d.change === 'extra' && !mentioned.has(schema);
}

function triggerCallsPlatformFunction(actual: CatalogModel, table: string, object: string, platformSchemas: ReadonlySet<string>): boolean {
  const t = actual.tables.find((x) => `${x.schema}.${x.name}` === table);
  const trigger = t?.triggers.find((tr) => `${table}.${tr.name}` === object);
  if (!trigger) return false;
  return platformSchemas.has(trigger.function.split('.')[0] ?? '');
}

export function applyIgnoreRules(differences: readonly DriftDifference[], ctx: IgnoreContext): IgnoreResult {
  const schemaRes = (ctx.rules.schemas ?? []).map(globToRegExp);
  const objectRes = (ctx.rules.objects ?? []).map(globToRegExp);
  const kinds = ctx.rules.kinds ?? [];
  const tables = tableIndex(ctx.desired, ctx.actual);
  const mentioned = schemasMentioned(ctx.desired);
  const kept: DriftDifference[] = [];
  const ignored: DriftDifference[] = [];
  for (const d of differences) {
    const table = tableOf(tables, d.object);
    const byKind = kinds.some((k) => d.kind === k || d.kind.startsWith(`${k}.`));
    const bySchema = !UNQUALIFIED_KINDS.has(d.kind) || d.kind === 'schema' ? schemaRes.some((r) => r.test(schemaOf(d))) : false;
    const byObject = objectRes.some((r) => r.test(d.object) || (table !== undefined && r.test(table)));
    const byProfile = ctx.profile !== undefined && isPlatformDifference(d, ctx.profile, tables, mentioned, ctx.actual);
    (byKind || bySchema || byObject || byProfile ? ignored : kept).push(d);
  }
  return { kept, ignored };
}
