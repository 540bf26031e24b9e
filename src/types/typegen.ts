import * as introspectModule from '@databases/pg-schema-introspect';
import { type Queryable, type Schema, type SchemaQuery, connect, sql } from '@databases/pg-schema-introspect';
import { printSchema } from '@databases/pg-schema-print-types';
import { PgsnapError } from '../errors.js';
import { type TypeColumn, type TypeEnum, printKyselyTypes } from './kysely-types.js';

/**
 * TypeScript types for the tables of a database, printed by @databases/pg-schema-print-types from what
 * @databases/pg-schema-introspect reads. Its per-table files are merged into one module, every schema's types
 * prefixed by the schema (`AuthUsers`) except `public`'s, with one `Tables` interface keyed by table name — so a
 * query builder typed with it (`Kysely<Tables>`) refuses a table no schema file defines.
 */

// The package is CommonJS with `exports.default`; under Node's ESM interop the function can sit one level down.
const getSchema = (() => {
  const m = introspectModule as unknown as { default: unknown };
  const d = m.default as ((...a: unknown[]) => unknown) | { default: unknown };
  return (typeof d === 'function' ? d : d.default) as (connection: Queryable, query?: SchemaQuery) => Promise<Schema>;
})();

export interface TypegenOptions {
  /** schemas to print (default: every non-system schema that has tables) */
  readonly schemas?: readonly string[];
}

type Db = ReturnType<typeof connect>;

function pascal(s: string): string {
  return s.replace(/(^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_m, _sep, c: string) => c.toUpperCase());
}

async function schemasWithTables(db: Db): Promise<string[]> {
  const rows = (await db.query(sql`
    SELECT DISTINCT n.nspname AS name
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
    ORDER BY 1`)) as { name: string }[];
  return rows.map((r) => r.name);
}

/**
 * Identity and generated columns have no pg_attrdef default (identity) or one the printer takes for a value
 * (generated); either way the database fills them in, so they are optional on insert.
 */
async function markServerFilled(db: Db, schema: Schema, schemaName: string): Promise<Schema> {
  const rows = (await db.query(sql`
    SELECT a.attrelid::int AS "classID", a.attnum AS "attributeNumber"
    FROM pg_catalog.pg_attribute a
    JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ${schemaName} AND a.attnum > 0 AND NOT a.attisdropped
      AND (a.attidentity <> '' OR a.attgenerated <> '')`)) as { classID: number; attributeNumber: number }[];
  const filled = new Set(rows.map((r) => `${r.classID}:${r.attributeNumber}`));
  return {
    ...schema,
    classes: schema.classes.map((c) => ({
      ...c,
      attributes: c.attributes.map((a) => (filled.has(`${c.classID}:${a.attributeNumber}`) ? { ...a, hasDefault: true } : a)),
    })),
  };
}

/** Merge the printer's files into one module: local imports dropped, every declaration exported once. */
function mergeFiles(files: readonly { content: string }[]): string[] {
  const out: string[] = [];
  for (const { content } of files) {
    const lines = content.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      if (/^import .* from '\.\/.*'$/.test(line) || /^export default \w+;$/.test(line) || /^export \{\w+\}$/.test(line)) continue;
      if (/^export type \{/.test(line)) {
        while (i < lines.length && !(lines[i] as string).includes('}')) i++;
        continue;
      }
      out.push(line.replace(/^(interface|type|function|enum|const) /, 'export $1 '));
    }
  }
  return out;
}

async function printOne(db: Db, schemaName: string): Promise<{ text: string[]; tables: { key: string; type: string }[] }> {
  const prefix = schemaName === 'public' ? '' : pascal(schemaName);
  const schema = await markServerFilled(db, await getSchema(db, { schemaName }), schemaName);
  const files = printSchema(schema, {
    tableTypeName: `${prefix}{{ TABLE_NAME | pascal-case }}`,
    tableInsertParametersTypeName: `${prefix}{{ TABLE_NAME | pascal-case }}_InsertParameters`,
    enumTypeName: `${prefix}{{ TYPE_NAME | pascal-case }}`,
    domainTypeName: `${prefix}{{ TYPE_NAME | pascal-case }}`,
    primaryKeyTypeMode: 'inline_no_brand',
    schemaTypeName: `${prefix}DatabaseSchema`,
    serializeValueTypeName: `serialize${prefix}Value`,
    schemaJsonFileName: null,
    // node-postgres returns int8 and numeric as strings (no precision lost), json as parsed values of any shape
    typeOverrides: { '20': 'string', '1700': 'string', '114': 'unknown', '3802': 'unknown' },
  });
  const tables = schema.classes
    .filter((c) => String(c.kind) === 'r' || String(c.kind) === 'p')
    .map((c) => ({ key: schemaName === 'public' ? c.className : `${schemaName}.${c.className}`, type: `${prefix}${pascal(c.className)}` }))
    .sort((a, b) => a.key.localeCompare(b.key, 'en'));
  return { text: mergeFiles(files), tables };
}

/** The whole module for a database URL. */
export async function generateTypes(url: string, options: TypegenOptions = {}): Promise<string> {
  const db = connect({ connectionString: url, bigIntMode: 'string' });
  try {
    const schemas = options.schemas && options.schemas.length > 0 ? [...options.schemas] : await schemasWithTables(db);
    const parts: string[] = [];
    const tables: { key: string; type: string }[] = [];
    for (const s of schemas) {
      const printed = await printOne(db, s);
      parts.push(`// ---- schema ${s} ----`, ...printed.text);
      tables.push(...printed.tables);
    }
    const header = [
      '// Generated by `pgsnap types`. Do not edit: regenerate after changing the schema files.',
      '/* eslint-disable */',
      '',
    ];
    const index = [
      '',
      '/** Every table by name (schema-qualified outside public), e.g. for `new Kysely<Tables>(…)`. */',
      'export interface Tables {',
      ...tables.map((t) => `  ${/^[A-Za-z_$][\w$]*$/.test(t.key) ? t.key : JSON.stringify(t.key)}: ${t.type};`),
      '}',
      '',
    ];
    return `${[...header, ...parts, ...index].join('\n').replace(/\n{3,}/g, '\n\n')}`;
  } catch (e) {
    if (e instanceof PgsnapError) throw e;
    throw new PgsnapError('connection', `could not read the database for types: ${(e as Error).message}`, { cause: e });
  } finally {
    await db.dispose().catch(() => {});
  }
}

/**
 * The Kysely module (kysely-types.ts) for a database URL: every column of every table, view and materialized view
 * outside system and extension-owned objects, with what decides its insert type (default, identity, generated).
 */
export async function generateKyselyTypes(url: string, options: TypegenOptions = {}): Promise<string> {
  const db = connect({ connectionString: url, bigIntMode: 'string' });
  const only = options.schemas && options.schemas.length > 0 ? [...options.schemas] : null;
  try {
    const columns = (await db.query(sql`
      SELECT n.nspname AS schema, c.relname AS "table", c.relkind AS relkind, a.attname AS "column",
             a.attnotnull AS "notNull", a.atthasdef AS "hasDefault", a.attidentity AS identity, a.attgenerated AS generated,
             CASE WHEN bn.nspname = 'pg_catalog' THEN b.typname ELSE bn.nspname || '.' || b.typname END AS type,
             t.typcategory = 'A' AS "isArray"
      FROM pg_catalog.pg_attribute a
      JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
      -- arrays by their element, domains by their base type
      JOIN pg_catalog.pg_type e ON e.oid = CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE t.oid END
      JOIN pg_catalog.pg_type b ON b.oid = CASE WHEN e.typtype = 'd' THEN e.typbasetype ELSE e.oid END
      JOIN pg_catalog.pg_namespace bn ON bn.oid = b.typnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
        AND (${only}::text[] IS NULL OR n.nspname = ANY(${only}::text[]))
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
      ORDER BY n.nspname, c.relname, a.attnum`)) as TypeColumn[];
    const enums = (await db.query(sql`
      SELECT n.nspname AS schema, t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
      FROM pg_catalog.pg_type t
      JOIN pg_catalog.pg_enum e ON e.enumtypid = t.oid
      JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
      GROUP BY n.nspname, t.typname
      ORDER BY 1, 2`)) as TypeEnum[];
    return printKyselyTypes(columns, enums);
  } catch (e) {
    if (e instanceof PgsnapError) throw e;
    throw new PgsnapError('connection', `could not read the database for types: ${(e as Error).message}`, { cause: e });
  } finally {
    await db.dispose().catch(() => {});
  }
}
