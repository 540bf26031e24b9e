import fs from 'node:fs';
import path from 'node:path';
import { type SqlError, hasSqlDetails, parseSync } from 'libpg-query';
import { PgsnapError } from '../errors.js';
import type { SourceLocation } from '../report/finding.js';
import { byteToCharOffsets, lineIndex } from './position.js';
import './sql.js'; // loads the parser module

/**
 * What the committed schema files define, read with the real PostgreSQL parser (no database): every schema,
 * extension, table, view, materialized view, function, type, sequence, index, trigger, policy, named constraint
 * and column, with the file and line that creates it. Files are read in name order, as they are applied, and
 * later statements are followed: `ALTER TABLE … RENAME`, `ADD/DROP COLUMN`, `SET SCHEMA`, `DROP …`,
 * `SET search_path`.
 */

export type DefinedKind =
  | 'schema' | 'extension' | 'table' | 'view' | 'materialized view' | 'function' | 'procedure' | 'type' | 'enum'
  | 'domain' | 'sequence' | 'index' | 'trigger' | 'policy' | 'constraint' | 'column';

export interface DefinedObject {
  readonly kind: DefinedKind;
  /** the schema (for schemas and extensions: the name itself) */
  readonly schema: string;
  readonly name: string;
  /** for columns, triggers, policies and constraints: the table */
  readonly table?: string;
  /** fully qualified as drift findings spell it: `public.t`, `public.t.col`, `public.t.trigger`, `public.idx`, `citext` */
  readonly object: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export interface DefinedRelation extends DefinedObject {
  readonly kind: 'table' | 'view' | 'materialized view';
  /** column names, or null when the files do not say (views, CREATE TABLE AS, OF type, LIKE) */
  readonly columns: readonly string[] | null;
}

export interface SchemaDefinitions {
  /** the schema files read, in order (paths as given) */
  readonly files: readonly string[];
  /** every object that still exists after all files, in file order */
  readonly objects: readonly DefinedObject[];
  readonly relations: readonly DefinedRelation[];
}

type Json = { readonly [key: string]: unknown };
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const sval = (v: unknown): string | undefined => (isObject(v) && isObject(v.String) && typeof v.String.sval === 'string' ? v.String.sval : undefined);
const names = (v: unknown): string[] => list(v).map(sval).filter((s): s is string => s !== undefined);

const RELATION_KINDS: Record<string, DefinedRelation['kind']> = { OBJECT_TABLE: 'table', OBJECT_VIEW: 'view', OBJECT_MATVIEW: 'materialized view' };
const DROP_KINDS: Record<string, DefinedKind[]> = {
  OBJECT_TABLE: ['table'], OBJECT_VIEW: ['view'], OBJECT_MATVIEW: ['materialized view'], OBJECT_SEQUENCE: ['sequence'],
  OBJECT_INDEX: ['index'], OBJECT_TYPE: ['type', 'enum'], OBJECT_DOMAIN: ['domain'], OBJECT_FUNCTION: ['function'],
  OBJECT_PROCEDURE: ['procedure'], OBJECT_ROUTINE: ['function', 'procedure'], OBJECT_SCHEMA: ['schema'],
  OBJECT_EXTENSION: ['extension'], OBJECT_TRIGGER: ['trigger'], OBJECT_POLICY: ['policy'],
};

interface Entry {
  kind: DefinedKind;
  schema: string;
  name: string;
  table?: string;
  file: string;
  line: number;
  column: number;
  columns?: string[] | null;
}

function objectName(e: Pick<Entry, 'kind' | 'schema' | 'name' | 'table'>): string {
  if (e.kind === 'schema' || e.kind === 'extension') return e.name;
  return e.table === undefined ? `${e.schema}.${e.name}` : `${e.schema}.${e.table}.${e.name}`;
}

class Builder {
  readonly entries: Entry[] = [];
  searchPath = ['public'];

  constructor(private readonly at: (byteOffset: number) => { file: string; line: number; column: number }) {}

  private find(kinds: readonly DefinedKind[], schema: string | undefined, name: string, table?: string): Entry | undefined {
    const schemas = schema === undefined ? this.searchPath : [schema];
    for (const s of schemas) {
      const e = this.entries.find((x) => kinds.includes(x.kind) && x.schema === s && x.name === name && x.table === table);
      if (e) return e;
    }
    return undefined;
  }

  private relation(rv: unknown): { schema: string | undefined; name: string } | undefined {
    if (!isObject(rv) || typeof rv.relname !== 'string') return undefined;
    return { schema: typeof rv.schemaname === 'string' ? rv.schemaname : undefined, name: rv.relname };
  }

  add(e: Omit<Entry, 'file' | 'line' | 'column'>, byteOffset: number): Entry {
    const existing = this.entries.findIndex((x) => x.kind === e.kind && x.schema === e.schema && x.name === e.name && x.table === e.table && e.kind !== 'function' && e.kind !== 'procedure');
    const entry = { ...e, ...this.at(byteOffset) };
    if (existing !== -1) this.entries.splice(existing, 1, entry);
    else this.entries.push(entry);
    return entry;
  }

  private remove(kinds: readonly DefinedKind[], schema: string | undefined, name: string, table?: string): void {
    const e = this.find(kinds, schema, name, table);
    if (!e) return;
    const children = (x: Entry) => x.table === e.name && x.schema === e.schema && e.table === undefined && ['table', 'view', 'materialized view'].includes(e.kind);
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const x = this.entries[i] as Entry;
      if (x === e || children(x) || (e.kind === 'schema' && x.schema === e.name && x.kind !== 'extension')) this.entries.splice(i, 1);
    }
  }

  private columnsOf(table: Entry, names: string[], offsets: number[]): void {
    table.columns = [...(table.columns ?? []), ...names];
    names.forEach((n, i) => {
      this.add({ kind: 'column', schema: table.schema, table: table.name, name: n }, offsets[i] ?? 0);
    });
  }

  statement(stmt: Json, location: number): void {
    const kind = Object.keys(stmt)[0] ?? '';
    const s = stmt[kind];
    if (!isObject(s)) return;
    const here = (rv: unknown) => (isObject(rv) && typeof rv.location === 'number' ? rv.location : location);
    const schemaFor = (explicit: string | undefined) => explicit ?? this.searchPath[0] ?? 'public';
    switch (kind) {
      case 'VariableSetStmt': {
        if (s.name === 'search_path' && s.kind === 'VAR_SET_VALUE') {
          const path = list(s.args).map((a) => (isObject(a) && isObject(a.A_Const) && isObject(a.A_Const.sval) ? a.A_Const.sval.sval : undefined));
          const schemas = path.filter((p): p is string => typeof p === 'string' && p !== '$user' && p !== 'pg_catalog');
          if (schemas.length > 0) this.searchPath = schemas;
        }
        return;
      }
      case 'CreateSchemaStmt': {
        if (typeof s.schemaname !== 'string') return;
        this.add({ kind: 'schema', schema: s.schemaname, name: s.schemaname }, location);
        const saved = this.searchPath;
        this.searchPath = [s.schemaname];
        for (const el of list(s.schemaElts)) if (isObject(el)) this.statement(el, location);
        this.searchPath = saved;
        return;
      }
      case 'CreateExtensionStmt':
        if (typeof s.extname === 'string') this.add({ kind: 'extension', schema: s.extname, name: s.extname }, location);
        return;
      case 'CreateStmt': {
        const rel = this.relation(s.relation);
        if (!rel || (isObject(s.relation) && s.relation.relpersistence === 't')) return;
        const schema = schemaFor(rel.schema);
        let unknown = s.ofTypename !== undefined;
        const cols: string[] = [];
        const offsets: number[] = [];
        for (const parent of list(s.inhRelations)) {
          const p = this.relation(isObject(parent) ? parent.RangeVar : undefined);
          const known = p && this.find(['table'], p.schema, p.name);
          if (known?.columns) cols.push(...known.columns.filter((c) => !cols.includes(c)));
          else unknown = true;
          offsets.length = cols.length;
          offsets.fill(here(s.relation));
        }
        const table = this.add({ kind: 'table', schema, name: rel.name, columns: [] }, here(s.relation));
        for (const el of list(s.tableElts)) {
          if (!isObject(el)) continue;
          if (isObject(el.ColumnDef) && typeof el.ColumnDef.colname === 'string') {
            cols.push(el.ColumnDef.colname);
            offsets.push(typeof el.ColumnDef.location === 'number' ? el.ColumnDef.location : location);
          } else if (isObject(el.TableLikeClause)) unknown = true;
          else if (isObject(el.Constraint) && typeof el.Constraint.conname === 'string') {
            this.add({ kind: 'constraint', schema, table: rel.name, name: el.Constraint.conname }, typeof el.Constraint.location === 'number' ? el.Constraint.location : location);
          }
        }
        this.columnsOf(table, cols, offsets);
        if (unknown) table.columns = null;
        return;
      }
      case 'ViewStmt': {
        const rel = this.relation(s.view);
        if (rel) this.add({ kind: 'view', schema: schemaFor(rel.schema), name: rel.name, columns: null }, here(s.view));
        return;
      }
      case 'CreateTableAsStmt': {
        const into = isObject(s.into) ? s.into.rel : undefined;
        const rel = this.relation(into);
        const k = s.objtype === 'OBJECT_MATVIEW' ? 'materialized view' : 'table';
        if (rel) this.add({ kind: k, schema: schemaFor(rel.schema), name: rel.name, columns: null }, here(into));
        return;
      }
      case 'CreateFunctionStmt': {
        const n = names(s.funcname);
        const name = n[n.length - 1];
        if (name) this.add({ kind: s.is_procedure ? 'procedure' : 'function', schema: schemaFor(n.length > 1 ? n[0] : undefined), name }, location);
        return;
      }
      case 'CompositeTypeStmt': {
        const rel = this.relation(s.typevar);
        if (rel) this.add({ kind: 'type', schema: schemaFor(rel.schema), name: rel.name }, here(s.typevar));
        return;
      }
      case 'CreateEnumStmt':
      case 'CreateRangeStmt':
      case 'CreateDomainStmt': {
        const n = names(kind === 'CreateDomainStmt' ? s.domainname : s.typeName);
        const name = n[n.length - 1];
        const k = kind === 'CreateEnumStmt' ? 'enum' : kind === 'CreateDomainStmt' ? 'domain' : 'type';
        if (name) this.add({ kind: k, schema: schemaFor(n.length > 1 ? n[0] : undefined), name }, location);
        return;
      }
      case 'CreateSeqStmt': {
        const rel = this.relation(s.sequence);
        if (rel) this.add({ kind: 'sequence', schema: schemaFor(rel.schema), name: rel.name }, here(s.sequence));
        return;
      }
      case 'IndexStmt': {
        const rel = this.relation(s.relation);
        if (rel && typeof s.idxname === 'string') {
          const table = this.find(['table', 'materialized view'], rel.schema, rel.name);
          this.add({ kind: 'index', schema: table?.schema ?? schemaFor(rel.schema), name: s.idxname }, location);
        }
        return;
      }
      case 'CreateTrigStmt':
      case 'CreatePolicyStmt': {
        const rv = kind === 'CreateTrigStmt' ? s.relation : s.table;
        const rel = this.relation(rv);
        const name = kind === 'CreateTrigStmt' ? s.trigname : s.policy_name;
        if (!rel || typeof name !== 'string') return;
        const table = this.find(['table', 'view', 'materialized view'], rel.schema, rel.name);
        this.add({ kind: kind === 'CreateTrigStmt' ? 'trigger' : 'policy', schema: table?.schema ?? schemaFor(rel.schema), table: rel.name, name }, location);
        return;
      }
      case 'AlterTableStmt': {
        const rel = this.relation(s.relation);
        const table = rel && this.find(['table', 'view', 'materialized view'], rel.schema, rel.name);
        if (!table) return;
        for (const c of list(s.cmds)) {
          const cmd = isObject(c) && isObject(c.AlterTableCmd) ? c.AlterTableCmd : undefined;
          if (!cmd) continue;
          const def = isObject(cmd.def) ? cmd.def : {};
          if (cmd.subtype === 'AT_AddColumn' && isObject(def.ColumnDef) && typeof def.ColumnDef.colname === 'string') {
            if (table.columns !== null) this.columnsOf(table, [def.ColumnDef.colname], [typeof def.ColumnDef.location === 'number' ? def.ColumnDef.location : location]);
            else this.add({ kind: 'column', schema: table.schema, table: table.name, name: def.ColumnDef.colname }, location);
          } else if (cmd.subtype === 'AT_DropColumn' && typeof cmd.name === 'string') {
            if (table.columns) table.columns = table.columns.filter((x) => x !== cmd.name);
            this.remove(['column'], table.schema, cmd.name, table.name);
          } else if (cmd.subtype === 'AT_AddConstraint' && isObject(def.Constraint) && typeof def.Constraint.conname === 'string') {
            this.add({ kind: 'constraint', schema: table.schema, table: table.name, name: def.Constraint.conname }, location);
          } else if (cmd.subtype === 'AT_DropConstraint' && typeof cmd.name === 'string') {
            this.remove(['constraint'], table.schema, cmd.name, table.name);
          }
        }
        return;
      }
      case 'RenameStmt': {
        this.rename(s);
        return;
      }
      case 'AlterObjectSchemaStmt': {
        const rel = this.relation(s.relation);
        const k = RELATION_KINDS[String(s.objectType)];
        const e = rel && k && this.find([k], rel.schema, rel.name);
        if (!e || typeof s.newschema !== 'string') return;
        for (const x of this.entries) if (x.table === e.name && x.schema === e.schema) x.schema = s.newschema;
        e.schema = s.newschema;
        return;
      }
      case 'DropStmt': {
        const kinds = DROP_KINDS[String(s.removeType)];
        if (!kinds) return;
        for (const o of list(s.objects)) {
          let n: string[] = [];
          if (isObject(o) && isObject(o.List)) n = names(o.List.items);
          else if (isObject(o) && isObject(o.ObjectWithArgs)) n = names(o.ObjectWithArgs.objname);
          else if (isObject(o) && isObject(o.TypeName)) n = names(o.TypeName.names);
          else if (sval(o) !== undefined) n = [sval(o) as string];
          if (n.length === 0) continue;
          if (kinds.includes('schema') || kinds.includes('extension')) this.remove(kinds, n[0], n[0] as string);
          else if (kinds.includes('trigger') || kinds.includes('policy')) {
            const name = n[n.length - 1] as string;
            const tableName = n[n.length - 2] as string;
            const table = this.find(['table', 'view', 'materialized view'], n.length > 2 ? n[0] : undefined, tableName);
            this.remove(kinds, table?.schema ?? schemaFor(n.length > 2 ? n[0] : undefined), name, tableName);
          } else this.remove(kinds, n.length > 1 ? n[n.length - 2] : undefined, n[n.length - 1] as string);
        }
        return;
      }
      default:
        return;
    }
  }

  private rename(s: Json): void {
    if (typeof s.newname !== 'string') return;
    const newname = s.newname;
    const rel = this.relation(s.relation);
    const type = String(s.renameType);
    const relKinds: Record<string, DefinedKind[]> = {
      OBJECT_TABLE: ['table'], OBJECT_VIEW: ['view'], OBJECT_MATVIEW: ['materialized view'], OBJECT_SEQUENCE: ['sequence'], OBJECT_INDEX: ['index'],
    };
    if (rel && relKinds[type]) {
      const e = this.find(relKinds[type] as DefinedKind[], rel.schema, rel.name);
      if (!e) return;
      for (const x of this.entries) if (x.table === e.name && x.schema === e.schema && e.kind !== 'index' && e.kind !== 'sequence') x.table = newname;
      e.name = newname;
      return;
    }
    const sub = typeof s.subname === 'string' ? s.subname : undefined;
    const childKind = ({ OBJECT_COLUMN: 'column', OBJECT_TRIGGER: 'trigger', OBJECT_POLICY: 'policy', OBJECT_TABCONSTRAINT: 'constraint' } as const)[type as 'OBJECT_COLUMN'];
    if (rel && sub && childKind) {
      const table = this.find(['table', 'view', 'materialized view'], rel.schema, rel.name);
      if (!table) return;
      const e = this.find([childKind], table.schema, sub, table.name);
      if (e) e.name = newname;
      if (childKind === 'column' && table.columns) table.columns = table.columns.map((c) => (c === sub ? newname : c));
      return;
    }
    if (type === 'OBJECT_SCHEMA' && sub) {
      for (const x of this.entries) if (x.schema === sub && x.kind !== 'extension') x.schema = newname;
      const e = this.entries.find((x) => x.kind === 'schema' && x.name === newname);
      if (e) e.name = newname;
    }
  }
}

function syntaxError(e: unknown, file: string, text: string): PgsnapError {
  const lines = lineIndex(text);
  const details = hasSqlDetails(e) ? (e as SqlError).sqlDetails : undefined;
  const pos = details ? lines.at(byteToCharOffsets(text)(details.cursorPosition)) : { line: 1, column: 1 };
  return new PgsnapError('schema_file', `${file}:${pos.line}:${pos.column}: ${(e as Error).message}`, {
    hint: 'fix the SQL in that schema file (it must be valid PostgreSQL)',
  });
}

/** Read the schema files of a folder (`*.sql`, in name order) as they will be applied. Pure in all but reading files. */
export async function loadSchemaDefinitions(dir: string, options: { cwd?: string } = {}): Promise<SchemaDefinitions> {
  const cwd = options.cwd ?? process.cwd();
  const abs = path.resolve(cwd, dir);
  let names: string[];
  try {
    names = (await fs.promises.readdir(abs)).filter((f) => f.endsWith('.sql')).sort();
  } catch {
    throw new PgsnapError('usage', `schema folder not found: ${dir}`, { hint: 'pass --schemas DIR, or set "schemas" in pgsnap.config.json' });
  }
  const files: { file: string; text: string }[] = [];
  for (const n of names) {
    const full = path.join(abs, n);
    const rel = path.relative(cwd, full);
    files.push({ file: (rel.startsWith('..') ? full : rel).split(path.sep).join('/'), text: await fs.promises.readFile(full, 'utf8') });
  }
  return schemaDefinitionsOf(files);
}

/** The same from SQL texts already in memory (tests, `drift pull`). */
export function schemaDefinitionsOf(files: readonly { file: string; text: string }[]): SchemaDefinitions {
  let current = { file: '', toChar: (b: number) => b, lines: lineIndex('') };
  const builder = new Builder((byteOffset) => {
    const { line, column } = current.lines.at(current.toChar(byteOffset));
    return { file: current.file, line, column };
  });
  for (const { file, text } of files) {
    current = { file, toChar: byteToCharOffsets(text), lines: lineIndex(text) };
    builder.searchPath = ['public'];
    let tree: Json;
    try {
      tree = text.trim() === '' ? {} : (parseSync(text) as Json);
    } catch (e) {
      throw syntaxError(e, file, text);
    }
    for (const raw of list(tree.stmts)) {
      if (!isObject(raw) || !isObject(raw.stmt)) continue;
      const loc = typeof raw.stmt_location === 'number' ? raw.stmt_location : 0;
      builder.statement(raw.stmt, firstToken(text, current.toChar, loc));
    }
  }
  const objects: DefinedObject[] = builder.entries.map((e) => ({
    kind: e.kind,
    schema: e.schema,
    name: e.name,
    ...(e.table === undefined ? {} : { table: e.table }),
    object: objectName(e),
    file: e.file,
    line: e.line,
    column: e.column,
  }));
  const relations: DefinedRelation[] = builder.entries
    .filter((e): e is Entry & { kind: DefinedRelation['kind'] } => e.kind === 'table' || e.kind === 'view' || e.kind === 'materialized view')
    .map((e) => ({ ...(objects[builder.entries.indexOf(e)] as DefinedObject), kind: e.kind, columns: e.columns ?? null }));
  return { files: files.map((f) => f.file), objects, relations };
}

/**
 * A statement's location is where the previous one ended; skip blanks and comments so the line is the one the
 * statement starts on. Returns a byte offset, like the parser's.
 */
function firstToken(text: string, toChar: (b: number) => number, byteOffset: number): number {
  const start = toChar(byteOffset);
  let i = start;
  for (;;) {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
    if (text.startsWith('--', i)) {
      const nl = text.indexOf('\n', i);
      i = nl === -1 ? text.length : nl + 1;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 2;
    } else break;
  }
  return byteOffset + Buffer.byteLength(text.slice(start, i), 'utf8');
}

/** Where the schema files define an object (`public.t`, `public.t.col`, `public.idx`…), for annotations. */
export function locate(defs: SchemaDefinitions, object: string, kind?: DefinedKind): SourceLocation | undefined {
  const o = defs.objects.find((x) => x.object === object && (kind === undefined || x.kind === kind));
  return o ? { file: o.file, line: o.line, column: o.column } : undefined;
}

/** A table, view or materialized view by schema and name. */
export function findRelation(defs: SchemaDefinitions, schema: string, name: string): DefinedRelation | undefined {
  return defs.relations.find((r) => r.schema === schema && r.name === name);
}

export function findFunction(defs: SchemaDefinitions, schema: string, name: string): DefinedObject | undefined {
  return defs.objects.find((o) => (o.kind === 'function' || o.kind === 'procedure') && o.schema === schema && o.name === name);
}
