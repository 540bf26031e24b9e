import type { ColumnDef, CompositeTypeDef, DomainDef, EnumDef, TableDef } from '../catalog/model.js';
import { qualify, quoteIdent, quoteLiteral } from '../sql/quote.js';

/**
 * Column type changes and enum changes: the two repairs whose safety depends on the values already stored.
 * A type change is safe only when every old value fits the new type unchanged (a known widening); anything else
 * may truncate, round or reject values, so the planner treats it as data loss.
 */
const INTEGER_WIDTH: Record<string, number> = { smallint: 2, integer: 4, bigint: 8 };

function parts(type: string): { base: string; mods: number[]; array: string } {
  const m = /^(.*?)(?:\((\d+)(?:,(\d+))?\))?((?:\[\])*)$/.exec(type.trim());
  if (!m) return { base: type, mods: [], array: '' };
  return { base: (m[1] as string).trim(), mods: [m[2], m[3]].filter((x) => x !== undefined).map(Number), array: m[4] ?? '' };
}

/** true when every value of type `from` converts to `to` unchanged. */
export function isWidening(from: string, to: string): boolean {
  const f = parts(from);
  const t = parts(to);
  if (f.array !== t.array) return false;
  const strings = ['character varying', 'character', 'text'];
  if (strings.includes(f.base) && t.base === 'text') return f.base !== 'character';
  if (f.base === 'character varying' && t.base === 'character varying') return t.mods.length === 0 || (f.mods.length > 0 && (t.mods[0] as number) >= (f.mods[0] as number));
  const fw = INTEGER_WIDTH[f.base];
  const tw = INTEGER_WIDTH[t.base];
  if (fw !== undefined && tw !== undefined) return tw >= fw;
  if (fw !== undefined && t.base === 'numeric') return t.mods.length === 0;
  if (f.base === 'numeric' && t.base === 'numeric') {
    if (t.mods.length === 0) return true;
    if (f.mods.length === 0) return false;
    const [fp, fs = 0] = f.mods as [number, number?];
    const [tp, ts = 0] = t.mods as [number, number?];
    return ts >= fs && tp - ts >= fp - fs;
  }
  if (f.base === 'real' && t.base === 'double precision') return true;
  return false;
}

export function alterColumnType(t: TableDef, c: ColumnDef): string {
  const col = quoteIdent(c.name);
  const collate = c.collation ? ` COLLATE ${c.collation}` : '';
  return `ALTER TABLE ${qualify(t.schema, t.name)} ALTER COLUMN ${col} TYPE ${c.type}${collate} USING ${col}::${c.type};`;
}

/**
 * An enum whose live labels are a subset of the desired ones, in the same order, is repaired in place with
 * ADD VALUE … BEFORE/AFTER. Anything else (a label to remove, a new order) needs the type rebuilt: renamed
 * aside, created anew, every column moved over through text, the old type dropped.
 */
export function enumRepair(desired: EnumDef, actual: EnumDef, tables: readonly TableDef[]): { sql: string; dropped: string[]; rebuilt: boolean } {
  const have = new Set(actual.labels);
  const kept = desired.labels.filter((l) => have.has(l));
  const dropped = actual.labels.filter((l) => !desired.labels.includes(l));
  const name = qualify(desired.schema, desired.name);
  if (dropped.length === 0 && kept.join('\u0000') === actual.labels.join('\u0000')) {
    const out: string[] = [];
    desired.labels.forEach((label, i) => {
      if (have.has(label)) return;
      const where = i > 0 ? `AFTER ${quoteLiteral(desired.labels[i - 1] as string)}` : `BEFORE ${quoteLiteral(kept[0] as string)}`;
      out.push(`ALTER TYPE ${name} ADD VALUE ${quoteLiteral(label)}${kept.length > 0 || i > 0 ? ` ${where}` : ''};`);
    });
    return { sql: out.join('\n'), dropped, rebuilt: false };
  }
  const aside = qualify(desired.schema, `${desired.name}__pgsnap_old`);
  const typeName = `${desired.schema}.${desired.name}`;
  const out = [`ALTER TYPE ${name} RENAME TO ${quoteIdent(`${desired.name}__pgsnap_old`)};`, `CREATE TYPE ${name} AS ENUM (${desired.labels.map(quoteLiteral).join(', ')});`];
  out.push(...moveColumnsToType(tables, typeName, name));
  out.push(`DROP TYPE ${aside};`);
  return { sql: out.join('\n'), dropped, rebuilt: true };
}

/**
 * Every column of type `typeName` (its arrays too) moved over to the type of the same name just created beside
 * the renamed-aside old one, through text (an enum's or range's text form is its value). A default is an
 * expression of the old type: it is dropped and put back around the conversion.
 */
export function moveColumnsToType(tables: readonly TableDef[], typeName: string, name: string): string[] {
  const out: string[] = [];
  for (const { table: t, column: c } of ownColumns(tables).filter(({ column }) => column.typeName === typeName)) {
    const table = qualify(t.schema, t.name);
    const col = quoteIdent(c.name);
    const type = c.isArray ? `${name}[]` : name;
    if (c.default !== null) out.push(`ALTER TABLE ${table} ALTER COLUMN ${col} DROP DEFAULT;`);
    out.push(`ALTER TABLE ${table} ALTER COLUMN ${col} TYPE ${type} USING ${col}::text${c.isArray ? '[]' : ''}::${type};`);
    if (c.default !== null) out.push(`ALTER TABLE ${table} ALTER COLUMN ${col} SET DEFAULT ${c.default.replace(/::[^:]*$/, '')}::${type};`);
  }
  return out;
}

/**
 * The columns a table has of its own. A partition's columns, and those an INHERITS child takes from a parent,
 * change with the parent (ALTER COLUMN … TYPE recurses; on the child itself PostgreSQL refuses it).
 */
export function ownColumns(tables: readonly TableDef[]): { table: TableDef; column: ColumnDef }[] {
  const byName = new Map(tables.map((t) => [`${t.schema}.${t.name}`, t]));
  return tables
    .filter((t) => t.kind !== 'partition')
    .flatMap((table) => {
      const inherited = new Set((table.inherits ?? []).flatMap((p) => byName.get(p)?.columns.map((c) => c.name) ?? []));
      return table.columns.filter((c) => !inherited.has(c.name)).map((column) => ({ table, column }));
    });
}

/** A domain with the same base type and collation is altered in place: default, NOT NULL, checks; else undefined. */
export function domainRepair(desired: DomainDef, actual: DomainDef): string | undefined {
  if (desired.baseType !== actual.baseType || desired.collation !== actual.collation) return undefined;
  const name = `ALTER DOMAIN ${qualify(desired.schema, desired.name)}`;
  const out: string[] = [];
  if (desired.default !== actual.default) out.push(desired.default === null ? `${name} DROP DEFAULT;` : `${name} SET DEFAULT ${desired.default};`);
  if (desired.notNull !== actual.notNull) out.push(`${name} ${desired.notNull ? 'SET' : 'DROP'} NOT NULL;`);
  const wanted = new Map(desired.checks.map((c) => [c.name, c.definition]));
  const had = new Map(actual.checks.map((c) => [c.name, c.definition]));
  for (const [n, def] of had) if (wanted.get(n) !== def) out.push(`${name} DROP CONSTRAINT ${quoteIdent(n)};`);
  for (const [n, def] of wanted) if (had.get(n) !== def) out.push(`${name} ADD CONSTRAINT ${quoteIdent(n)} ${def};`);
  return out.join('\n');
}

/** A composite type's attributes added, dropped or retyped by name; `loss` says what a DROP or narrowing costs. */
export function compositeRepair(desired: CompositeTypeDef, actual: CompositeTypeDef): { sql: string; loss?: string } {
  const name = `ALTER TYPE ${qualify(desired.schema, desired.name)}`;
  const had = new Map(actual.attributes.map((a) => [a.name, a]));
  const wanted = new Set(desired.attributes.map((a) => a.name));
  const out: string[] = [];
  const losses: string[] = [];
  for (const a of actual.attributes) {
    if (wanted.has(a.name)) continue;
    out.push(`${name} DROP ATTRIBUTE ${quoteIdent(a.name)};`);
    losses.push(`drops attribute ${a.name}`);
  }
  for (const a of desired.attributes) {
    const collate = a.collation ? ` COLLATE ${a.collation}` : '';
    const old = had.get(a.name);
    if (!old) out.push(`${name} ADD ATTRIBUTE ${quoteIdent(a.name)} ${a.type}${collate};`);
    else if (old.type !== a.type || old.collation !== a.collation) {
      out.push(`${name} ALTER ATTRIBUTE ${quoteIdent(a.name)} TYPE ${a.type}${collate};`);
      if (!isWidening(old.type, a.type)) losses.push(`changes attribute ${a.name} from ${old.type} to ${a.type}`);
    }
  }
  return { sql: out.join('\n'), ...(losses.length > 0 ? { loss: `${losses.join(', ')}: stored values of the type lose it` } : {}) };
}
