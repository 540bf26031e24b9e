import type { SourceLocation } from '../report/finding.js';
import type { SchemaStatement } from './schema-files.js';

/**
 * Where each object is defined in the schema files, read from the parse trees of the statements drift applies
 * anyway: `public.projects` → schemas/030_projects.sql:3, `public.projects.status` → the column's statement,
 * `public.projects.projects_owner_all` → the CREATE POLICY. The first definition wins (a later ALTER points at
 * the table it alters, not elsewhere). Unqualified names resolve to `public`, the default search_path.
 */
export type DefinitionIndex = ReadonlyMap<string, SourceLocation>;

type Node = Record<string, unknown>;

function obj(v: unknown): Node | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Node) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** A RangeVar → "schema.name" */
function rangeVar(v: unknown): string | undefined {
  const r = obj(obj(v)?.RangeVar) ?? obj(v);
  const name = str(r?.relname);
  if (!name) return undefined;
  return `${str(r?.schemaname) ?? 'public'}.${name}`;
}

/** A list of String nodes (qualified names: funcname, typeName.names) → "schema.name" */
function nameList(v: unknown): string | undefined {
  if (!Array.isArray(v)) return undefined;
  const parts = v.map((n) => str(obj(obj(n)?.String)?.sval)).filter((p): p is string => p !== undefined);
  if (parts.length === 0) return undefined;
  const name = parts[parts.length - 1] as string;
  return `${parts.length > 1 ? parts[parts.length - 2] : 'public'}.${name}`;
}

function constraintName(c: unknown): string | undefined {
  return str(obj(obj(c)?.Constraint)?.conname);
}

/** The keys a statement defines (most specific first does not matter: each key is exact). */
export function definedKeys(ast: Node): string[] {
  const [type, bodyRaw] = Object.entries(ast)[0] ?? [];
  const body = obj(bodyRaw);
  if (!type || !body) return [];
  switch (type) {
    case 'CreateStmt': {
      const table = rangeVar(body.relation);
      if (!table) return [];
      const keys = [table];
      for (const el of (body.tableElts as unknown[]) ?? []) {
        const col = obj(obj(el)?.ColumnDef);
        if (col && str(col.colname)) {
          keys.push(`${table}.${col.colname}`);
          for (const c of (col.constraints as unknown[]) ?? []) {
            const n = constraintName(c);
            if (n) keys.push(`${table}.${n}`);
          }
        }
        const n = constraintName(el);
        if (n) keys.push(`${table}.${n}`);
      }
      return keys;
    }
    case 'AlterTableStmt': {
      const table = rangeVar(body.relation);
      if (!table) return [];
      const keys: string[] = [];
      for (const c of (body.cmds as unknown[]) ?? []) {
        const cmd = obj(obj(c)?.AlterTableCmd);
        const def = obj(cmd?.def);
        const col = obj(def?.ColumnDef);
        if (col && str(col.colname)) keys.push(`${table}.${col.colname}`);
        const n = constraintName(def);
        if (n) keys.push(`${table}.${n}`);
        if (str(cmd?.name)) keys.push(`${table}.${cmd?.name}`);
        // Aspects set by ALTER TABLE get their own keys, so a finding points at the statement that set them.
        if (cmd?.subtype === 'AT_EnableRowSecurity' || cmd?.subtype === 'AT_DisableRowSecurity') keys.push(`${table}#rls`);
        if (cmd?.subtype === 'AT_ForceRowSecurity' || cmd?.subtype === 'AT_NoForceRowSecurity') keys.push(`${table}#rls.forced`);
        if (str(cmd?.name) && /^AT_(Enable|Disable)(Always|Replica)?Trig$/.test(String(cmd?.subtype))) {
          keys.push(`${table}.${cmd?.name}#trigger.enabled`);
        }
      }
      return keys;
    }
    case 'IndexStmt': {
      const table = rangeVar(body.relation);
      const name = str(body.idxname);
      if (!table || !name) return [];
      return [`${table.split('.')[0]}.${name}`, `${table}.${name}`];
    }
    case 'CreateTrigStmt': {
      const table = rangeVar(body.relation);
      const name = str(body.trigname);
      return table && name ? [`${table}.${name}`] : [];
    }
    case 'CreatePolicyStmt': {
      const table = rangeVar(body.table);
      const name = str(body.policy_name);
      return table && name ? [`${table}.${name}`] : [];
    }
    case 'CreateFunctionStmt':
      return [nameList(body.funcname)].filter((k): k is string => k !== undefined);
    case 'ViewStmt':
      return [rangeVar(body.view)].filter((k): k is string => k !== undefined);
    case 'CreateTableAsStmt':
      return [rangeVar(obj(obj(body.into)?.IntoClause)?.rel ?? obj(body.into)?.rel)].filter((k): k is string => k !== undefined);
    case 'CreateSeqStmt':
      return [rangeVar(body.sequence)].filter((k): k is string => k !== undefined);
    case 'CompositeTypeStmt':
      return [rangeVar(body.typevar)].filter((k): k is string => k !== undefined);
    case 'CreateEnumStmt':
    case 'AlterEnumStmt':
      return [nameList(body.typeName)].filter((k): k is string => k !== undefined);
    case 'CreateDomainStmt':
      return [nameList(body.domainname)].filter((k): k is string => k !== undefined);
    case 'CreateSchemaStmt':
      return str(body.schemaname) ? [body.schemaname as string] : [];
    case 'CreateExtensionStmt':
      return str(body.extname) ? [body.extname as string] : [];
    default:
      return [];
  }
}

export function buildDefinitionIndex(statements: readonly SchemaStatement[]): DefinitionIndex {
  const index = new Map<string, SourceLocation>();
  for (const st of statements) {
    for (const key of definedKeys(st.ast as Node)) {
      if (!index.has(key)) index.set(key, { file: st.file, line: st.line });
    }
  }
  return index;
}

/**
 * The location of an object, or of the nearest thing that contains it: `public.t.c` falls back to `public.t`.
 * Function signatures are ignored (`public.f(integer)` → `public.f`). With a kind, an aspect set by its own
 * statement (`rls` → the ALTER TABLE … ENABLE ROW LEVEL SECURITY) is preferred.
 */
export function locate(index: DefinitionIndex, object: string, kind?: string): SourceLocation | undefined {
  const aspect = kind ? index.get(`${object}#${kind}`) : undefined;
  if (aspect) return aspect;
  const parts = object.replace(/\(.*\)$/, '').split('.');
  for (let n = parts.length; n >= 1; n--) {
    const hit = index.get(parts.slice(0, n).join('.'));
    if (hit) return hit;
  }
  return undefined;
}

/**
 * Merge in the code scan's reading of the same files (src/scan/definitions.ts), which also follows
 * `ALTER … RENAME` and `SET search_path`: where both know an object, theirs wins; the aspect keys (`#rls`, …)
 * and the fallback to the containing table stay ours.
 */
export function withScanDefinitions(
  index: DefinitionIndex,
  objects: readonly { readonly object: string; readonly file: string; readonly line: number; readonly column?: number }[],
): DefinitionIndex {
  const merged = new Map(index);
  const seen = new Set<string>();
  for (const o of objects) {
    // The first definition of a name is where it was created; later ones (a column re-added) do not move it.
    if (seen.has(o.object)) continue;
    seen.add(o.object);
    merged.set(o.object, { file: o.file, line: o.line, ...(o.column ? { column: o.column } : {}) });
  }
  return merged;
}
