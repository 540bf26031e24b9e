import type { CatalogModel, ColumnDef, ConstraintDef, SequenceDef, TableDef, ViewDef } from '../catalog/model.js';
import { qualifiedName } from '../catalog/model.js';
import { renderComment, renderConstraint, renderIndex, renderPolicy } from '../catalog/render.js';
import { qualify, quoteIdent, quoteLiteral } from '../sql/quote.js';

/**
 * ALTER statements for the details of objects the planner knows (storage, identity options, validation, view
 * options, inheritance), and what an enum rebuild must take down and put back. Pure: model objects in, SQL out.
 */

export function viewName(v: ViewDef): string {
  return `${v.materialized ? 'MATERIALIZED VIEW' : 'VIEW'} ${qualify(v.schema, v.name)}`;
}

/** An identity sequence's options as ALTER COLUMN … SET / ADD GENERATED … AS IDENTITY (…) take them. */
export function identityOptions(s: SequenceDef): string[] {
  return [`START WITH ${s.start}`, `INCREMENT BY ${s.increment}`, `MINVALUE ${s.min}`, `MAXVALUE ${s.max}`, `CACHE ${s.cache}`, s.cycle ? 'CYCLE' : 'NO CYCLE'];
}

/**
 * Back to the type's default storage: SET STORAGE DEFAULT exists from PostgreSQL 16; before, the default is read
 * from pg_type where the plan runs (the model does not hold it, and it is not the same for every type: numeric's is MAIN).
 */
export function defaultStorage(t: TableDef, c: ColumnDef, serverMajor: number): string {
  const alter = `ALTER TABLE ${qualify(t.schema, t.name)} ALTER COLUMN ${quoteIdent(c.name)}`;
  if (serverMajor >= 16) return `${alter} SET STORAGE DEFAULT;`;
  const storage = `(SELECT CASE typstorage WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN' ELSE 'EXTENDED' END FROM pg_type WHERE oid = ${quoteLiteral(c.type)}::regtype)`;
  return `DO $pgsnap$ BEGIN EXECUTE ${quoteLiteral(`${alter} SET STORAGE `)} || ${storage}; END $pgsnap$;`;
}

/** one ALTER TABLE: the rule is never absent in between */
export function readdConstraint(t: TableDef, c: ConstraintDef): string {
  return `ALTER TABLE ${qualify(t.schema, t.name)} DROP CONSTRAINT ${quoteIdent(c.name)}, ADD CONSTRAINT ${quoteIdent(c.name)} ${c.definition};`;
}

/** `name=value` reloptions as ALTER … SET (…) / RESET (…) take them: names as identifiers, values as literals. */
function reloption(o: string, withValue: boolean): string {
  const eq = o.indexOf('=');
  const name = (eq < 0 ? o : o.slice(0, eq)).split('.').map(quoteIdent).join('.');
  return withValue ? `${name} = ${eq < 0 ? "'true'" : quoteLiteral(o.slice(eq + 1))}` : name;
}

/** security_invoker, security_barrier, check_option of a view; storage parameters of a materialized view: SET and RESET. */
export function viewOptionsRepair(want: ViewDef, have: ViewDef): string {
  const key = (o: string) => o.split('=')[0] as string;
  const wanted = new Set((want.options ?? []).map(key));
  const reset = (have.options ?? []).filter((o) => !wanted.has(key(o)));
  const set = (want.options ?? []).filter((o) => !(have.options ?? []).includes(o));
  const out: string[] = [];
  if (reset.length > 0) out.push(`ALTER ${viewName(want)} RESET (${reset.map((o) => reloption(o, false)).join(', ')});`);
  if (set.length > 0) out.push(`ALTER ${viewName(want)} SET (${set.map((o) => reloption(o, true)).join(', ')});`);
  return out.join('\n');
}

/**
 * Only the INHERITS list differs: NO INHERIT from the parents the files do not name (the columns stay, now the
 * child's own), INHERIT the ones they add. PostgreSQL accepts INHERIT only when the child already has every
 * column of the parent with the same type; where the live child lacks one, there is no plan.
 */
export function inheritanceRepair(
  want: TableDef,
  have: TableDef,
  desiredTables: ReadonlyMap<string, TableDef>,
  liveTables: ReadonlyMap<string, TableDef>,
): { noInherit: string[]; inherit: string[] } | { skip: string } {
  const name = qualify(want.schema, want.name);
  const [wanted, had] = [want.inherits ?? [], have.inherits ?? []];
  const noInherit: string[] = [];
  const inherit: string[] = [];
  for (const p of had.filter((x) => !wanted.includes(x))) {
    const parent = liveTables.get(p);
    if (!parent) return { skip: `no plan for NO INHERIT ${p}: the parent was not found in the catalog model` };
    noInherit.push(`ALTER TABLE ${name} NO INHERIT ${qualify(parent.schema, parent.name)};`);
  }
  for (const p of wanted.filter((x) => !had.includes(x))) {
    const parent = desiredTables.get(p);
    if (!parent) return { skip: `no plan for INHERIT ${p}: the parent was not found in the catalog model` };
    const lacking = parent.columns.filter((pc) => !have.columns.some((c) => c.name === pc.name && c.type === pc.type)).map((c) => c.name);
    if (lacking.length > 0)
      return { skip: `no plan for INHERIT ${p}: the live table lacks its column(s) ${lacking.join(', ')} (or has another type); it must be rebuilt by hand` };
    inherit.push(`ALTER TABLE ${name} INHERIT ${qualify(parent.schema, parent.name)};`);
  }
  return { noInherit, inherit };
}

/**
 * What an enum rebuild must take down and put back, from the live model: the views over its columns (dropped,
 * then created again by the caller as they are live) and the partial / expression indexes, checks and policies
 * that name such a column (their DROP and CREATE here).
 */
export function enumDependents(e: { schema: string; name: string }, live: CatalogModel): { views: ViewDef[]; drop: string[]; create: string[] } {
  return { views: viewsOverEnum(e, live), ...partsOverEnum(e, live) };
}

/** `(^|non-word)"?name"?(non-word|$)` for any of the names: a word of a definition, quoted or not */
function mentions(names: readonly string[]): RegExp {
  const escaped = names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`(^|[^\\w$])"?(${escaped.join('|')})"?($|[^\\w$])`);
}

/**
 * Partial and expression indexes, checks and policies on the live tables whose text names a column of the enum:
 * their DROP before the rebuild and their CREATE (with their comments) after it.
 */
function partsOverEnum(e: { schema: string; name: string }, live: CatalogModel): { drop: string[]; create: string[] } {
  const typeName = qualifiedName(e);
  const drop: string[] = [];
  const create: string[] = [];
  for (const t of live.tables) {
    const cols = t.columns.filter((c) => c.typeName === typeName).map((c) => c.name);
    if (cols.length === 0) continue;
    const word = mentions(cols);
    const name = qualify(t.schema, t.name);
    const note = (target: string, text: string | undefined) => (text !== undefined ? [renderComment(target, text)] : []);
    for (const i of t.indexes.filter((x) => !x.constraint && (x.predicate !== null || !x.columns) && word.test(x.definition))) {
      drop.push(`DROP INDEX ${qualify(t.schema, i.name)};`);
      create.push(renderIndex(i), ...note(`INDEX ${qualify(t.schema, i.name)}`, i.comment));
    }
    for (const c of t.constraints.filter((x) => x.kind === 'check' && word.test(x.definition))) {
      drop.push(`ALTER TABLE ${name} DROP CONSTRAINT ${quoteIdent(c.name)};`);
      create.push(renderConstraint(t, c), ...note(`CONSTRAINT ${quoteIdent(c.name)} ON ${name}`, c.comment));
    }
    for (const p of t.policies.filter((x) => word.test(`${x.using ?? ''} ${x.withCheck ?? ''}`))) {
      drop.push(`DROP POLICY ${quoteIdent(p.name)} ON ${name};`);
      create.push(renderPolicy(t, p), ...note(`POLICY ${quoteIdent(p.name)} ON ${name}`, p.comment));
    }
  }
  return { drop, create };
}

/**
 * The live views that may read a column of the enum (or the type itself): those whose definition names a table
 * with such a column, or the type; and then every view that reads one of them. The model does not record which
 * tables a view reads, so the definition's words decide: a view too many is dropped and created again unchanged.
 */
function viewsOverEnum(e: { schema: string; name: string }, live: CatalogModel): ViewDef[] {
  const typeName = qualifiedName(e);
  const names = [e.name, ...live.tables.filter((t) => t.columns.some((c) => c.typeName === typeName)).map((t) => t.name)];
  const word = mentions(names);
  const picked = new Set(live.views.filter((v) => word.test(v.definition)).map(qualifiedName));
  for (let grew = true; grew; ) {
    grew = false;
    for (const v of live.views) {
      if (!picked.has(qualifiedName(v)) && (v.dependsOn ?? []).some((x) => picked.has(x))) {
        picked.add(qualifiedName(v));
        grew = true;
      }
    }
  }
  return live.views.filter((v) => picked.has(qualifiedName(v)));
}
