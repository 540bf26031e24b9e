import { loadModule, parseSync } from 'libpg-query';
import { byteToCharOffsets } from '../position.js';

/**
 * Table and column references in one SQL text, found by the real PostgreSQL parser (libpg-query, a WASM build
 * of the server's own grammar). Pure apart from the one-time module load below.
 */

// The parser is WASM and must be instantiated once before its synchronous API works. Top-level await keeps every
// caller synchronous (and `scanSource` pure) after the first import.
await loadModule();

interface SqlReference {
  readonly kind: 'table' | 'column' | 'function';
  readonly schema?: string;
  /** table name, or column name for a column */
  readonly name: string;
  /** for a column: its table */
  readonly table?: string;
  /** offset in the SQL text, UTF-16 code units */
  readonly offset: number;
}

export interface SqlAnalysis {
  readonly references: readonly SqlReference[];
  /**
   * true when the text has structure that prose never has (a WHERE, a join, `*`, a parameter, several select
   * items, a statement other than SELECT/DELETE…). "select a file from your computer" is valid SQL — a column
   * `a` aliased `file` from a table `your` aliased `computer` — and must not be taken for a query when it is just
   * a string in the UI.
   */
  readonly shaped: boolean;
}

const LEADING_KEYWORDS = new Set(['select', 'insert', 'update', 'delete', 'with', 'create', 'alter', 'drop', 'truncate', 'merge']);

/** Cheap pre-filter: does the text start (after blanks, comments and parentheses) with a statement keyword? */
export function looksLikeSql(text: string): boolean {
  let i = 0;
  const n = text.length;
  for (;;) {
    while (i < n && (text.charCodeAt(i) <= 32 || text[i] === '(')) i++;
    if (text.startsWith('--', i)) {
      const nl = text.indexOf('\n', i);
      if (nl === -1) return false;
      i = nl + 1;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end === -1) return false;
      i = end + 2;
    } else break;
  }
  let j = i;
  while (j < n && /[A-Za-z]/.test(text[j] as string)) j++;
  if (j === i || j - i > 8) return false;
  if (j < n && !/[\s(]/.test(text[j] as string)) return false;
  return LEADING_KEYWORDS.has(text.slice(i, j).toLowerCase());
}

type Json = { readonly [key: string]: unknown };

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return isObject(v) && isObject(v.String) && typeof v.String.sval === 'string' ? v.String.sval : undefined;
}

/** Parse and return the tree, or undefined when the text is not SQL PostgreSQL accepts. */
function parseSql(sql: string): Json | undefined {
  if (sql.trim() === '') return undefined;
  try {
    return parseSync(sql) as Json;
  } catch {
    return undefined;
  }
}

// Keys whose presence means "this was written as a query": see SqlAnalysis.shaped.
const SHAPE_KEYS = new Set([
  'whereClause', 'groupClause', 'sortClause', 'limitCount', 'limitOffset', 'havingClause', 'A_Star', 'JoinExpr',
  'ParamRef', 'FuncCall', 'valuesLists', 'withClause', 'returningClause', 'larg', 'usingClause', 'TypeCast',
]);
const NESTING_KEYS = new Set(['SubLink', 'RangeSubselect', 'RangeFunction', 'JoinExpr', 'CommonTableExpr', 'larg', 'RangeTableFunc', 'RangeTableSample']);
const PROSE_LIKE_STATEMENTS = new Set(['SelectStmt', 'DeleteStmt']);
// The relation a DDL statement creates is a definition, not a use.
const DEFINING = { CreateStmt: 'relation', ViewStmt: 'view', CreateSeqStmt: 'sequence', CompositeTypeStmt: 'typevar' } as const;
/**
 * Statements that define or change objects rather than query them. In a migration kept with the code, the table a
 * REFERENCES clause names, the columns of a CHECK, the table an index or trigger or policy is on, are parts of
 * definitions, not uses (a CHECK's columns would otherwise be taken for columns of the REFERENCES target). Views
 * and CREATE TABLE AS still use the tables of their query.
 */
const DEFINITION_STATEMENTS = new Set([
  'CreateStmt', 'AlterTableStmt', 'IndexStmt', 'CreateTrigStmt', 'CreatePolicyStmt', 'AlterPolicyStmt', 'CommentStmt',
  'GrantStmt', 'RenameStmt', 'DropStmt', 'AlterOwnerStmt', 'CreateSeqStmt', 'AlterSeqStmt', 'CompositeTypeStmt',
  'CreateEnumStmt', 'AlterEnumStmt', 'CreateDomainStmt', 'AlterDomainStmt', 'AlterObjectSchemaStmt', 'CreateFunctionStmt',
  'CreateSchemaStmt', 'CreateExtensionStmt', 'RuleStmt', 'AlterDefaultPrivilegesStmt', 'CreatePublicationStmt',
  'AlterPublicationStmt', 'ClusterStmt', 'VacuumStmt', 'ReindexStmt',
]);
// Functions there come with PostgreSQL or its extensions (Supabase installs extensions into `extensions`).
const BUILTIN_SCHEMAS = new Set(['pg_catalog', 'information_schema', 'extensions']);
const SYSTEM_COLUMNS = new Set(['ctid', 'xmin', 'xmax', 'cmin', 'cmax', 'tableoid', 'oid']);

interface Relation {
  readonly schema?: string;
  readonly name: string;
}

interface PendingColumn {
  readonly qualifier: readonly string[];
  readonly name: string;
  readonly location: number;
}

/**
 * Tables (RangeVar nodes, without CTE names, aliases or set-returning functions) and the columns that can be
 * attributed to a table with certainty: qualified by a table name or alias (`p.name`), the column list of an
 * INSERT, the SET list of an UPDATE.
 */
export function analyzeSql(sql: string): SqlAnalysis | undefined {
  const tree = parseSql(sql);
  if (!tree) return undefined;
  const toChar = byteToCharOffsets(sql);
  const all: SqlReference[] = [];
  let shaped = false;
  const stmts = Array.isArray(tree.stmts) ? tree.stmts : [];
  for (const raw of stmts) {
    const stmt = isObject(raw) && isObject(raw.stmt) ? raw.stmt : undefined;
    if (!stmt) continue;
    const kind = Object.keys(stmt)[0] ?? '';
    const body = stmt[kind];
    if (!PROSE_LIKE_STATEMENTS.has(kind)) shaped = true;
    if (DEFINITION_STATEMENTS.has(kind)) continue;
    if (isObject(body) && ((Array.isArray(body.targetList) && body.targetList.length > 1) || (Array.isArray(body.fromClause) && body.fromClause.length > 1))) {
      shaped = true;
    }
    const ctes = new Set<string>();
    const skip = new WeakSet<object>();
    // alias (or bare table name) → the table it stands for; null when it stands for a subquery, a CTE, a
    // function, or two different tables in different scopes
    const aliases = new Map<string, Relation | null>();
    const pending: PendingColumn[] = [];
    const references: SqlReference[] = [];
    const outputNames = new Set<string>();
    const sources: Relation[] = [];
    // anything in scope besides plain tables: then an unqualified column could belong to it
    let nested = false;
    const bind = (alias: string, rel: Relation | null) => {
      const known = aliases.get(alias);
      if (known === undefined) aliases.set(alias, rel);
      else if (known !== null && (rel === null || known.name !== rel.name || known.schema !== rel.schema)) aliases.set(alias, null);
    };
    const collectCtes = (node: unknown): void => {
      if (Array.isArray(node)) for (const x of node) collectCtes(x);
      else if (isObject(node)) {
        if (isObject(node.CommonTableExpr) && typeof node.CommonTableExpr.ctename === 'string') ctes.add(node.CommonTableExpr.ctename);
        for (const v of Object.values(node)) collectCtes(v);
      }
    };
    collectCtes(stmt);

    const targetColumns = (rel: Relation, targets: unknown) => {
      if (!Array.isArray(targets)) return;
      for (const t of targets) {
        const rt = isObject(t) && isObject(t.ResTarget) ? t.ResTarget : undefined;
        if (rt && typeof rt.name === 'string' && typeof rt.location === 'number') {
          references.push({ kind: 'column', ...schemaOf(rel), table: rel.name, name: rt.name, offset: toChar(rt.location) });
        }
      }
    };

    const walk = (node: unknown): void => {
      if (Array.isArray(node)) {
        for (const x of node) walk(x);
        return;
      }
      if (!isObject(node) || skip.has(node)) return;
      if (typeof node.relname === 'string') {
        rangeVar(node);
        return;
      }
      for (const [key, value] of Object.entries(node)) {
        if (NESTING_KEYS.has(key)) nested = true;
        if (key === 'ResTarget' && isObject(value) && typeof value.name === 'string') outputNames.add(value.name);
        if (SHAPE_KEYS.has(key) && value !== undefined && !(Array.isArray(value) && value.length === 0)) shaped = true;
        if (!isObject(value)) {
          walk(value);
          continue;
        }
        if (Object.hasOwn(DEFINING, key)) {
          const target = value[DEFINING[key as keyof typeof DEFINING]];
          if (isObject(target)) skip.add(target);
        } else if (key === 'CreateTableAsStmt' && isObject(value.into) && isObject(value.into.rel)) {
          skip.add(value.into.rel);
        } else if (key === 'ColumnDef' && isObject(value.identitySequence)) {
          skip.add(value.identitySequence);
        } else if (key === 'ColumnRef') {
          columnRef(value);
        } else if (key === 'FuncCall') {
          functionCall(value);
        } else if (key === 'RangeSubselect' || key === 'RangeFunction' || key === 'JoinExpr') {
          const alias = isObject(value.alias) ? value.alias.aliasname : undefined;
          if (typeof alias === 'string') bind(alias, null);
        } else if ((key === 'InsertStmt' || key === 'UpdateStmt') && isObject(value.relation)) {
          const rel = relationOf(value.relation);
          if (rel) targetColumns(rel, key === 'InsertStmt' ? value.cols : value.targetList);
        }
        walk(value);
      }
    };

    const relationOf = (rv: Json): Relation | undefined => {
      if (typeof rv.relname !== 'string') return undefined;
      if (typeof rv.schemaname !== 'string' && ctes.has(rv.relname)) return undefined;
      return { ...(typeof rv.schemaname === 'string' ? { schema: rv.schemaname } : {}), name: rv.relname };
    };

    const rangeVar = (rv: Json) => {
      const alias = isObject(rv.alias) && typeof rv.alias.aliasname === 'string' ? rv.alias.aliasname : undefined;
      const rel = relationOf(rv);
      if (!rel) {
        // a CTE: its name (and alias) stand for the CTE, not a table
        bind(alias ?? (rv.relname as string), null);
        return;
      }
      references.push({ kind: 'table', ...schemaOf(rel), name: rel.name, offset: toChar(typeof rv.location === 'number' ? rv.location : 0) });
      sources.push(rel);
      bind(alias ?? rel.name, rel);
      if (!alias && rel.schema) bind(`${rel.schema}.${rel.name}`, rel);
    };

    // `select app.login($1, $2)`: a schema-qualified function is the application's and must be defined, like
    // `.rpc()`. Unqualified calls are not reported: they are nearly always built-ins (now(), count(), coalesce()).
    const functionCall = (call: Json) => {
      const parts = (Array.isArray(call.funcname) ? call.funcname : []).map(str);
      if (parts.length !== 2 || parts.some((p) => p === undefined)) return;
      const [schema, name] = parts as [string, string];
      if (BUILTIN_SCHEMAS.has(schema)) return;
      references.push({ kind: 'function', schema, name, offset: toChar(typeof call.location === 'number' ? call.location : 0) });
    };

    const columnRef = (ref: Json) => {
      const fields = Array.isArray(ref.fields) ? ref.fields : [];
      if (fields.length > 3) return;
      const parts = fields.map(str);
      if (parts.some((p) => p === undefined)) return; // t.* and friends
      const names = parts as string[];
      if (names.length >= 2) shaped = true; // `p.name`: prose has no qualified names
      pending.push({ qualifier: names.slice(0, -1), name: names[names.length - 1] as string, location: typeof ref.location === 'number' ? ref.location : 0 });
    };

    walk(stmt);
    // With exactly one table and nothing else in scope (no join, subquery, CTE, function in FROM), an unqualified
    // column is that table's — unless it names an output column (`ORDER BY n` after `count(*) AS n`).
    const sole = sources.length === 1 && !nested ? sources[0] : undefined;
    for (const col of pending) {
      if (SYSTEM_COLUMNS.has(col.name)) continue;
      if (col.qualifier.length === 0) {
        if (sole && !outputNames.has(col.name) && !aliases.has(col.name)) references.push({ kind: 'column', ...schemaOf(sole), table: sole.name, name: col.name, offset: toChar(col.location) });
        continue;
      }
      const rel = aliases.get(col.qualifier.join('.'));
      if (!rel) continue;
      references.push({ kind: 'column', ...schemaOf(rel), table: rel.name, name: col.name, offset: toChar(col.location) });
    }
    all.push(...references);
  }
  return { references: all, shaped };
}

function schemaOf(rel: Relation): { schema?: string } {
  return rel.schema === undefined ? {} : { schema: rel.schema };
}

/**
 * Driver placeholders that PostgreSQL's grammar does not know (`?`, `%s`, `%(name)s`, `:name`) replaced by a
 * literal `0` padded to the same length, so that offsets still point into the original text. Quoted strings,
 * quoted identifiers, `::` casts and `$1` parameters are left alone.
 */
export function neutralizePlaceholders(sql: string): string {
  const out: string[] = [];
  let i = 0;
  const n = sql.length;
  const pad = (len: number) => `0${' '.repeat(len - 1)}`;
  while (i < n) {
    const c = sql[i] as string;
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      const stop = end === -1 ? n : end + 1;
      out.push(sql.slice(i, stop));
      i = stop;
    } else if (c === '?' && !/[?|&#-]/.test(sql[i + 1] ?? '') && !/[?|&#@-]/.test(sql[i - 1] ?? '')) {
      // `?` alone; `?|`, `?&`, `@?` … are jsonb operators
      out.push('0');
      i++;
    } else if (c === '%' && sql[i + 1] === 's') {
      out.push(pad(2));
      i += 2;
    } else if (c === '%' && sql[i + 1] === '(') {
      const close = sql.indexOf(')s', i);
      if (close === -1) {
        out.push(c);
        i++;
      } else {
        out.push(pad(close + 2 - i));
        i = close + 2;
      }
    } else if (c === ':' && sql[i - 1] !== ':' && (sql[i + 1] === "'" || sql[i + 1] === '"')) {
      // psql's :'name' and :"name"
      const end = sql.indexOf(sql[i + 1] as string, i + 2);
      const stop = end === -1 ? n : end + 1;
      out.push(pad(stop - i));
      i = stop;
    } else if (c === ':' && sql[i + 1] !== ':' && sql[i - 1] !== ':' && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      let j = i + 1;
      while (j < n && /\w/.test(sql[j] as string)) j++;
      out.push(pad(j - i));
      i = j;
    } else {
      out.push(c);
      i++;
    }
  }
  return out.join('');
}

/** analyzeSql, retried with driver placeholders neutralised when the text does not parse as it is. */
export function analyzeSqlLenient(sql: string): SqlAnalysis | undefined {
  const direct = analyzeSql(sql);
  if (direct) return direct;
  const neutral = neutralizePlaceholders(sql);
  return neutral === sql ? undefined : analyzeSql(neutral);
}
