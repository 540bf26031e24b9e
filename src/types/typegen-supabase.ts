import { introspect } from '../catalog/introspect.js';
import type { CatalogModel, ColumnDef, TableDef } from '../catalog/model.js';
import { type ConnectionTarget, type Session, withSession } from '../db/index.js';

/**
 * `pgsnap types --format supabase`: a `Database` type in the shape supabase-js's generics read
 * (`createClient<Database>(…)`), the shape `supabase gen types typescript` prints: per schema `Tables` (Row,
 * Insert, Update, Relationships), `Views`, `Functions` (Args, Returns), `Enums` and `CompositeTypes`.
 *
 * Written with `type`, never `interface`: supabase-js checks each schema against `Record<string, …>`, which
 * an interface does not satisfy — and a schema that does not match silently turns every query into `any`.
 */
interface ViewColumn {
  readonly schema: string;
  readonly view: string;
  readonly name: string;
  /** "schema.name" of the (element) type */
  readonly typeName: string;
  readonly isArray: boolean;
}

export interface SupabaseTypesInput {
  readonly model: CatalogModel;
  readonly viewColumns: readonly ViewColumn[];
  readonly schemas: readonly string[];
}

// What PostgREST returns in JSON for each built-in type; anything else arrives as a string.
const NUMBERS = new Set(['int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'oid']);
const SCALARS: Readonly<Record<string, string>> = { bool: 'boolean', json: 'Json', jsonb: 'Json', void: 'undefined', record: 'Json' };
// format_type spellings, for composite attributes and function signatures (which the model keeps as text)
const FORMATTED: Readonly<Record<string, string>> = {
  smallint: 'int2', integer: 'int4', bigint: 'int8', real: 'float4', 'double precision': 'float8', numeric: 'numeric', boolean: 'bool',
  json: 'json', jsonb: 'jsonb', void: 'void', record: 'record', oid: 'oid',
};

const str = (s: string): string => JSON.stringify(s);
const key = (name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : str(name));

class Printer {
  private readonly enums = new Map<string, string>();
  private readonly composites = new Map<string, string>();
  /** a table's or view's row type, as a function's argument or result (SETOF public.notes) */
  private readonly rows = new Map<string, string>();
  constructor(input: SupabaseTypesInput) {
    const included = new Set(input.schemas);
    for (const t of input.model.tables) if (included.has(t.schema)) this.rows.set(`${t.schema}.${t.name}`, `Database[${str(t.schema)}]["Tables"][${str(t.name)}]["Row"]`);
    for (const v of input.model.views) if (included.has(v.schema)) this.rows.set(`${v.schema}.${v.name}`, `Database[${str(v.schema)}]["Views"][${str(v.name)}]["Row"]`);
    for (const e of input.model.enums) if (included.has(e.schema)) this.enums.set(`${e.schema}.${e.name}`, `Database[${str(e.schema)}]["Enums"][${str(e.name)}]`);
    for (const c of input.model.compositeTypes) {
      if (included.has(c.schema)) this.composites.set(`${c.schema}.${c.name}`, `Database[${str(c.schema)}]["CompositeTypes"][${str(c.name)}]`);
    }
  }

  /** a type by "schema.name" of its base type */
  byName(qualified: string, isArray: boolean): string {
    const bare = qualified.startsWith('pg_catalog.') ? qualified.slice('pg_catalog.'.length) : qualified;
    const base =
      this.enums.get(qualified) ?? this.composites.get(qualified) ?? this.rows.get(qualified) ?? (NUMBERS.has(bare) ? 'number' : (SCALARS[bare] ?? (bare === 'unknown' ? 'unknown' : 'string')));
    return isArray ? `${base}[]` : base;
  }

  /** a type as format_type prints it: "integer", "text[]", "public.status", "character varying(20)" */
  byText(text: string): string {
    const t = text.trim().replace(/^SETOF\s+/i, '');
    const isArray = t.endsWith('[]');
    const bare = t.replace(/(\[\])+$/, '').replace(/\(.*\)$/, '').replace(/"/g, '');
    return this.byName(bare.includes('.') ? bare : `pg_catalog.${FORMATTED[bare] ?? bare}`, isArray);
  }

  column(c: ColumnDef, nullable = !c.notNull): string {
    const t = this.byName(c.typeName, c.isArray);
    return nullable ? `${t} | null` : t;
  }
}

function table(p: Printer, t: TableDef): string[] {
  const filled = (c: ColumnDef) => c.default !== null || c.identity !== null || c.generated !== null || !c.notNull;
  // Generated columns and identity ALWAYS columns cannot be written.
  const readOnly = (c: ColumnDef) => c.generated !== null || c.identity === 'always';
  const cols = [...t.columns].sort((a, b) => a.position - b.position);
  const row = cols.map((c) => `${key(c.name)}: ${p.column(c)}`);
  const insert = cols.map((c) => (readOnly(c) ? `${key(c.name)}?: never` : `${key(c.name)}${filled(c) ? '?' : ''}: ${p.column(c)}`));
  const update = cols.map((c) => (readOnly(c) ? `${key(c.name)}?: never` : `${key(c.name)}?: ${p.column(c)}`));
  const unique = t.constraints.filter((c) => c.kind === 'primary' || c.kind === 'unique').map((c) => [...c.columns].sort().join(','));
  const relationships = t.constraints
    .filter((c) => c.kind === 'foreign' && c.references !== null)
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((c) => {
      const ref = c.references as NonNullable<typeof c.references>;
      const oneToOne = unique.includes([...c.columns].sort().join(','));
      return [
        '{',
        `  foreignKeyName: ${str(c.name)}`,
        `  columns: [${c.columns.map(str).join(', ')}]`,
        `  isOneToOne: ${oneToOne}`,
        `  referencedRelation: ${str(ref.table)}`,
        `  referencedColumns: [${ref.columns.map(str).join(', ')}]`,
        '},',
      ];
    });
  return [
    `${key(t.name)}: {`,
    '  Row: {',
    ...row.map((l) => `    ${l}`),
    '  }',
    '  Insert: {',
    ...insert.map((l) => `    ${l}`),
    '  }',
    '  Update: {',
    ...update.map((l) => `    ${l}`),
    '  }',
    relationships.length === 0 ? '  Relationships: []' : '  Relationships: [',
    ...relationships.flat().map((l) => `    ${l}`),
    ...(relationships.length === 0 ? [] : ['  ]']),
    '}',
  ];
}

/** Top-level commas only: "a integer, b numeric(10,2)" → two arguments. */
function splitArgs(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function functionType(p: Printer, identityArgs: string, returns: string | null): string[] | undefined {
  const args: string[] = [];
  for (const a of splitArgs(identityArgs)) {
    const m = /^(?:(IN|OUT|INOUT|VARIADIC)\s+)?(?:("(?:[^"]|"")+"|[A-Za-z_][\w$]*)\s+)?(.+)$/.exec(a);
    if (!m) return undefined;
    if (m[1] === 'OUT') continue;
    // PostgREST calls functions with named arguments only
    if (!m[2]) return undefined;
    args.push(`${key(m[2].replace(/^"|"$/g, ''))}: ${p.byText(m[3] as string)}`);
  }
  const r = (returns ?? 'void').trim();
  const table = /^TABLE\((.*)\)$/is.exec(r);
  let result: string;
  if (table) {
    const cols = splitArgs(table[1] as string).map((c) => {
      const m = /^("(?:[^"]|"")+"|[A-Za-z_][\w$]*)\s+(.+)$/.exec(c);
      return m ? `${key((m[1] as string).replace(/^"|"$/g, ''))}: ${p.byText(m[2] as string)}` : '';
    });
    result = `{ ${cols.join('; ')} }[]`;
  } else {
    result = /^SETOF\s/i.test(r) ? `${p.byText(r)}[]` : p.byText(r);
  }
  return [`  Args: ${args.length === 0 ? 'Record<PropertyKey, never>' : `{ ${args.join('; ')} }`}`, `  Returns: ${result}`];
}

function schemaBlock(p: Printer, input: SupabaseTypesInput, schema: string): string[] {
  const m = input.model;
  const tables = m.tables.filter((t) => t.schema === schema && t.kind !== 'partition');
  const views = m.views.filter((v) => v.schema === schema);
  const fns = m.functions.filter((f) => f.schema === schema && f.kind === 'function' && f.returns !== 'trigger' && f.returns !== 'event_trigger');
  const viewLines = views.flatMap((v) => {
    const cols = input.viewColumns.filter((c) => c.schema === schema && c.view === v.name);
    // PostgreSQL does not know whether a view's column can be NULL: like supabase gen types, say it can.
    return [`${key(v.name)}: {`, '  Row: {', ...cols.map((c) => `    ${key(c.name)}: ${p.byName(c.typeName, c.isArray)} | null`), '  }', '  Relationships: []', '}'];
  });
  const byName = new Map<string, string[][]>();
  for (const f of fns) {
    const t = functionType(p, f.identityArgs, f.returns);
    if (!t) continue;
    byName.set(f.name, [...(byName.get(f.name) ?? []), t]);
  }
  const fnLines = [...byName].flatMap(([name, overloads]) =>
    overloads.length === 1 ? [`${key(name)}: {`, ...(overloads[0] as string[]), '}'] : [`${key(name)}:`, ...overloads.flatMap((o) => ['  | {', ...o.map((l) => `  ${l}`), '    }'])],
  );
  const enumLines = m.enums.filter((e) => e.schema === schema).map((e) => `${key(e.name)}: ${e.labels.length === 0 ? 'never' : e.labels.map(str).join(' | ')}`);
  const compositeLines = m.compositeTypes
    .filter((c) => c.schema === schema)
    .flatMap((c) => [`${key(c.name)}: {`, ...c.attributes.map((a) => `  ${key(a.name)}: ${p.byText(a.type)} | null`), '}']);
  const section = (name: string, lines: string[]) =>
    lines.length === 0 ? [`  ${name}: {`, `    [_ in never]: never`, '  }'] : [`  ${name}: {`, ...lines.map((l) => `    ${l}`), '  }'];
  return [
    `${key(schema)}: {`,
    ...section('Tables', tables.flatMap((t) => table(p, t))),
    ...section('Views', viewLines),
    ...section('Functions', fnLines),
    ...section('Enums', enumLines),
    ...section('CompositeTypes', compositeLines),
    '}',
  ];
}

/** The module text (pure). */
export function renderSupabaseTypes(input: SupabaseTypesInput): string {
  const p = new Printer(input);
  const lines = [
    '// Generated by `pgsnap types --format supabase`. Do not edit: regenerate after changing the schema.',
    '// Use: createClient<Database>(url, key)',
    '',
    'export type Json = string | number | boolean | null | { [key: string]: Json | undefined } | Json[]',
    '',
    'export type Database = {',
    ...input.schemas.flatMap((s) => schemaBlock(p, input, s)).map((l) => `  ${l}`),
    '}',
    '',
    "type PublicSchema = Database[Extract<keyof Database, 'public'>]",
    '',
    '/** Row type of a table or view: Tables<"profiles"> */',
    "export type Tables<T extends keyof (PublicSchema['Tables'] & PublicSchema['Views'])> = (PublicSchema['Tables'] & PublicSchema['Views'])[T] extends { Row: infer R } ? R : never",
    "export type TablesInsert<T extends keyof PublicSchema['Tables']> = PublicSchema['Tables'][T]['Insert']",
    "export type TablesUpdate<T extends keyof PublicSchema['Tables']> = PublicSchema['Tables'][T]['Update']",
    "export type Enums<T extends keyof PublicSchema['Enums']> = PublicSchema['Enums'][T]",
    '',
  ];
  return lines.join('\n');
}

async function readViewColumns(s: Session, schemas: readonly string[]): Promise<ViewColumn[]> {
  const r = await s.query<{ j: string }>(
    `SELECT coalesce(json_agg(q ORDER BY q.schema, q.view, q.pos), '[]')::text AS j FROM (
       SELECT n.nspname AS schema, c.relname AS view, a.attname AS name, a.attnum AS pos,
              bn.nspname || '.' || bt.typname AS "typeName", (t.typelem <> 0 AND t.typlen = -1) AS "isArray"
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
         JOIN pg_catalog.pg_type bt ON bt.oid = CASE WHEN t.typelem <> 0 AND t.typlen = -1 THEN t.typelem ELSE t.oid END
         JOIN pg_catalog.pg_namespace bn ON bn.oid = bt.typnamespace
        WHERE c.relkind IN ('v', 'm') AND n.nspname = ANY($1)) q`,
    [schemas],
  );
  return JSON.parse(r.rows[0]?.j ?? '[]') as ViewColumn[];
}

/** Read the database and print the module; `schemas` defaults to public, as `supabase gen types` does. */
export async function generateSupabaseTypes(target: ConnectionTarget, schemas: readonly string[] = []): Promise<string> {
  const wanted = schemas.length > 0 ? [...schemas] : ['public'];
  return withSession(target, async (s) => {
    const model = await introspect(s, { include: wanted });
    const viewColumns = await readViewColumns(s, wanted);
    return renderSupabaseTypes({ model, viewColumns, schemas: wanted.filter((w) => model.schemas.some((m) => m.name === w)) });
  });
}
