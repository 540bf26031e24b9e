import type { CatalogModel } from '../catalog/model.js';
import { globToRegExp } from '../patterns.js';
import type { Finding, SourceLocation } from '../report/finding.js';
import { type SchemaDefinitions, findFunction, findRelation } from '../schema-files/definitions.js';
import type { TableReference } from './reference.js';

/**
 * The judgement of the code scan, a pure function of what the code uses, what the schema files define and
 * (for `drift check --code`) what the live database has:
 *   - used by code, defined in no schema file → error, even when the live database has it (the auth_configs case:
 *     every database rebuilt from the schema files breaks);
 *   - used by code and defined, but missing live → error (the schema files were never applied);
 *   - present live, in no schema file, used by nothing → warning;
 *   - a column the code names on a table whose columns the schema files list, and that is not among them → error.
 * Unqualified names resolve against `public`, or the schema of `.schema('s')`.
 * (Defined in the schema files but missing live, and unused by code, is plain drift: the catalog diff reports it.)
 */

type Verdict = 'ok' | 'undefined' | 'missing-live' | 'unused-live-only' | 'external';

export interface ObjectVerdict {
  readonly kind: 'table' | 'function';
  /** schema.name */
  readonly object: string;
  readonly schema: string;
  readonly name: string;
  readonly definedInSchemaFiles: boolean;
  /** where the schema files create it */
  readonly definition: SourceLocation | null;
  /** null when no live database was consulted */
  readonly live: boolean | null;
  readonly usedByCode: boolean;
  readonly verdict: Verdict;
  readonly references: readonly TableReference[];
}

export interface CodeJudgement {
  readonly tables: readonly ObjectVerdict[];
  readonly functions: readonly ObjectVerdict[];
  readonly findings: readonly Finding[];
}

export interface JudgeOptions {
  /**
   * config `drift.ignore`: globs on schemas, objects (`*` crosses dots; a table takes its columns along) and
   * finding kinds (`code.undefined-column`). Nothing is reported about what they match; and as drift reads no
   * live object in an ignored schema, whether one exists live is unknown there, never "missing".
   */
  readonly ignore?: { readonly schemas?: readonly string[]; readonly objects?: readonly string[]; readonly kinds?: readonly string[] };
  /**
   * config `scan.external`: tables and functions another system owns (`auth.users`, `graphile_worker.*`): the code
   * may use them although no schema file defines them.
   */
  readonly external?: readonly string[];
}

const DEFAULT_SCHEMA = 'public';

function group(refs: readonly TableReference[], key: (r: TableReference) => string): Map<string, TableReference[]> {
  const m = new Map<string, TableReference[]>();
  for (const r of refs) {
    const k = key(r);
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  }
  return m;
}

function locations(refs: readonly TableReference[]): SourceLocation[] {
  return refs.map((r) => ({ file: r.file, line: r.line, column: r.column }));
}

function usage(refs: readonly TableReference[]): string {
  const files = new Set(refs.map((r) => r.file)).size;
  return `${refs.length} ${refs.length === 1 ? 'place' : 'places'} in ${files} ${files === 1 ? 'file' : 'files'}`;
}

function at(loc: SourceLocation | null): string {
  return loc ? `${loc.file}:${loc.line}` : 'the schema files';
}

const byObject = (a: { object: string }, b: { object: string }) => a.object.localeCompare(b.object, 'en');

export function judge(
  references: readonly TableReference[],
  defs: SchemaDefinitions,
  live: CatalogModel | null | undefined,
  options: JudgeOptions = {},
): CodeJudgement {
  const raw: Finding[] = [];
  const findings = raw;
  const ignoredSchema = matcher(options.ignore?.schemas ?? []);
  const isExternal = matcher(options.external ?? []);
  const liveRelations = live ? new Set([...live.tables, ...live.views].map((t) => `${t.schema}.${t.name}`)) : null;
  const liveFunctions = live ? new Set(live.functions.map((f) => `${f.schema}.${f.name}`)) : null;
  const qualified = (r: TableReference) => `${r.schema ?? DEFAULT_SCHEMA}.${r.kind === 'column' ? r.table : r.name}`;

  const tables: ObjectVerdict[] = [];
  for (const [object, refs] of group(references.filter((r) => r.kind === 'table'), qualified)) {
    const schema = refs[0]?.schema ?? DEFAULT_SCHEMA;
    const name = refs[0]?.name as string;
    const def = findRelation(defs, schema, name);
    const isLive = liveRelations && !ignoredSchema(schema) ? liveRelations.has(object) : null;
    const definition = def ? { file: def.file, line: def.line, column: def.column } : null;
    const verdict: Verdict = !def ? (isExternal(object) ? 'external' : 'undefined') : isLive === false ? 'missing-live' : 'ok';
    tables.push({ kind: 'table', object, schema, name, definedInSchemaFiles: Boolean(def), definition, live: isLive, usedByCode: true, verdict, references: refs });
    const onlyDefinitions = refs.every((r) => r.definition);
    if (verdict === 'undefined') {
      const how = onlyDefinitions ? `is defined in code (${refs[0]?.via ?? 'pgTable()'})` : `is used by the code (${usage(refs)})`;
      findings.push({
        kind: 'code.undefined-table',
        object,
        severity: 'error',
        message: `${object} ${how} but no schema file defines it${isLive ? '; the live database has it, a database built from the schema files will not' : ''}`,
        references: locations(refs),
      });
    } else if (verdict === 'missing-live') {
      findings.push({
        kind: 'code.missing-live-table',
        object,
        severity: 'error',
        message: `${object} is used by the code (${usage(refs)}) and defined in ${at(definition)}, but the live database does not have it — were the schema files applied?`,
        references: locations(refs),
        ...(definition ? { location: definition } : {}),
      });
    }
  }

  // Live tables that nothing defines and nothing uses: leftovers of manual changes, or schema files never written.
  if (live) {
    const used = new Set(tables.map((t) => t.object));
    for (const t of [...live.tables, ...live.views]) {
      const object = `${t.schema}.${t.name}`;
      if (used.has(object) || ignoredSchema(t.schema) || isExternal(object) || findRelation(defs, t.schema, t.name)) continue;
      tables.push({ kind: 'table', object, schema: t.schema, name: t.name, definedInSchemaFiles: false, definition: null, live: true, usedByCode: false, verdict: 'unused-live-only', references: [] });
      findings.push({
        kind: 'code.unused-live-table',
        object,
        severity: 'warning',
        message: `${object} exists in the live database but in no schema file, and no code uses it`,
      });
    }
  }

  const functions: ObjectVerdict[] = [];
  for (const [object, refs] of group(references.filter((r) => r.kind === 'function'), qualified)) {
    const schema = refs[0]?.schema ?? DEFAULT_SCHEMA;
    const name = refs[0]?.name as string;
    const def = findFunction(defs, schema, name);
    const isLive = liveFunctions && !ignoredSchema(schema) ? liveFunctions.has(object) : null;
    const definition = def ? { file: def.file, line: def.line, column: def.column } : null;
    const verdict: Verdict = !def ? (isExternal(object) ? 'external' : 'undefined') : isLive === false ? 'missing-live' : 'ok';
    functions.push({ kind: 'function', object, schema, name, definedInSchemaFiles: Boolean(def), definition, live: isLive, usedByCode: true, verdict, references: refs });
    if (verdict === 'undefined') {
      findings.push({
        kind: 'code.undefined-function',
        object,
        severity: 'error',
        message: `${object}() is called by the code (${usage(refs)}) but no schema file defines it${isLive ? '; the live database has it, a database built from the schema files will not' : ''}`,
        references: locations(refs),
      });
    } else if (verdict === 'missing-live') {
      findings.push({
        kind: 'code.missing-live-function',
        object,
        severity: 'error',
        message: `${object}() is called by the code (${usage(refs)}) and defined in ${at(definition)}, but the live database does not have it`,
        references: locations(refs),
        ...(definition ? { location: definition } : {}),
      });
    }
  }

  // Columns: only on tables whose column list the schema files spell out.
  const columnKey = (r: TableReference) => `${qualified(r)}.${r.name}`;
  for (const [object, refs] of group(references.filter((r) => r.kind === 'column'), columnKey)) {
    const first = refs[0] as TableReference;
    const rel = findRelation(defs, first.schema ?? DEFAULT_SCHEMA, first.table as string);
    if (!rel || rel.columns === null || rel.columns.includes(first.name)) continue;
    const table = `${rel.schema}.${rel.name}`;
    findings.push({
      kind: 'code.undefined-column',
      object,
      severity: 'error',
      message: `${object} is used by the code (${usage(refs)}) but ${table} (${rel.file}:${rel.line}) has no column ${first.name}`,
      references: locations(refs),
      location: { file: rel.file, line: rel.line, column: rel.column },
      table,
    });
  }

  const objectRes = (options.ignore?.objects ?? []).map(globToRegExp);
  const kinds = options.ignore?.kinds ?? [];
  const kept = raw.filter((f) => {
    const schema = f.object.split('.')[0] ?? '';
    const byObject = objectRes.some((r) => r.test(f.object) || (f.table !== undefined && r.test(f.table)));
    const byKind = kinds.some((k) => f.kind === k || f.kind.startsWith(`${k}.`) || f.kind.startsWith(`${k}-`));
    return !(byObject || byKind || ignoredSchema(schema));
  });
  return { tables: tables.sort(byObject), functions: functions.sort(byObject), findings: kept };
}

function matcher(globs: readonly string[]): (name: string) => boolean {
  const res = globs.map(globToRegExp);
  return (name) => res.some((r) => r.test(name));
}
