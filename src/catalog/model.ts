/**
 * The catalog model: one readonly description of a database's schema, read from pg_catalog (introspect.ts),
 * rendered as DDL (render.ts), and compared (diff.ts). Backup stores it in the archive, restore plans from it, and
 * drift compares two of them. It is plain JSON-serialisable data: no OIDs, no positions used as identity, names
 * as PostgreSQL spells them (unquoted), types as `format_type` prints them.
 *
 * Identity of each object (what `diff` keys by) is noted on each type. Everything is sorted by identity so that
 * two databases built from the same SQL produce equal models.
 */

export interface CatalogModel {
  /** server_version_num / 10000 of the database it was read from */
  readonly serverMajor: number;
  readonly schemas: readonly SchemaDef[];
  readonly extensions: readonly ExtensionDef[];
  readonly enums: readonly EnumDef[];
  readonly domains: readonly DomainDef[];
  readonly compositeTypes: readonly CompositeTypeDef[];
  readonly sequences: readonly SequenceDef[];
  readonly tables: readonly TableDef[];
  readonly views: readonly ViewDef[];
  readonly functions: readonly FunctionDef[];
  /** CREATE COLLATION in the read schemas (absent in models from before they were read) */
  readonly collations?: readonly CollationDef[];
  /** CREATE TYPE … AS RANGE */
  readonly rangeTypes?: readonly RangeTypeDef[];
  /** ALTER DEFAULT PRIVILEGES, for the read schemas and database-wide */
  readonly defaultPrivileges?: readonly DefaultPrivilegeDef[];
  /** publications (logical replication, Supabase Realtime), with their tables in the read schemas */
  readonly publications?: readonly PublicationDef[];
  /** event triggers whose function is in a read schema */
  readonly eventTriggers?: readonly EventTriggerDef[];
  /** foreign servers, with the roles that have a user mapping (never the mapping's options: they hold passwords) */
  readonly foreignServers?: readonly ForeignServerDef[];
  readonly foreignTables?: readonly ForeignTableDef[];
}

/**
 * What restore reads of its target (introspect.ts introspectTables): the tables, whole (columns, keys, indexes,
 * triggers, policies, grants), their schemas and the sequences.
 */
export type TableCatalog = Pick<CatalogModel, 'serverMajor' | 'schemas' | 'sequences' | 'tables'>;

/** What backup reads (introspectForCapture): TableCatalog plus what captureModel may need to recreate the tables. */
export type CaptureCatalog = TableCatalog & Pick<CatalogModel, 'extensions' | 'enums' | 'domains' | 'compositeTypes' | 'functions'>;

/** identity: name */
export interface PublicationDef {
  readonly name: string;
  readonly allTables: boolean;
  /** what it publishes, in this order: insert, update, delete, truncate */
  readonly operations: readonly string[];
  readonly viaRoot: boolean;
  /** FOR TABLES IN SCHEMA (PostgreSQL 15+), sorted */
  readonly schemas: readonly string[];
  /** identity within: schema.name */
  readonly tables: readonly PublicationTableDef[];
}

export interface PublicationTableDef {
  readonly schema: string;
  readonly name: string;
  /** the column list (PostgreSQL 15+), null for all columns */
  readonly columns: readonly string[] | null;
  /** the WHERE row filter (PostgreSQL 15+) */
  readonly rowFilter: string | null;
}

/** identity: table + name (CREATE RULE; a view's own _RETURN rule is its definition, not a rule) */
export interface RuleDef {
  readonly name: string;
  /** pg_get_ruledef, without the final `;` */
  readonly definition: string;
  readonly enabled: 'O' | 'D' | 'R' | 'A';
}

/** identity: name */
export interface EventTriggerDef {
  readonly name: string;
  readonly event: string;
  /** WHEN TAG IN (…), sorted, null when unfiltered */
  readonly tags: readonly string[] | null;
  readonly function: string;
  readonly enabled: 'O' | 'D' | 'R' | 'A';
  readonly comment: string | null;
}

/** identity: name */
export interface ForeignServerDef {
  readonly name: string;
  readonly wrapper: string;
  readonly type: string | null;
  readonly version: string | null;
  /** `key=value`, sorted */
  readonly options: readonly string[];
  /** roles (`public` for PUBLIC) with a user mapping for this server, sorted */
  readonly userMappings: readonly string[];
}

/** identity: schema.name */
export interface ForeignTableDef {
  readonly schema: string;
  readonly name: string;
  readonly server: string;
  /** `key=value`, sorted */
  readonly options: readonly string[];
  readonly columns: readonly {
    readonly name: string;
    readonly type: string;
    readonly notNull: boolean;
    readonly default: string | null;
    readonly options: readonly string[];
  }[];
  readonly comment: string | null;
}

/** identity: schema.name */
export interface CollationDef {
  readonly schema: string;
  readonly name: string;
  readonly provider: 'libc' | 'icu' | 'builtin' | 'default';
  /** libc: lc_collate and lc_ctype; icu / builtin: locale */
  readonly collate: string | null;
  readonly ctype: string | null;
  readonly locale: string | null;
  readonly deterministic: boolean;
  readonly comment: string | null;
}

/** identity: schema.name; its constructor functions belong to it and are not FunctionDefs */
export interface RangeTypeDef {
  readonly schema: string;
  readonly name: string;
  readonly subtype: string;
  /** the subtype operator class when not the default one */
  readonly opclass: string | null;
  readonly collation: string | null;
  readonly canonical: string | null;
  readonly subtypeDiff: string | null;
  /** "schema.name" of its multirange type (PostgreSQL 14+) */
  readonly multirange: string | null;
  readonly comment: string | null;
  readonly grants?: readonly GrantDef[];
}

/**
 * identity: role + schema + objectType + grantee + privilege + revoked. `role` is null for the database owner's
 * defaults (what `ALTER DEFAULT PRIVILEGES` without FOR ROLE records when the owner applies the schema files), so a
 * shadow database owned by another role compares equal. `revoked` marks a built-in default taken away
 * (`ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC`).
 */
export interface DefaultPrivilegeDef {
  readonly role: string | null;
  /** null: database-wide */
  readonly schema: string | null;
  readonly objectType: 'tables' | 'sequences' | 'functions' | 'types' | 'schemas';
  readonly grantee: string;
  readonly privilege: string;
  readonly grantable: boolean;
  readonly revoked: boolean;
}

/** identity: name */
export interface SchemaDef {
  readonly name: string;
  readonly owner?: string;
  readonly comment: string | null;
  /** USAGE / CREATE granted to roles other than the owner */
  readonly grants?: readonly GrantDef[];
}

/** identity: name */
export interface ExtensionDef {
  readonly name: string;
  readonly schema: string;
  readonly version: string;
}

/** identity: schema.name */
export interface EnumDef {
  readonly schema: string;
  readonly name: string;
  /** in declared order (enumsortorder), never sorted alphabetically */
  readonly labels: readonly string[];
  readonly comment: string | null;
  /** USAGE granted to roles other than the owner; PUBLIC has it unless revoked */
  readonly grants?: readonly GrantDef[];
}

/** identity: schema.name */
export interface DomainDef {
  readonly schema: string;
  readonly name: string;
  readonly baseType: string;
  readonly notNull: boolean;
  readonly default: string | null;
  readonly collation: string | null;
  readonly checks: readonly { readonly name: string; readonly definition: string }[];
  readonly comment: string | null;
  /** USAGE granted to roles other than the owner; PUBLIC has it unless revoked */
  readonly grants?: readonly GrantDef[];
}

/** identity: schema.name */
export interface CompositeTypeDef {
  readonly schema: string;
  readonly name: string;
  readonly attributes: readonly { readonly name: string; readonly type: string; readonly collation: string | null }[];
  readonly comment: string | null;
  /** USAGE granted to roles other than the owner; PUBLIC has it unless revoked */
  readonly grants?: readonly GrantDef[];
}

/** identity: schema.name */
export interface SequenceDef {
  readonly schema: string;
  readonly name: string;
  readonly dataType: string;
  readonly start: string;
  readonly increment: string;
  readonly min: string;
  readonly max: string;
  readonly cache: string;
  readonly cycle: boolean;
  /** "schema.table.column" when OWNED BY a column (serial), else null */
  readonly ownedBy: string | null;
  /** true for the implicit sequence of an identity column (rendered with the column, not separately) */
  readonly identity: boolean;
}

type TableKind = 'table' | 'partitioned' | 'partition';

/** identity: schema.name */
export interface TableDef {
  readonly schema: string;
  readonly name: string;
  readonly kind: TableKind;
  readonly unlogged: boolean;
  /** for kind 'partition': the parent "schema.name" and the bound (`FOR VALUES …` / `DEFAULT`) */
  readonly partitionOf: string | null;
  readonly partitionBound: string | null;
  /** for kind 'partitioned': the key, as pg_get_partkeydef prints it (`RANGE (created_at)`) */
  readonly partitionKey: string | null;
  readonly columns: readonly ColumnDef[];
  readonly constraints: readonly ConstraintDef[];
  readonly indexes: readonly IndexDef[];
  readonly triggers: readonly TriggerDef[];
  readonly rowSecurity: boolean;
  readonly forceRowSecurity: boolean;
  /** storage parameters as pg_class.reloptions holds them (`fillfactor=70`); absent when none */
  readonly storage?: readonly string[];
  readonly policies: readonly PolicyDef[];
  readonly grants: readonly GrantDef[];
  readonly comment: string | null;
  /** CREATE RULE on the table, absent when none */
  readonly rules?: readonly RuleDef[];
  /** REPLICA IDENTITY when not DEFAULT: `full`, `nothing` or `index <name>` (logical replication, Realtime) */
  readonly replicaIdentity?: string;
  /** "schema.name" of the tables it INHERITS from (plain inheritance, not partitions), in declared order */
  readonly inherits?: readonly string[];
}

/** identity: table + name; `position` is kept for rendering and the archive's column order, never for identity */
export interface ColumnDef {
  readonly name: string;
  readonly position: number;
  /** format_type(atttypid, atttypmod), e.g. `character varying(20)`, `public.project_status`, `integer[]` */
  readonly type: string;
  /** schema-qualified name of the base type without modifiers or array brackets, e.g. `pg_catalog.int4` */
  readonly typeName: string;
  /** the type's category (pg_type.typcategory): 'N' numeric, 'S' string, 'A' array, 'E' enum, 'U' user, … */
  readonly typeCategory: string;
  readonly isArray: boolean;
  readonly notNull: boolean;
  /** pg_get_expr of the default, null when none (identity and generated columns have none) */
  readonly default: string | null;
  readonly collation: string | null;
  readonly identity: 'always' | 'by default' | null;
  /** the expression of a GENERATED ALWAYS AS (…) STORED column */
  readonly generated: string | null;
  /** PostgreSQL 18: true for a VIRTUAL generated column (computed on read); absent otherwise */
  readonly virtual?: boolean;
  /** column privileges (GRANT SELECT (col) …), absent when none */
  readonly grants?: readonly GrantDef[];
  /** SET STORAGE when it differs from the type's default; absent otherwise */
  readonly storage?: 'plain' | 'external' | 'main' | 'extended';
  readonly comment: string | null;
}

type ConstraintKind = 'primary' | 'unique' | 'check' | 'exclusion' | 'foreign';

/** identity: table + name (the name PostgreSQL stores, generated or given; constraints inherited by partitions are left out) */
export interface ConstraintDef {
  readonly name: string;
  readonly kind: ConstraintKind;
  /** pg_get_constraintdef, e.g. `FOREIGN KEY (owner_id) REFERENCES auth.users(id) ON DELETE CASCADE` */
  readonly definition: string;
  /** key columns for primary / unique / foreign, in key order */
  readonly columns: readonly string[];
  readonly deferrable: boolean;
  readonly initiallyDeferred: boolean;
  /** foreign keys only */
  readonly references: {
    readonly schema: string;
    readonly table: string;
    readonly columns: readonly string[];
    readonly onUpdate: FkAction;
    readonly onDelete: FkAction;
    readonly match: 'simple' | 'full' | 'partial';
  } | null;
  /** true when the constraint is NOT VALID */
  readonly notValid: boolean;
  /** COMMENT ON CONSTRAINT, absent when none */
  readonly comment?: string;
}

export type FkAction = 'no action' | 'restrict' | 'cascade' | 'set null' | 'set default';

/** identity: schema + name (index names are schema-wide in PostgreSQL) */
export interface IndexDef {
  readonly name: string;
  /** pg_get_indexdef */
  readonly definition: string;
  readonly unique: boolean;
  readonly method: string;
  /** the WHERE of a partial index, else null */
  readonly predicate: string | null;
  /** true when the index implements a primary key / unique / exclusion constraint (rendered by the constraint) */
  readonly constraint: boolean;
  /** key columns in order when every key part is a plain column (absent for expression indexes); no INCLUDE columns */
  readonly columns?: readonly string[];
  /** COMMENT ON INDEX, absent when none */
  readonly comment?: string;
}

/** identity: table + name */
export interface TriggerDef {
  readonly name: string;
  readonly timing: 'before' | 'after' | 'instead of';
  readonly events: readonly ('insert' | 'update' | 'delete' | 'truncate')[];
  readonly level: 'row' | 'statement';
  /** schema-qualified function name */
  readonly function: string;
  /** pg_get_triggerdef */
  readonly definition: string;
  /** 'O' origin (enabled), 'D' disabled, 'R' replica, 'A' always */
  readonly enabled: 'O' | 'D' | 'R' | 'A';
  /** COMMENT ON TRIGGER, absent when none */
  readonly comment?: string;
}

/** identity: table + name */
export interface PolicyDef {
  readonly name: string;
  readonly command: 'all' | 'select' | 'insert' | 'update' | 'delete';
  readonly permissive: boolean;
  /** sorted role names; `public` for PUBLIC */
  readonly roles: readonly string[];
  readonly using: string | null;
  readonly withCheck: string | null;
  /** COMMENT ON POLICY, absent when none */
  readonly comment?: string;
}

/** identity: table + grantee + privilege */
export interface GrantDef {
  readonly grantee: string;
  readonly privilege: string;
  readonly grantable: boolean;
}

/** identity: schema.name */
export interface ViewDef {
  readonly schema: string;
  readonly name: string;
  readonly materialized: boolean;
  /** pg_get_viewdef, normalised */
  readonly definition: string;
  /** indexes of a materialized view */
  readonly indexes: readonly IndexDef[];
  readonly comment: string | null;
  /** "schema.name" of the views and materialized views this one reads, sorted (for creation order) */
  readonly dependsOn?: readonly string[];
  /** privileges granted on the view to roles other than its owner */
  readonly grants?: readonly GrantDef[];
  /**
   * reloptions, sorted: for a view `security_invoker=true`, `security_barrier=true`, `check_option=local|cascaded`
   * (WITH CHECK OPTION); for a materialized view its storage parameters (`fillfactor=70`). Absent when none.
   */
  readonly options?: readonly string[];
  /** rules on the view (other than its own _RETURN), absent when none */
  readonly rules?: readonly RuleDef[];
  /** INSTEAD OF (and statement) triggers on a view; absent when none */
  readonly triggers?: readonly TriggerDef[];
}

/** identity: schema.name(argument types) */
export interface FunctionDef {
  readonly schema: string;
  readonly name: string;
  /** pg_get_function_identity_arguments */
  readonly identityArgs: string;
  readonly kind: 'function' | 'procedure' | 'aggregate' | 'window';
  readonly returns: string | null;
  readonly language: string;
  /** prosrc, normalised for trailing whitespace */
  readonly body: string;
  readonly securityDefiner: boolean;
  readonly volatility: 'immutable' | 'stable' | 'volatile';
  /** pg_get_functiondef: the full CREATE OR REPLACE statement ('' for aggregates, which it cannot print) */
  readonly definition: string;
  /** PostgreSQL 14+: true for a SQL-standard body (BEGIN ATOMIC / RETURN), parsed at creation; absent otherwise */
  readonly sqlStandardBody?: boolean;
  readonly comment: string | null;
  /** EXECUTE granted to roles other than the owner; PUBLIC has it unless revoked */
  readonly grants?: readonly GrantDef[];
  /** "schema.name(args)" of the functions a SQL-standard body calls, sorted (for creation order); absent when none */
  readonly calls?: readonly string[];
}

/** "schema.name" */
export function qualifiedName(o: { readonly schema: string; readonly name: string }): string {
  return `${o.schema}.${o.name}`;
}
