import { qualify } from '../db/client.js';
import type { ColumnDef, EnumDef, TableDef } from '../catalog/model.js';
import { quoteLiteral } from '../db/client.js';
import { quoteIdent } from '../db/client.js';

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
export function enumRepair(desired: EnumDef, actual: EnumDef, tables: readonly TableDef[]): { sql: string; dropped: string[] } {
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
    return { sql: out.join('\n'), dropped };
  }
  const aside = qualify(desired.schema, `${desired.name}__pgsnap_old`);
  const typeName = `${desired.schema}.${desired.name}`;
  const out = [`ALTER TYPE ${name} RENAME TO ${quoteIdent(`${desired.name}__pgsnap_old`)};`, `CREATE TYPE ${name} AS ENUM (${desired.labels.map(quoteLiteral).join(', ')});`];
  for (const t of tables) {
    for (const c of t.columns.filter((x) => x.typeName === typeName)) {
      const table = qualify(t.schema, t.name);
      const col = quoteIdent(c.name);
      const type = c.isArray ? `${name}[]` : name;
      // A default is an expression of the old type: it is dropped and put back around the conversion.
      if (c.default !== null) out.push(`ALTER TABLE ${table} ALTER COLUMN ${col} DROP DEFAULT;`);
      out.push(`ALTER TABLE ${table} ALTER COLUMN ${col} TYPE ${type} USING ${col}::text${c.isArray ? '[]' : ''}::${type};`);
      if (c.default !== null) out.push(`ALTER TABLE ${table} ALTER COLUMN ${col} SET DEFAULT ${c.default.replace(/::[^:]*$/, '')}::${type};`);
    }
  }
  out.push(`DROP TYPE ${aside};`);
  return { sql: out.join('\n'), dropped };
}
