/**
 * The catalog queries behind introspect.ts: one set-based query per object kind, each restricted to the schemas
 * in `$1` (text[]). They run with `search_path = pg_catalog`, so format_type, pg_get_expr, pg_get_indexdef,
 * pg_get_viewdef … qualify every user object (`public.project_status`) and print the same text whatever the
 * caller's search_path was. Rows come back as one JSON document per query (see introspect.ts), so booleans,
 * arrays and small numbers arrive typed; 64-bit values are cast to text first.
 *
 * Raw rows are private, snake_case; introspect.ts turns them into the readonly model.
 */

/** the object is a member of an extension (created by CREATE EXTENSION): not the application's to compare */
const notExtensionMember = (catalog: string, oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${catalog}'::regclass AND d.objid = ${oid} AND d.deptype = 'e')`;

/** `COLLATE` text for a collation that differs from the type's default, else NULL */
const collationText = (collOid: string, typeCollOid: string) => `
  CASE WHEN ${collOid} <> 0 AND ${collOid} <> ${typeCollOid} THEN (
    SELECT CASE WHEN cn.nspname = 'pg_catalog' THEN quote_ident(co.collname)
                ELSE quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END
    FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = ${collOid}) END`;

export interface RawSchema {
  name: string;
  owner: string;
  comment: string | null;
  extension_member: boolean;
}
export const schemasSql = `
  SELECT n.nspname AS name, pg_get_userbyid(n.nspowner) AS owner, obj_description(n.oid, 'pg_namespace') AS comment,
         NOT ${notExtensionMember('pg_namespace', 'n.oid')} AS extension_member
  FROM pg_namespace n`;

export interface RawExtension {
  name: string;
  schema: string;
  version: string;
}
// plpgsql is installed in every database: never a difference, never worth rendering.
export const extensionsSql = `
  SELECT e.extname AS name, n.nspname AS schema, e.extversion AS version
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
  WHERE e.extname <> 'plpgsql' AND (n.nspname = ANY($1) OR n.nspname = 'pg_catalog')`;

export interface RawEnum {
  schema: string;
  name: string;
  labels: string[] | null;
  comment: string | null;
}
export const enumsSql = `
  SELECT n.nspname AS schema, t.typname AS name,
         (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) AS labels,
         obj_description(t.oid, 'pg_type') AS comment
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
  WHERE t.typtype = 'e' AND n.nspname = ANY($1) AND ${notExtensionMember('pg_type', 't.oid')}`;

export interface RawDomain {
  schema: string;
  name: string;
  base_type: string;
  not_null: boolean;
  default: string | null;
  collation: string | null;
  checks: { name: string; definition: string }[] | null;
  comment: string | null;
}
// contype 'c' only: PostgreSQL 17+ also records a domain's NOT NULL in pg_constraint (contype 'n').
export const domainsSql = `
  SELECT n.nspname AS schema, t.typname AS name, format_type(t.typbasetype, t.typtypmod) AS base_type,
         t.typnotnull AS not_null, t.typdefault AS default, ${collationText('t.typcollation', 'bt.typcollation')} AS collation,
         (SELECT json_agg(json_build_object('name', con.conname, 'definition', pg_get_constraintdef(con.oid)))
            FROM pg_constraint con WHERE con.contypid = t.oid AND con.contype = 'c') AS checks,
         obj_description(t.oid, 'pg_type') AS comment
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_type bt ON bt.oid = t.typbasetype
  WHERE t.typtype = 'd' AND n.nspname = ANY($1) AND ${notExtensionMember('pg_type', 't.oid')}`;

export interface RawComposite {
  schema: string;
  name: string;
  attributes: { name: string; type: string; collation: string | null }[] | null;
  comment: string | null;
}
// typtype 'c' is also every table's row type: only stand-alone composites (relkind 'c') are types of their own.
export const compositesSql = `
  SELECT n.nspname AS schema, t.typname AS name,
         (SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
                                            'collation', ${collationText('a.attcollation', 'at.typcollation')}) ORDER BY a.attnum)
            FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid
            WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) AS attributes,
         obj_description(t.oid, 'pg_type') AS comment
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_class c ON c.oid = t.typrelid
  WHERE t.typtype = 'c' AND c.relkind = 'c' AND n.nspname = ANY($1) AND ${notExtensionMember('pg_type', 't.oid')}`;

export interface RawSequence {
  schema: string;
  name: string;
  data_type: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cache: string;
  cycle: boolean;
  owned_by: string | null;
  identity: boolean;
}
// OWNED BY is a pg_depend row: deptype 'a' for serial / OWNED BY, 'i' for an identity column's sequence.
export const sequencesSql = `
  SELECT n.nspname AS schema, c.relname AS name, format_type(s.seqtypid, NULL) AS data_type,
         s.seqstart::text AS start, s.seqincrement::text AS increment, s.seqmin::text AS min, s.seqmax::text AS max,
         s.seqcache::text AS cache, s.seqcycle AS cycle,
         (SELECT tn.nspname || '.' || tc.relname || '.' || a.attname
            FROM pg_depend d JOIN pg_class tc ON tc.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = tc.relnamespace
            JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
            WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
              AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i') LIMIT 1) AS owned_by,
         EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'i') AS identity
  FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = ANY($1) AND ${notExtensionMember('pg_class', 'c.oid')}`;

/** tables (relkind r, p), views (v, m): the relations introspection reads, for the per-table queries to join */
const userRelations = (kinds: string) => `
  pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN (${kinds}) AND n.nspname = ANY($1) AND ${notExtensionMember('pg_class', 'c.oid')}`;

export interface RawTable {
  schema: string;
  name: string;
  relkind: 'r' | 'p';
  is_partition: boolean;
  unlogged: boolean;
  parent: string | null;
  bound: string | null;
  partition_key: string | null;
  rls: boolean;
  force_rls: boolean;
  /** pg_class.reloptions, e.g. {fillfactor=70} */
  storage: string[] | null;
  replica_identity: 'd' | 'n' | 'f' | 'i';
  replica_index: string | null;
  inherits: string[] | null;
  comment: string | null;
}
// REPLICA IDENTITY USING INDEX is the index flagged indisreplident. INHERITS parents (not partitions) in order.
export const tablesSql = `
  SELECT n.nspname AS schema, c.relname AS name, c.relkind AS relkind, c.relispartition AS is_partition,
         c.relpersistence = 'u' AS unlogged,
         CASE WHEN c.relispartition THEN (
           SELECT pn.nspname || '.' || pc.relname FROM pg_inherits i
           JOIN pg_class pc ON pc.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = pc.relnamespace
           WHERE i.inhrelid = c.oid) END AS parent,
         CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS bound,
         CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
         c.relrowsecurity AS rls, c.relforcerowsecurity AS force_rls, c.reloptions AS storage, c.relreplident AS replica_identity,
         (SELECT ic.relname FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
            WHERE i.indrelid = c.oid AND i.indisreplident) AS replica_index,
         CASE WHEN NOT c.relispartition THEN (
           SELECT json_agg(pn.nspname || '.' || pc.relname ORDER BY i.inhseqno) FROM pg_inherits i
           JOIN pg_class pc ON pc.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = pc.relnamespace
           WHERE i.inhrelid = c.oid) END AS inherits,
         obj_description(c.oid, 'pg_class') AS comment
  FROM ${userRelations(`'r', 'p'`)}`;

export interface RawColumn {
  schema: string;
  table: string;
  name: string;
  position: number;
  type: string;
  type_name: string;
  category: string;
  is_array: boolean;
  not_null: boolean;
  default: string | null;
  collation: string | null;
  identity: '' | 'a' | 'd';
  generated: '' | 's' | 'v';
  generated_expr: string | null;
  storage: 'p' | 'e' | 'm' | 'x' | null;
  comment: string | null;
}
// position is the ordinal among live columns, not attnum: a dropped column leaves a gap in attnum that a database
// rebuilt from the same DDL would not have. An array's type_name is its element type (`pg_catalog.text`).
export const columnsSql = `
  SELECT n.nspname AS schema, c.relname AS table, a.attname AS name,
         row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum)::int AS position,
         format_type(a.atttypid, a.atttypmod) AS type,
         bn.nspname || '.' || bt.typname AS type_name, t.typcategory AS category,
         (t.typelem <> 0 AND t.typlen = -1) AS is_array,
         a.attnotnull AS not_null,
         CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid) END AS default,
         ${collationText('a.attcollation', 't.typcollation')} AS collation,
         a.attidentity AS identity, a.attgenerated AS generated,
         CASE WHEN a.attgenerated <> '' THEN pg_get_expr(ad.adbin, ad.adrelid) END AS generated_expr,
         CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage END AS storage,
         col_description(c.oid, a.attnum) AS comment
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  JOIN pg_type t ON t.oid = a.atttypid
  JOIN pg_type bt ON bt.oid = CASE WHEN t.typelem <> 0 AND t.typlen = -1 THEN t.typelem ELSE t.oid END
  JOIN pg_namespace bn ON bn.oid = bt.typnamespace
  LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
  WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1) AND ${notExtensionMember('pg_class', 'c.oid')}`;

const attnames = (rel: string, keys: string) =>
  `(SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(${keys}) WITH ORDINALITY k(attnum, ord)
     JOIN pg_attribute a ON a.attrelid = ${rel} AND a.attnum = k.attnum)`;

export interface RawConstraint {
  schema: string;
  table: string;
  name: string;
  type: 'p' | 'u' | 'c' | 'x' | 'f';
  definition: string;
  columns: string[] | null;
  deferrable: boolean;
  deferred: boolean;
  not_valid: boolean;
  ref_schema: string | null;
  ref_table: string | null;
  ref_columns: string[] | null;
  on_update: string;
  on_delete: string;
  match: string;
  comment: string | null;
}
// Skipped: copies a partition gets from its parent (conparentid), inherited checks (NOT conislocal), and
// PostgreSQL 18's NOT NULL constraints (contype 'n'; nullability is read from attnotnull instead).
export const constraintsSql = `
  SELECT n.nspname AS schema, c.relname AS table, con.conname AS name, con.contype AS type,
         pg_get_constraintdef(con.oid) AS definition, ${attnames('con.conrelid', 'con.conkey')} AS columns,
         con.condeferrable AS deferrable, con.condeferred AS deferred, NOT con.convalidated AS not_valid,
         fn.nspname AS ref_schema, fc.relname AS ref_table, ${attnames('con.confrelid', 'con.confkey')} AS ref_columns,
         con.confupdtype AS on_update, con.confdeltype AS on_delete, con.confmatchtype AS match,
         obj_description(con.oid, 'pg_constraint') AS comment
  FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_class fc ON fc.oid = con.confrelid LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
  WHERE con.contype IN ('p', 'u', 'c', 'x', 'f') AND con.conparentid = 0 AND con.conislocal
    AND c.relkind IN ('r', 'p') AND n.nspname = ANY($1) AND ${notExtensionMember('pg_class', 'c.oid')}`;

export interface RawIndex {
  schema: string;
  table: string;
  name: string;
  definition: string;
  unique: boolean;
  method: string;
  predicate: string | null;
  constraint: boolean;
  columns: string[] | null;
  comment: string | null;
}
// An index a partition got by attaching to its parent's index (pg_inherits) is created by the parent's index.
export const indexesSql = `
  SELECT n.nspname AS schema, c.relname AS table, ic.relname AS name, pg_get_indexdef(i.indexrelid) AS definition,
         i.indisunique AS unique, am.amname AS method, pg_get_expr(i.indpred, i.indrelid) AS predicate,
         EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid
                   AND k.contype IN ('p', 'u', 'x')) AS constraint,
         CASE WHEN 0 <> ALL ((i.indkey::int2[])[0:i.indnkeyatts - 1])
              THEN ${attnames('i.indrelid', '(i.indkey::int2[])[0:i.indnkeyatts - 1]')} END AS columns,
         obj_description(i.indexrelid, 'pg_class') AS comment
  FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
  JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname = ANY($1) AND ${notExtensionMember('pg_class', 'c.oid')}
    AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)`;

export interface RawTrigger {
  schema: string;
  table: string;
  name: string;
  type: number;
  function: string;
  definition: string;
  enabled: 'O' | 'D' | 'R' | 'A';
  comment: string | null;
}
// tgisinternal: the RI triggers behind foreign keys; tgparentid: a partition's clone of its parent's trigger.
export const triggersSql = `
  SELECT n.nspname AS schema, c.relname AS table, t.tgname AS name, t.tgtype::int AS type,
         pn.nspname || '.' || p.proname AS function, pg_get_triggerdef(t.oid) AS definition, t.tgenabled AS enabled,
         obj_description(t.oid, 'pg_trigger') AS comment
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace pn ON pn.oid = p.pronamespace
  WHERE NOT t.tgisinternal AND t.tgparentid = 0
    AND c.relkind IN ('r', 'p', 'v') AND n.nspname = ANY($1) AND ${notExtensionMember('pg_class', 'c.oid')}`;

export interface RawPolicy {
  schema: string;
  table: string;
  name: string;
  cmd: 'r' | 'a' | 'w' | 'd' | '*';
  permissive: boolean;
  roles: string[] | null;
  using: string | null;
  with_check: string | null;
  comment: string | null;
}
// polroles holds 0 for PUBLIC.
export const policiesSql = `
  SELECT n.nspname AS schema, c.relname AS table, p.polname AS name, p.polcmd AS cmd, p.polpermissive AS permissive,
         (SELECT json_agg(CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r)::text END) FROM unnest(p.polroles) r) AS roles,
         pg_get_expr(p.polqual, p.polrelid) AS using, pg_get_expr(p.polwithcheck, p.polrelid) AS with_check,
         obj_description(p.oid, 'pg_policy') AS comment
  FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = ANY($1) AND ${notExtensionMember('pg_class', 'c.oid')}`;

export interface RawGrant {
  schema: string;
  table: string;
  grantee: string;
  privilege: string;
  grantable: boolean;
}
// The owner's own privileges are implicit (they appear in relacl once anything is granted): not a grant to compare.
export const grantsSql = `
  SELECT n.nspname AS schema, c.relname AS table,
         CASE WHEN a.grantee = 0 THEN 'public' ELSE pg_get_userbyid(a.grantee)::text END AS grantee,
         a.privilege_type AS privilege, a.is_grantable AS grantable
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a
  WHERE c.relkind IN ('r', 'p', 'v', 'm') AND n.nspname = ANY($1) AND a.grantee <> c.relowner
    AND ${notExtensionMember('pg_class', 'c.oid')}`;

export interface RawObjectGrant {
  /** schema name, or for a schema's own grants the schema itself */
  schema: string;
  /** type or function name (null for schemas), table name for column grants */
  name: string | null;
  /** function identity arguments, or the column of a column grant */
  detail: string | null;
  grantee: string;
  privilege: string;
  grantable: boolean;
}
// A NULL acl means the built-in default (acldefault): PUBLIC may EXECUTE a function and USE a type. Reading the
// default explicitly makes `REVOKE EXECUTE … FROM PUBLIC` a difference like any grant.
const explodedAcl = (acl: string, kind: string, owner: string) =>
  `aclexplode(coalesce(${acl}, acldefault('${kind}', ${owner}))) a`;
const grantee = `CASE WHEN a.grantee = 0 THEN 'public' ELSE pg_get_userbyid(a.grantee)::text END AS grantee,
         a.privilege_type AS privilege, a.is_grantable AS grantable`;
export const functionGrantsSql = `
  SELECT n.nspname AS schema, p.proname AS name, pg_get_function_identity_arguments(p.oid) AS detail, ${grantee}
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace, ${explodedAcl('p.proacl', 'f', 'p.proowner')}
  WHERE n.nspname = ANY($1) AND a.grantee <> p.proowner AND ${notExtensionMember('pg_proc', 'p.oid')}`;
export const typeGrantsSql = `
  SELECT n.nspname AS schema, t.typname AS name, NULL AS detail, ${grantee}
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace, ${explodedAcl('t.typacl', 'T', 't.typowner')}
  WHERE n.nspname = ANY($1) AND a.grantee <> t.typowner AND ${notExtensionMember('pg_type', 't.oid')}
    AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c')))`;
export const schemaGrantsSql = `
  SELECT n.nspname AS schema, NULL AS name, NULL AS detail, ${grantee}
  FROM pg_namespace n, ${explodedAcl('n.nspacl', 'n', 'n.nspowner')}
  WHERE n.nspname = ANY($1) AND a.grantee <> n.nspowner`;
export const columnGrantsSql = `
  SELECT n.nspname AS schema, c.relname AS name, at.attname AS detail, ${grantee}
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute at ON at.attrelid = c.oid AND at.attnum > 0 AND NOT at.attisdropped AND at.attacl IS NOT NULL,
  aclexplode(at.attacl) a
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname = ANY($1) AND a.grantee <> c.relowner
    AND ${notExtensionMember('pg_class', 'c.oid')}`;

export interface RawDefaultPrivilege {
  /** null when it is the database owner's (ALTER DEFAULT PRIVILEGES without FOR ROLE, run by the owner) */
  role: string | null;
  schema: string | null;
  object_type: 'r' | 'S' | 'f' | 'T' | 'n';
  grantee: string;
  privilege: string;
  grantable: boolean;
  revoked: boolean;
}
// A global entry (no schema) replaces the built-in default, so what it removes (REVOKE EXECUTE ON FUNCTIONS FROM
// PUBLIC) is read as a revoke; a per-schema entry only adds. acldefault spells a sequence 's', pg_default_acl 'S'.
export const defaultPrivilegesSql = `
  WITH d AS (
    SELECT da.*, CASE da.defaclobjtype WHEN 'S' THEN 's' ELSE da.defaclobjtype END AS kind,
           CASE WHEN da.defaclrole = (SELECT datdba FROM pg_database WHERE datname = current_database()) THEN NULL
                ELSE pg_get_userbyid(da.defaclrole)::text END AS role,
           (SELECT nspname FROM pg_namespace WHERE oid = da.defaclnamespace) AS schema
    FROM pg_default_acl da
  ), granted AS (
    SELECT d.role, d.schema, d.defaclobjtype AS object_type, a.grantee, a.privilege_type, a.is_grantable, false AS revoked
    FROM d, aclexplode(d.defaclacl) a
    WHERE d.defaclnamespace = 0 AND (a.grantee, a.privilege_type, a.is_grantable) NOT IN
            (SELECT x.grantee, x.privilege_type, x.is_grantable FROM aclexplode(acldefault(d.kind, d.defaclrole)) x)
       OR d.defaclnamespace <> 0
  ), revoked AS (
    SELECT d.role, d.schema, d.defaclobjtype, x.grantee, x.privilege_type, x.is_grantable, true
    FROM d, aclexplode(acldefault(d.kind, d.defaclrole)) x
    WHERE d.defaclnamespace = 0 AND (x.grantee, x.privilege_type) NOT IN (SELECT a.grantee, a.privilege_type FROM aclexplode(d.defaclacl) a)
  )
  SELECT g.role, g.schema, g.object_type, CASE WHEN g.grantee = 0 THEN 'public' ELSE pg_get_userbyid(g.grantee)::text END AS grantee,
         g.privilege_type AS privilege, g.is_grantable AS grantable, g.revoked
  FROM (SELECT * FROM granted UNION ALL SELECT * FROM revoked) g
  WHERE g.schema IS NULL OR g.schema = ANY($1)`;

export interface RawRange {
  schema: string;
  name: string;
  subtype: string;
  opclass: string | null;
  collation: string | null;
  canonical: string | null;
  subtype_diff: string | null;
  multirange: string | null;
  comment: string | null;
}
// The operator class and collation are printed only when they are not the subtype's defaults.
export function rangesSql(major: number): string {
  const multirange = major >= 14 ? `(SELECT mn.nspname || '.' || mt.typname FROM pg_type mt JOIN pg_namespace mn ON mn.oid = mt.typnamespace WHERE mt.oid = r.rngmultitypid)` : 'NULL';
  return `
  SELECT n.nspname AS schema, t.typname AS name, format_type(r.rngsubtype, NULL) AS subtype,
         (SELECT CASE WHEN oc.opcdefault THEN NULL ELSE ocn.nspname || '.' || oc.opcname END
            FROM pg_opclass oc JOIN pg_namespace ocn ON ocn.oid = oc.opcnamespace WHERE oc.oid = r.rngsubopc) AS opclass,
         ${collationText('r.rngcollation', 'st.typcollation')} AS collation,
         CASE WHEN r.rngcanonical <> 0 THEN r.rngcanonical::regproc::text END AS canonical,
         CASE WHEN r.rngsubdiff <> 0 THEN r.rngsubdiff::regproc::text END AS subtype_diff,
         ${multirange} AS multirange,
         obj_description(t.oid, 'pg_type') AS comment
  FROM pg_range r JOIN pg_type t ON t.oid = r.rngtypid JOIN pg_namespace n ON n.oid = t.typnamespace
  JOIN pg_type st ON st.oid = r.rngsubtype
  WHERE n.nspname = ANY($1) AND ${notExtensionMember('pg_type', 't.oid')}`;
}

export interface RawCollation {
  schema: string;
  name: string;
  provider: 'c' | 'i' | 'b' | 'd';
  collate: string | null;
  ctype: string | null;
  locale: string | null;
  deterministic: boolean;
  comment: string | null;
}
// Where an ICU / builtin locale is kept moved: collcollate (14), colliculocale (15, 16), colllocale (17+).
export function collationsSql(major: number): string {
  const locale = major >= 17 ? 'co.colllocale' : major >= 15 ? 'co.colliculocale' : 'NULL::text';
  return `
  SELECT n.nspname AS schema, co.collname AS name, co.collprovider AS provider, co.collcollate AS collate,
         co.collctype AS ctype, ${locale} AS locale, co.collisdeterministic AS deterministic,
         obj_description(co.oid, 'pg_collation') AS comment
  FROM pg_collation co JOIN pg_namespace n ON n.oid = co.collnamespace
  WHERE n.nspname = ANY($1) AND ${notExtensionMember('pg_collation', 'co.oid')}`;
}

export interface RawPublication {
  name: string;
  all_tables: boolean;
  insert: boolean;
  update: boolean;
  delete: boolean;
  truncate: boolean;
  via_root: boolean;
  schemas: string[] | null;
  tables: { schema: string; name: string; columns: string[] | null; row_filter: string | null }[] | null;
}
// Publications are database-wide; only their tables in the read schemas are listed. Column lists, row filters
// and TABLES IN SCHEMA are PostgreSQL 15+.
export function publicationsSql(major: number): string {
  const columns = major >= 15 ? attnames('pr.prrelid', 'pr.prattrs::int2[]') : 'NULL';
  const filter = major >= 15 ? 'pg_get_expr(pr.prqual, pr.prrelid)' : 'NULL';
  const schemas =
    major >= 15
      ? `(SELECT json_agg(pn.nspname) FROM pg_publication_namespace pp JOIN pg_namespace pn ON pn.oid = pp.pnnspid WHERE pp.pnpubid = p.oid AND pn.nspname = ANY($1))`
      : 'NULL';
  return `
  SELECT p.pubname AS name, p.puballtables AS all_tables, p.pubinsert AS insert, p.pubupdate AS update,
         p.pubdelete AS delete, p.pubtruncate AS truncate, p.pubviaroot AS via_root, ${schemas} AS schemas,
         (SELECT json_agg(json_build_object('schema', n.nspname, 'name', c.relname, 'columns', ${columns}, 'row_filter', ${filter}))
            FROM pg_publication_rel pr JOIN pg_class c ON c.oid = pr.prrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE pr.prpubid = p.oid AND n.nspname = ANY($1)) AS tables
  FROM pg_publication p`;
}

export interface RawRule {
  schema: string;
  table: string;
  name: string;
  definition: string;
  enabled: 'O' | 'D' | 'R' | 'A';
}
// '_RETURN' is a view's own query, not a rule anyone wrote.
export const rulesSql = `
  SELECT n.nspname AS schema, c.relname AS table, r.rulename AS name, pg_get_ruledef(r.oid) AS definition, r.ev_enabled AS enabled
  FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE r.rulename <> '_RETURN' AND c.relkind IN ('r', 'p', 'v', 'm') AND n.nspname = ANY($1)
    AND ${notExtensionMember('pg_class', 'c.oid')}`;

export interface RawEventTrigger {
  name: string;
  event: string;
  tags: string[] | null;
  function: string;
  enabled: 'O' | 'D' | 'R' | 'A';
  comment: string | null;
}
// Event triggers are database-wide: read those whose function lives in a read schema.
export const eventTriggersSql = `
  SELECT e.evtname AS name, e.evtevent AS event, (SELECT json_agg(t ORDER BY t) FROM unnest(e.evttags) t) AS tags,
         pn.nspname || '.' || p.proname AS function, e.evtenabled AS enabled,
         obj_description(e.oid, 'pg_event_trigger') AS comment
  FROM pg_event_trigger e JOIN pg_proc p ON p.oid = e.evtfoid JOIN pg_namespace pn ON pn.oid = p.pronamespace
  WHERE pn.nspname = ANY($1) AND ${notExtensionMember('pg_event_trigger', 'e.oid')}`;

export interface RawForeignServer {
  name: string;
  wrapper: string;
  type: string | null;
  version: string | null;
  options: string[] | null;
  /** the roles with a user mapping; their options (passwords) are never read */
  mappings: string[] | null;
}
export const foreignServersSql = `
  SELECT s.srvname AS name, w.fdwname AS wrapper, s.srvtype AS type, s.srvversion AS version,
         (SELECT json_agg(o) FROM unnest(s.srvoptions) o) AS options,
         -- the pg_user_mappings view, not the pg_user_mapping catalog: the catalog is superuser-only (its options hold
         -- passwords), and the restore drill and ordinary roles introspect too
         (SELECT json_agg(CASE WHEN um.umuser = 0 THEN 'public' ELSE um.usename::text END)
            FROM pg_user_mappings um WHERE um.srvid = s.oid) AS mappings
  FROM pg_foreign_server s JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
  WHERE ${notExtensionMember('pg_foreign_server', 's.oid')}`;

export interface RawForeignTable {
  schema: string;
  name: string;
  server: string;
  options: string[] | null;
  columns: { name: string; type: string; not_null: boolean; default: string | null; options: string[] | null }[] | null;
  comment: string | null;
}
export const foreignTablesSql = `
  SELECT n.nspname AS schema, c.relname AS name, s.srvname AS server,
         (SELECT json_agg(o) FROM unnest(ft.ftoptions) o) AS options,
         (SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod), 'not_null', a.attnotnull,
                                            'default', pg_get_expr(ad.adbin, ad.adrelid),
                                            'options', (SELECT json_agg(o) FROM unnest(a.attfdwoptions) o)) ORDER BY a.attnum)
            FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
            WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
         obj_description(c.oid, 'pg_class') AS comment
  FROM pg_foreign_table ft JOIN pg_class c ON c.oid = ft.ftrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_foreign_server s ON s.oid = ft.ftserver
  WHERE n.nspname = ANY($1) AND ${notExtensionMember('pg_class', 'c.oid')}`;

export interface RawView {
  schema: string;
  name: string;
  materialized: boolean;
  definition: string;
  depends_on: string[] | null;
  options: string[] | null;
  comment: string | null;
}
// A view's dependencies are recorded against its rewrite rule.
export const viewsSql = `
  SELECT n.nspname AS schema, c.relname AS name, c.relkind = 'm' AS materialized, pg_get_viewdef(c.oid) AS definition,
         (SELECT json_agg(DISTINCT rn.nspname || '.' || rc.relname)
            FROM pg_rewrite rw JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
            JOIN pg_class rc ON rc.oid = d.refobjid AND d.refclassid = 'pg_class'::regclass
            JOIN pg_namespace rn ON rn.oid = rc.relnamespace
            WHERE rw.ev_class = c.oid AND rc.oid <> c.oid AND rc.relkind IN ('v', 'm')) AS depends_on,
         (SELECT json_agg(o ORDER BY o) FROM unnest(c.reloptions) o) AS options,
         obj_description(c.oid, 'pg_class') AS comment
  FROM ${userRelations(`'v', 'm'`)}`;

export interface RawFunction {
  schema: string;
  name: string;
  identity_args: string;
  kind: 'f' | 'p' | 'a' | 'w';
  returns: string | null;
  language: string;
  body: string;
  sql_body: boolean;
  security_definer: boolean;
  volatility: 'i' | 's' | 'v';
  definition: string | null;
  calls: string[] | null;
  comment: string | null;
}
// pg_get_functiondef refuses aggregates. A range type's constructor functions (and a multirange's) are part of
// the type (an internal dependency): created by CREATE TYPE … AS RANGE, never by the user. `calls`: the functions
// a SQL-standard body uses (only those bodies are parsed, so only they record it), for creation order. PostgreSQL 14+ keeps a SQL-standard body (BEGIN ATOMIC) parsed in
// prosqlbody, with an empty prosrc.
export function functionsSql(major: number): string {
  const sqlBody = major >= 14 ? 'p.prosqlbody IS NOT NULL' : 'false';
  const body = major >= 14 ? `CASE WHEN p.prosqlbody IS NOT NULL THEN pg_get_function_sqlbody(p.oid) ELSE p.prosrc END` : 'p.prosrc';
  return `
  SELECT n.nspname AS schema, p.proname AS name, pg_get_function_identity_arguments(p.oid) AS identity_args,
         p.prokind AS kind, CASE WHEN p.prokind <> 'p' THEN pg_get_function_result(p.oid) END AS returns,
         l.lanname AS language, ${body} AS body, ${sqlBody} AS sql_body,
         p.prosecdef AS security_definer, p.provolatile AS volatility,
         CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) END AS definition,
         (SELECT json_agg(DISTINCT rn.nspname || '.' || rp.proname || '(' || pg_get_function_identity_arguments(rp.oid) || ')')
            FROM pg_depend d JOIN pg_proc rp ON rp.oid = d.refobjid JOIN pg_namespace rn ON rn.oid = rp.pronamespace
            WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.refclassid = 'pg_proc'::regclass
              AND d.deptype = 'n' AND rp.oid <> p.oid AND rn.nspname = ANY($1)) AS calls,
         obj_description(p.oid, 'pg_proc') AS comment
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
  WHERE n.nspname = ANY($1) AND ${notExtensionMember('pg_proc', 'p.oid')}
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                      AND d.refclassid = 'pg_type'::regclass AND d.deptype = 'i')`;
}
