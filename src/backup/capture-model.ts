import { pairKey } from '../archive/table-id.js';
import type { CaptureCatalog, CatalogModel, SequenceDef, TableDef } from '../catalog/model.js';

/**
 * The schema stored in an archive (`schema.json`): the captured tables — with their partitions, so a
 * partitioned table can be recreated — and what they need to be recreated: the sequences they own or call, the
 * enums, domains and composite types their columns use (transitively), the functions their triggers, defaults,
 * checks, generated columns and policies call, every extension (a column may use an extension's type), and
 * the schemas all of these live in. Views are not data and are left out.
 *
 * Function references inside expressions are found by name (`schema.fn(` or `fn(`): that can include a
 * function too many, never one too few.
 */
export function captureModel(model: CaptureCatalog, captured: readonly TableDef[]): CatalogModel {
  // Tables by their (schema, name) pair; `wanted` holds the joined spelling the catalog uses for partition parents
  // and sequence owners.
  const pairs = new Set(captured.map(pairKey));
  const wanted = new Set(captured.map(key));
  let grew = true;
  while (grew) {
    grew = false;
    for (const t of model.tables) {
      if (t.partitionOf && wanted.has(t.partitionOf) && !pairs.has(pairKey(t))) {
        pairs.add(pairKey(t));
        wanted.add(key(t));
        grew = true;
      }
    }
  }
  const tables = model.tables.filter((t) => pairs.has(pairKey(t)));

  // Type references as text: column types, then domain bases and composite attributes until nothing new appears.
  const typeTexts: string[] = tables.flatMap((t) => t.columns.flatMap((c) => [c.type, c.typeName]));
  const userTypes = [...model.enums, ...model.domains, ...model.compositeTypes];
  const neededTypes = new Set<string>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const ty of userTypes) {
      const k = key(ty);
      if (neededTypes.has(k) || !typeTexts.some((text) => mentionsName(text, ty.schema, ty.name))) continue;
      neededTypes.add(k);
      changed = true;
      if ('baseType' in ty) typeTexts.push(ty.baseType);
      if ('attributes' in ty) typeTexts.push(...ty.attributes.map((a) => a.type));
      if ('checks' in ty) typeTexts.push(...ty.checks.map((c) => c.definition));
    }
  }

  const expressions: string[] = tables.flatMap((t) => [
    ...t.columns.flatMap((c) => [c.default ?? '', c.generated ?? '']),
    ...t.constraints.filter((c) => c.kind === 'check' || c.kind === 'exclusion').map((c) => c.definition),
    ...t.policies.flatMap((p) => [p.using ?? '', p.withCheck ?? '']),
    ...t.indexes.map((i) => i.definition),
  ]);
  expressions.push(...model.domains.filter((d) => neededTypes.has(key(d))).flatMap((d) => [d.default ?? '', ...d.checks.map((c) => c.definition)]));
  const triggerFunctions = new Set(tables.flatMap((t) => t.triggers.map((tr) => tr.function)));
  const functions = model.functions.filter(
    (f) => triggerFunctions.has(key(f)) || expressions.some((e) => callsFunction(e, f.schema, f.name)),
  );

  const sequences = model.sequences.filter((s) => sequenceNeeded(s, wanted, expressions));
  const enums = model.enums.filter((e) => neededTypes.has(key(e)));
  const domains = model.domains.filter((d) => neededTypes.has(key(d)));
  const compositeTypes = model.compositeTypes.filter((c) => neededTypes.has(key(c)));
  const used = new Set([...tables, ...sequences, ...enums, ...domains, ...compositeTypes, ...functions].map((o) => o.schema));
  for (const e of model.extensions) used.add(e.schema);
  return {
    serverMajor: model.serverMajor,
    schemas: model.schemas.filter((s) => used.has(s.name)),
    extensions: model.extensions,
    enums,
    domains,
    compositeTypes,
    sequences,
    tables,
    views: [],
    functions,
  };
}

/** Sequences whose values the archive records: owned by a captured table's column, or called by its defaults. */
export function sequenceNeeded(s: SequenceDef, tables: ReadonlySet<string>, expressions: readonly string[]): boolean {
  if (s.ownedBy) {
    const table = s.ownedBy.slice(0, s.ownedBy.lastIndexOf('.'));
    if (tables.has(table)) return true;
  }
  return expressions.some((e) => e.includes('nextval(') && mentionsName(e, s.schema, s.name));
}

function key(o: { readonly schema: string; readonly name: string }): string {
  return `${o.schema}.${o.name}`;
}

function ident(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? `(?:${escapeRegExp(name)}|"${escapeRegExp(name)}")` : `"${escapeRegExp(name.replace(/"/g, '""'))}"`;
}

function escapeRegExp(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/** `schema.name` (each part bare or quoted), or the bare name: how format_type and pg_get_expr print a reference */
function mentionsName(text: string, schema: string, name: string): boolean {
  const re = new RegExp(`(?:^|[^A-Za-z0-9_$".])(?:${ident(schema)}\\.)?${ident(name)}(?![A-Za-z0-9_$])`);
  return re.test(text);
}

function callsFunction(text: string, schema: string, name: string): boolean {
  if (!text) return false;
  const re = new RegExp(`(?:^|[^A-Za-z0-9_$".])(?:${ident(schema)}\\.)?${ident(name)}\\s*\\(`);
  return re.test(text);
}
