import { PLATFORM_OWNER, PLATFORM_SCHEMAS } from '../catalog/filter.js';
import type { CatalogModel, GrantDef, TableDef } from '../catalog/model.js';
import { qualifiedName } from '../catalog/model.js';
import { renderModel } from '../catalog/render.js';
import type { Session } from '../db/index.js';
import { qualify, quoteIdent, quoteLiteral } from '../sql/quote.js';

/**
 * The platform baseline: what a hosted platform (Supabase) puts into every database before the project's own
 * migrations run — its schemas, tables, functions, types, extensions, grants and publications. A Supabase
 * project's migrations reference auth.users, auth.uid(), extensions.citext or storage.objects, so the shadow
 * database must hold these first, or the first migration fails.
 *
 * The baseline is read from the live database: every object in a platform schema that a platform role
 * (supabase_*) owns, and the extensions, minus whatever the schema files create themselves (a stub of auth.users,
 * `create extension citext`). Objects the user created there — a trigger on auth.users calling the app's function, a
 * policy on storage.objects, a user table in auth — are left out on purpose: they come from the migrations, and
 * when the migrations lack them drift must say so.
 */
export interface PlatformBaseline {
  /** the platform's part of the live model */
  readonly model: CatalogModel;
  readonly publications: readonly Publication[];
  /** ALTER DEFAULT PRIVILEGES of the connecting role on tables (Supabase grants the API roles every new table) */
  readonly defaultGrants: readonly DefaultGrant[];
  /** what the platform grants its API roles on the project's own `public` schema (USAGE for anon, authenticated…) */
  readonly publicSchemaGrants?: readonly GrantDef[];
}

/** The roles a Supabase project starts with; grants to them on `public` come with the project, not the migrations. */
const PLATFORM_GRANTEE = /^(anon|authenticated|service_role|authenticator|dashboard_user|pgbouncer|supabase_.*)$/;

interface Publication {
  readonly name: string;
  readonly allTables: boolean;
  readonly publish: readonly string[];
  /** "schema.name" of the platform tables it publishes (the project's own tables are added by its migrations) */
  readonly tables: readonly string[];
}

interface DefaultGrant {
  /** null: in every schema */
  readonly schema: string | null;
  readonly objects: 'TABLES' | 'SEQUENCES';
  readonly grantee: string;
  readonly privilege: string;
  readonly grantable: boolean;
}

interface PlatformFacts {
  /** "schema.name" of relations, functions and types in platform schemas owned by a platform role */
  readonly owned: ReadonlySet<string>;
  /** extensions the baseline installs */
  readonly extensions: ReadonlySet<string>;
}

/** The platform's part of a live model (pure). */
export function platformPart(model: CatalogModel, facts: PlatformFacts): CatalogModel {
  const owned = (o: { schema: string; name: string }) => PLATFORM_SCHEMAS.includes(o.schema) && facts.owned.has(qualifiedName(o));
  const tables = model.tables.filter(owned);
  const tableNames = new Set(tables.map(qualifiedName));
  const platformTable = (t: TableDef): TableDef => ({
    ...t,
    // The user's attachments to platform tables come from the migrations (see above).
    policies: [],
    triggers: t.triggers.filter((tr) => facts.owned.has(tr.function)),
    constraints: t.constraints.filter((c) => c.kind !== 'foreign' || (c.references !== null && tableNames.has(`${c.references.schema}.${c.references.table}`))),
  });
  const extensions = model.extensions.filter((e) => facts.extensions.has(e.name));
  const kept = [
    ...tables,
    ...model.views.filter(owned),
    ...model.functions.filter(owned),
    ...model.enums.filter(owned),
    ...model.domains.filter(owned),
    ...model.compositeTypes.filter(owned),
    ...model.sequences.filter(owned),
  ];
  const used = new Set([...kept.map((o) => o.schema), ...extensions.map((e) => e.schema)]);
  return {
    serverMajor: model.serverMajor,
    schemas: model.schemas.filter((s) => PLATFORM_SCHEMAS.includes(s.name) && (PLATFORM_OWNER.test(s.owner ?? '') || used.has(s.name))),
    extensions,
    enums: model.enums.filter(owned),
    domains: model.domains.filter(owned),
    compositeTypes: model.compositeTypes.filter(owned),
    sequences: model.sequences.filter(owned),
    tables: tables.map(platformTable),
    views: model.views.filter(owned),
    functions: model.functions.filter(owned),
  };
}

/** Read the baseline from the live database, given its model. */
export async function readPlatformBaseline(s: Session, model: CatalogModel): Promise<PlatformBaseline> {
  const schemas = [...PLATFORM_SCHEMAS];
  const owner = PLATFORM_OWNER.source;
  const owned = await s.query<{ name: string }>(
    `SELECT n.nspname || '.' || c.relname AS name FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1) AND pg_catalog.pg_get_userbyid(c.relowner) ~ $2
     UNION SELECT n.nspname || '.' || p.proname FROM pg_catalog.pg_proc p
       JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = ANY($1) AND pg_catalog.pg_get_userbyid(p.proowner) ~ $2
     UNION SELECT n.nspname || '.' || t.typname FROM pg_catalog.pg_type t
       JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = ANY($1) AND pg_catalog.pg_get_userbyid(t.typowner) ~ $2`,
    [schemas, owner],
  );
  // Every extension, whoever installed it (the dashboard installs as postgres): a platform table may use its
  // types. Those the schema files create themselves are left out later (leaveOutFileObjects).
  const extensions = await s.query<{ name: string }>(`SELECT extname AS name FROM pg_catalog.pg_extension WHERE extname <> 'plpgsql'`);
  const part = platformPart(model, { owned: new Set(owned.rows.map((r) => r.name)), extensions: new Set(extensions.rows.map((r) => r.name)) });
  const platformTables = new Set(part.tables.map(qualifiedName));

  // The model read above covers the platform schemas only; what the platform granted on `public` is read here.
  const onPublic = await s.query<{ grantee: string; privilege: string; grantable: boolean }>(
    `SELECT pg_catalog.pg_get_userbyid(a.grantee) AS grantee, a.privilege_type AS privilege, a.is_grantable AS grantable
       FROM pg_catalog.pg_namespace n, LATERAL pg_catalog.aclexplode(n.nspacl) a
      WHERE n.nspname = 'public' AND a.grantee <> 0 AND a.grantee <> n.nspowner
      ORDER BY 1, 2`,
  );
  // json as text: pgsnap's session returns every non-boolean value as the server's text
  const pubs = await s.query<{ name: string; all_tables: boolean; publish: string; tables: string | null }>(
    `SELECT p.pubname AS name, p.puballtables AS all_tables,
            to_json(array_remove(ARRAY[CASE WHEN p.pubinsert THEN 'insert' END, CASE WHEN p.pubupdate THEN 'update' END,
                               CASE WHEN p.pubdelete THEN 'delete' END, CASE WHEN p.pubtruncate THEN 'truncate' END], NULL))::text AS publish,
            (SELECT json_agg(n.nspname || '.' || c.relname ORDER BY 1) FROM pg_catalog.pg_publication_rel r
               JOIN pg_catalog.pg_class c ON c.oid = r.prrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              WHERE r.prpubid = p.oid)::text AS tables
       FROM pg_catalog.pg_publication p
      WHERE pg_catalog.pg_get_userbyid(p.pubowner) ~ $1 OR p.pubname ~ $1
      ORDER BY 1`,
    [owner],
  );
  // Only the connecting role's defaults matter: the shadow applies the migrations as one role, as `postgres` did.
  const defaults = await s.query<{ schema: string | null; objtype: string; grantee: string; privilege: string; grantable: boolean }>(
    `SELECT n.nspname AS schema, d.defaclobjtype AS objtype,
            CASE WHEN a.grantee = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(a.grantee) END AS grantee,
            a.privilege_type AS privilege, a.is_grantable AS grantable
       FROM pg_catalog.pg_default_acl d
       LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace,
            aclexplode(d.defaclacl) a
      WHERE d.defaclrole = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)
        AND d.defaclobjtype IN ('r', 'S') AND a.grantee <> d.defaclrole
      ORDER BY 1, 2, 3, 4`,
  );
  return {
    model: part,
    publications: pubs.rows.map((p) => ({
      name: p.name,
      allTables: p.all_tables,
      publish: JSON.parse(p.publish) as string[],
      tables: (JSON.parse(p.tables ?? '[]') as string[]).filter((t) => platformTables.has(t)),
    })),
    publicSchemaGrants: onPublic.rows.filter((g) => PLATFORM_GRANTEE.test(g.grantee)),
    defaultGrants: defaults.rows.map((d) => ({
      schema: d.schema,
      objects: d.objtype === 'r' ? 'TABLES' : 'SEQUENCES',
      grantee: d.grantee,
      privilege: d.privilege,
      grantable: d.grantable,
    })),
  };
}

export interface RenderedBaseline {
  readonly sql: string;
  /** platform extensions the shadow server does not have: left out (their objects are never compared) */
  readonly skippedExtensions: readonly string[];
}

/**
 * The baseline as SQL for the shadow (pure). `available` is what the shadow server can install: a platform
 * extension it lacks (pg_graphql, pgsodium, vector…) is left out and named, so an error later can say why.
 * Default privileges are rendered only for schemas that exist before the migrations run.
 */
export function renderBaseline(b: PlatformBaseline, available: ReadonlySet<string>): RenderedBaseline {
  const skippedExtensions = b.model.extensions.filter((e) => !available.has(e.name)).map((e) => e.name);
  const installable = b.model.extensions.filter((e) => available.has(e.name));
  const existing = new Set(['public', 'pg_catalog', ...b.model.schemas.map((s) => s.name)]);
  // An extension that brings its own schema (pg_graphql's graphql, supabase_vault's vault) is never read as a
  // schema of the model; it is installed where its control file says.
  const ownSchema = installable.filter((e) => !existing.has(e.schema));
  const model = { ...b.model, extensions: installable.filter((e) => existing.has(e.schema)) };
  const qualifiedTable = (t: string) => {
    const dot = t.indexOf('.');
    return qualify(t.slice(0, dot), t.slice(dot + 1));
  };
  const publications = b.publications.map((p) => {
    const scope = p.allTables ? ' FOR ALL TABLES' : p.tables.length > 0 ? ` FOR TABLE ${p.tables.map(qualifiedTable).join(', ')}` : '';
    return `CREATE PUBLICATION ${quoteIdent(p.name)}${scope} WITH (publish = ${quoteLiteral(p.publish.join(', '))});`;
  });
  const defaults = b.defaultGrants
    .filter((d) => d.schema === null || existing.has(d.schema))
    .map(
      (d) =>
        `ALTER DEFAULT PRIVILEGES${d.schema === null ? '' : ` IN SCHEMA ${quoteIdent(d.schema)}`} GRANT ${d.privilege} ON ${d.objects} TO ${
          d.grantee === 'public' ? 'PUBLIC' : quoteIdent(d.grantee)
        }${d.grantable ? ' WITH GRANT OPTION' : ''};`,
    );
  const own = ownSchema.map((e) => `CREATE EXTENSION IF NOT EXISTS ${quoteIdent(e.name)};`);
  const onPublic = (b.publicSchemaGrants ?? []).map(
    (g) => `GRANT ${g.privilege} ON SCHEMA public TO ${quoteIdent(g.grantee)}${g.grantable ? ' WITH GRANT OPTION' : ''};`,
  );
  return { sql: [...own, renderModel(model), ...onPublic, ...publications, ...defaults].join('\n\n'), skippedExtensions };
}

/** Every role the baseline's grants name (they must exist in the shadow before it applies). */
export function baselineRoles(b: PlatformBaseline): string[] {
  const roles = new Set<string>();
  for (const t of [...b.model.tables, ...b.model.views]) for (const g of t.grants ?? []) roles.add(g.grantee);
  for (const d of b.defaultGrants) roles.add(d.grantee);
  for (const g of b.publicSchemaGrants ?? []) roles.add(g.grantee);
  roles.delete('public');
  return [...roles].sort();
}

/** What the schema files create: "schema.name" of relations, types and functions; schemas; extensions; publications. */
export interface FileObjects {
  readonly objects: ReadonlySet<string>;
  /** schemas created without IF NOT EXISTS: the baseline must not create them, nor anything in them */
  readonly schemas: ReadonlySet<string>;
  readonly extensions: ReadonlySet<string>;
  readonly publications: ReadonlySet<string>;
}

type Ast = Readonly<Record<string, unknown>>;

function nameList(list: unknown): string | undefined {
  const parts = ((list ?? []) as { String?: { sval?: string } }[]).map((p) => p.String?.sval ?? '');
  return parts.length === 2 ? `${parts[0]}.${parts[1]}` : undefined;
}

function rangeVar(v: unknown): string | undefined {
  const r = v as { schemaname?: string; relname?: string } | undefined;
  return r?.schemaname && r.relname ? `${r.schemaname}.${r.relname}` : undefined;
}

/** Read what the files create from their parse trees (pure; unqualified names are the project's own, in public). */
export function fileObjects(asts: readonly Ast[]): FileObjects {
  const objects = new Set<string>();
  const schemas = new Set<string>();
  const extensions = new Set<string>();
  const publications = new Set<string>();
  for (const ast of asts) {
    const [type, raw] = Object.entries(ast)[0] ?? [];
    const b = (raw ?? {}) as Record<string, unknown>;
    const name =
      type === 'CreateStmt' ? rangeVar(b.relation)
      : type === 'ViewStmt' ? rangeVar(b.view)
      : type === 'CreateSeqStmt' ? rangeVar(b.sequence)
      : type === 'CompositeTypeStmt' ? rangeVar(b.typevar)
      : type === 'CreateTableAsStmt' ? rangeVar((b.into as { rel?: unknown } | undefined)?.rel)
      : type === 'CreateFunctionStmt' ? nameList(b.funcname)
      : type === 'CreateEnumStmt' ? nameList(b.typeName)
      : type === 'CreateDomainStmt' ? nameList(b.domainname)
      : undefined;
    if (name) objects.add(name);
    if (type === 'CreateSchemaStmt' && !b.if_not_exists && typeof b.schemaname === 'string') schemas.add(b.schemaname);
    if (type === 'CreateExtensionStmt' && typeof b.extname === 'string') extensions.add(b.extname);
    if (type === 'CreatePublicationStmt' && typeof b.pubname === 'string') publications.add(b.pubname);
  }
  return { objects, schemas, extensions, publications };
}

/** The baseline without what the schema files create (pure): those come from the files, in the files' order. */
export function leaveOutFileObjects(b: PlatformBaseline, files: FileObjects): PlatformBaseline {
  const keep = (o: { schema: string; name: string }) => !files.schemas.has(o.schema) && !files.objects.has(qualifiedName(o));
  const m = b.model;
  const tables = m.tables.filter(keep);
  const names = new Set(tables.map(qualifiedName));
  return {
    model: {
      ...m,
      schemas: m.schemas.filter((s) => !files.schemas.has(s.name)),
      extensions: m.extensions.filter((e) => !files.extensions.has(e.name) && !files.schemas.has(e.schema)),
      enums: m.enums.filter(keep),
      domains: m.domains.filter(keep),
      compositeTypes: m.compositeTypes.filter(keep),
      sequences: m.sequences.filter(keep),
      tables: tables.map((t) => ({
        ...t,
        constraints: t.constraints.filter((c) => c.kind !== 'foreign' || (c.references !== null && names.has(`${c.references.schema}.${c.references.table}`))),
      })),
      views: m.views.filter(keep),
      functions: m.functions.filter(keep),
    },
    publications: b.publications.filter((p) => !files.publications.has(p.name)).map((p) => ({ ...p, tables: p.tables.filter((t) => names.has(t)) })),
    defaultGrants: b.defaultGrants,
    publicSchemaGrants: b.publicSchemaGrants,
  };
}
