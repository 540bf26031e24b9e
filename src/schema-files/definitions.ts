import type { SourceLocation } from '../report/finding.js';
import type { SchemaFile, SchemaStatement } from './statements.js';

/**
 * What the schema files define, read from the parse trees of their statements (no database): every schema,
 * extension, table, view, materialized view, function, type, sequence, index, trigger, policy, named constraint
 * and column, with the file, line and column that creates it. Statements are followed in the order they are
 * applied: `ALTER TABLE … RENAME`, `ADD/DROP COLUMN`, `SET SCHEMA`, `DROP …`, and `SET search_path` (reset for
 * every file, as each file is applied by its own psql run), so an unqualified name lands in the schema the
 * file's search_path says. Drift (to locate findings), the code scan (to judge uses) and types read this.
 */

type DefinedKind =
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
  /** every object that still exists after all statements, in file order */
  readonly objects: readonly DefinedObject[];
  readonly relations: readonly DefinedRelation[];
  /**
   * Aspects of an object set by a statement of their own, keyed `object#aspect`: `public.t#rls` (ENABLE ROW
   * LEVEL SECURITY), `public.t#rls.forced`, `public.t.trg#trigger.enabled`. Drift points those findings there.
   */
  readonly aspects: ReadonlyMap<string, SourceLocation>;
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

/** Where a statement sits: its file (for byte offsets in the parse tree) and its own first token. */
interface Here {
  readonly file: SchemaFile;
  readonly line: number;
  readonly column: number;
}

/** Stands for "the statement's own position" where a node carries no location. */
const STATEMENT = -1;

class Builder {
  readonly entries: Entry[] = [];
  readonly aspects = new Map<string, SourceLocation>();
  searchPath = ['public'];
  here: Here | undefined;
  temporary = false;

  private at(byteOffset: number): { file: string; line: number; column: number } {
    const h = this.here as Here;
    if (byteOffset === STATEMENT) return { file: h.file.file, line: h.line, column: h.column };
    return { file: h.file.file, ...h.file.at(byteOffset) };
  }

  private aspect(key: string): void {
    if (!this.aspects.has(key)) this.aspects.set(key, this.at(STATEMENT));
  }

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
      this.add({ kind: 'column', schema: table.schema, table: table.name, name: n }, offsets[i] ?? STATEMENT);
    });
  }

  statement(stmt: Json, location: number = STATEMENT): void {
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
        if (!rel || (isObject(s.relation) && s.relation.relpersistence === 't' && !this.temporary)) return;
        const schema = schemaFor(rel.schema);
        let unknown = s.ofTypename !== undefined;
        const cols: string[] = [];
        const offsets: number[] = [];
        const columnConstraints: { name: string; at: number }[] = [];
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
            for (const c of list(el.ColumnDef.constraints)) {
              const con = isObject(c) && isObject(c.Constraint) ? c.Constraint : undefined;
              if (con && typeof con.conname === 'string') columnConstraints.push({ name: con.conname, at: typeof con.location === 'number' ? con.location : location });
            }
          } else if (isObject(el.TableLikeClause)) unknown = true;
          else if (isObject(el.Constraint) && typeof el.Constraint.conname === 'string') {
            this.add({ kind: 'constraint', schema, table: rel.name, name: el.Constraint.conname }, typeof el.Constraint.location === 'number' ? el.Constraint.location : location);
          }
        }
        this.columnsOf(table, cols, offsets);
        for (const c of columnConstraints) this.add({ kind: 'constraint', schema, table: rel.name, name: c.name }, c.at);
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
          // Aspects set by ALTER TABLE get their own keys, so a drift finding points at the statement that set them.
          const object = `${table.schema}.${table.name}`;
          if (cmd.subtype === 'AT_EnableRowSecurity' || cmd.subtype === 'AT_DisableRowSecurity') this.aspect(`${object}#rls`);
          if (cmd.subtype === 'AT_ForceRowSecurity' || cmd.subtype === 'AT_NoForceRowSecurity') this.aspect(`${object}#rls.forced`);
          if (typeof cmd.name === 'string' && /^AT_(Enable|Disable)(Always|Replica)?Trig$/.test(String(cmd.subtype))) {
            this.aspect(`${object}.${cmd.name}#trigger.enabled`);
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

/**
 * Read the definitions from the statements of the files, in the order given. Each file starts with the default
 * search_path, as each is applied by its own session.
 */
export function definitionsOf(
  files: readonly { readonly file: SchemaFile; readonly statements: readonly SchemaStatement[] }[],
  options: { readonly temporary?: boolean } = {},
): SchemaDefinitions {
  const builder = new Builder();
  // Temporary tables are no part of a schema; in a script kept with the code they are its own work tables.
  builder.temporary = options.temporary ?? false;
  for (const { file, statements } of files) {
    builder.searchPath = ['public'];
    for (const st of statements) {
      builder.here = { file, line: st.line, column: st.column };
      builder.statement(st.ast as Json);
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
  const relations: DefinedRelation[] = [];
  builder.entries.forEach((e, i) => {
    if (e.kind === 'table' || e.kind === 'view' || e.kind === 'materialized view') {
      relations.push({ ...(objects[i] as DefinedObject), kind: e.kind, columns: e.columns ?? null });
    }
  });
  return { objects, relations, aspects: builder.aspects };
}

const where = (o: DefinedObject): SourceLocation => ({ file: o.file, line: o.line, column: o.column });

/** The drift kinds that name one of our kinds differently. */
const DRIFT_KINDS: Record<string, DefinedKind> = { composite_type: 'type', materialized_view: 'materialized view' };

/**
 * Where the schema files define an object (`public.t`, `public.t.col`, `public.idx`, `public.f(integer)`…), or
 * the nearest thing that contains it: `public.t.c` falls back to `public.t`, a grant
 * `public.t.role.SELECT` to its table. With a kind, an aspect set by its own statement (`rls` → the ALTER
 * TABLE … ENABLE ROW LEVEL SECURITY) and an object of that kind are preferred.
 */
export function locate(defs: SchemaDefinitions, object: string, kind?: string): SourceLocation | undefined {
  const aspect = kind ? defs.aspects.get(`${object}#${kind}`) : undefined;
  if (aspect) return aspect;
  const wanted = kind === undefined ? undefined : (DRIFT_KINDS[kind] ?? kind);
  const parts = object.replace(/\(.*\)$/, '').split('.');
  for (let n = parts.length; n >= 1; n--) {
    const name = parts.slice(0, n).join('.');
    const hits = defs.objects.filter((o) => o.object === name);
    const hit = (n === parts.length && hits.find((o) => o.kind === wanted)) || hits[0];
    if (hit) return where(hit);
  }
  return undefined;
}

/** A table, view or materialized view by schema and name. */
export function findRelation(defs: SchemaDefinitions, schema: string, name: string): DefinedRelation | undefined {
  return defs.relations.find((r) => r.schema === schema && r.name === name);
}

export function findFunction(defs: SchemaDefinitions, schema: string, name: string): DefinedObject | undefined {
  return defs.objects.find((o) => (o.kind === 'function' || o.kind === 'procedure') && o.schema === schema && o.name === name);
}
