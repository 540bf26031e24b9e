import { describe, expect, it } from 'vitest';
import { diff } from '../../src/catalog/diff.js';
import { renderDifference } from '../../src/catalog/render-difference.js';
import type {
  CatalogModel,
  CollationDef,
  DefaultPrivilegeDef,
  EventTriggerDef,
  ForeignServerDef,
  ForeignTableDef,
  PublicationDef,
  RangeTypeDef,
  RuleDef,
} from '../../src/catalog/model.js';
import { type PlanOptions, planMigration } from '../../src/drift/plan.js';
import { column, model, table } from '../fixtures/catalog/builders.js';

/** The planner's statements for the whole-object kinds (src/drift/plan-objects.ts and its neighbours), as text. */
function planned(desired: CatalogModel, actual: CatalogModel, options: PlanOptions = {}) {
  const plan = planMigration(desired, actual, diff(desired, actual).map(renderDifference), options);
  return { sql: plan.statements.map((s) => s.sql), skipped: plan.skipped.map((s) => [`${s.fixes.change} ${s.fixes.kind} ${s.fixes.object}`, s.reason]) };
}

const collation = (over: Partial<CollationDef> = {}): CollationDef => ({
  schema: 'public',
  name: 'bytewise',
  provider: 'libc',
  collate: 'C',
  ctype: 'C',
  locale: null,
  deterministic: true,
  comment: null,
  ...over,
});

describe('collations', () => {
  const t = table('public.t', { columns: [column('code', { collation: 'public.bytewise' }), column('other', { position: 2, collation: '"C"' })] });

  it('a changed collation is renamed aside, created anew, its columns moved over and the old one dropped', () => {
    const desired = model({ collations: [collation()], tables: [t] });
    const actual = model({ collations: [collation({ collate: 'POSIX', ctype: 'POSIX' })], tables: [t] });
    expect(planned(desired, actual).sql).toEqual([
      [
        'ALTER COLLATION "public"."bytewise" RENAME TO "bytewise__pgsnap_old";',
        `CREATE COLLATION "public"."bytewise" (provider = libc, lc_collate = 'C', lc_ctype = 'C');`,
        'ALTER TABLE "public"."t" ALTER COLUMN "code" TYPE text COLLATE public.bytewise USING "code"::text;',
        'DROP COLLATION "public"."bytewise__pgsnap_old";',
      ].join('\n'),
    ]);
  });

  it('a missing one is created with its comment before the types, an extra one dropped after them', () => {
    const range: RangeTypeDef = rangeType({ name: 'coded', subtype: 'text', collation: 'public.bytewise', multirange: null, grants: [] });
    const desired = model({ collations: [collation({ comment: 'byte order' })], rangeTypes: [range] });
    const actual = model({ collations: [collation({ name: 'old' })], enums: [{ schema: 'public', name: 'e', labels: ['x'], comment: null }] });
    expect(planned(desired, actual).sql).toEqual([
      `CREATE COLLATION "public"."bytewise" (provider = libc, lc_collate = 'C', lc_ctype = 'C');\nCOMMENT ON COLLATION "public"."bytewise" IS 'byte order';`,
      `CREATE TYPE "public"."coded" AS RANGE (SUBTYPE = text, COLLATION = public.bytewise);\nREVOKE USAGE ON TYPE "public"."coded" FROM PUBLIC;`,
      'DROP TYPE "public"."e";',
      'DROP COLLATION "public"."old";',
    ]);
  });
});

function rangeType(over: Partial<RangeTypeDef> = {}): RangeTypeDef {
  return {
    schema: 'public',
    name: 'floatrange',
    subtype: 'double precision',
    opclass: null,
    collation: null,
    canonical: null,
    subtypeDiff: null,
    multirange: 'public.floatmultirange',
    comment: null,
    ...over,
  };
}

describe('range types', () => {
  const booking = table('public.booking', {
    columns: [column('during', { type: 'public.floatrange', typeName: 'public.floatrange', default: "'[1,2)'::floatrange" })],
  });
  const usage = [{ grantee: 'public', privilege: 'USAGE', grantable: false }];

  it('a changed range type is rebuilt: renamed aside with its multirange and constructors, created, columns moved', () => {
    const desired = model({ rangeTypes: [rangeType({ subtypeDiff: 'float8mi', grants: usage })], tables: [booking] });
    const actual = model({ rangeTypes: [rangeType({ grants: usage })], tables: [booking] });
    const { sql } = planned(desired, actual);
    expect(sql).toEqual([
      [
        'ALTER TYPE "public"."floatrange" RENAME TO "floatrange__pgsnap_old";',
        'ALTER FUNCTION "public"."floatrange"(double precision, double precision) RENAME TO "floatrange__pgsnap_old";',
        'ALTER FUNCTION "public"."floatrange"(double precision, double precision, text) RENAME TO "floatrange__pgsnap_old";',
        'ALTER TYPE "public"."floatmultirange" RENAME TO "floatmultirange__pgsnap_old";',
        'ALTER FUNCTION "public"."floatmultirange"() RENAME TO "floatmultirange__pgsnap_old";',
        'ALTER FUNCTION "public"."floatmultirange"("public"."floatrange__pgsnap_old") RENAME TO "floatmultirange__pgsnap_old";',
        'ALTER FUNCTION "public"."floatmultirange"(VARIADIC "public"."floatrange__pgsnap_old"[]) RENAME TO "floatmultirange__pgsnap_old";',
        'CREATE TYPE "public"."floatrange" AS RANGE (SUBTYPE = double precision, SUBTYPE_DIFF = float8mi, MULTIRANGE_TYPE_NAME = "public"."floatmultirange");',
        'ALTER TABLE "public"."booking" ALTER COLUMN "during" DROP DEFAULT;',
        'ALTER TABLE "public"."booking" ALTER COLUMN "during" TYPE "public"."floatrange" USING "during"::text::"public"."floatrange";',
        `ALTER TABLE "public"."booking" ALTER COLUMN "during" SET DEFAULT '[1,2)'::"public"."floatrange";`,
        'DROP TYPE "public"."floatrange__pgsnap_old";',
      ].join('\n'),
    ]);
  });

  it("a partition's or INHERITS child's column is moved over through its parent (PostgreSQL refuses it on the child)", () => {
    const during = booking.columns[0] as ReturnType<typeof column>;
    const parent = { ...booking, kind: 'partitioned' as const, partitionKey: 'RANGE (during)' };
    const part = table('public.booking_1', { kind: 'partition', partitionOf: 'public.booking', partitionBound: 'DEFAULT', columns: [during] });
    const child = table('public.booking_old', {
      inherits: ['public.booking'],
      columns: [during, column('note', { position: 2, type: 'public.floatrange', typeName: 'public.floatrange' })],
    });
    const tables = [parent, part, child];
    const moved = planned(model({ rangeTypes: [rangeType({ subtypeDiff: 'float8mi' })], tables }), model({ rangeTypes: [rangeType()], tables }))
      .sql.join('\n')
      .split('\n')
      .filter((l) => l.startsWith('ALTER TABLE') && l.includes('" TYPE '));
    expect(moved).toEqual([
      'ALTER TABLE "public"."booking" ALTER COLUMN "during" TYPE "public"."floatrange" USING "during"::text::"public"."floatrange";',
      'ALTER TABLE "public"."booking_old" ALTER COLUMN "note" TYPE "public"."floatrange" USING "note"::text::"public"."floatrange";',
    ]);
  });

  it('a new subtype is data loss: withheld unless allowed', () => {
    const desired = model({ rangeTypes: [rangeType({ subtype: 'integer' })] });
    const actual = model({ rangeTypes: [rangeType()] });
    const plan = planned(desired, actual);
    expect(plan.sql).toEqual([]);
    expect(plan.skipped).toEqual([['changed range_type public.floatrange', expect.stringMatching(/^withheld: rebuilds the range type with another subtype/)]]);
    expect(planned(desired, actual, { allowDataLoss: true }).sql).toHaveLength(1);
  });
});

describe('rules', () => {
  const rule = (name: string, over: Partial<RuleDef> = {}): RuleDef => ({
    name,
    definition: `CREATE RULE ${name} AS\n    ON INSERT TO public.t DO  INSERT INTO public.log (id)\n  VALUES (new.id)`,
    enabled: 'O',
    ...over,
  });

  it('a changed rule is replaced in place and its enabled state set on its own; a missing one created, an extra one dropped first', () => {
    const changed = rule('t_log', { definition: rule('t_log').definition.replace('new.id', 'new.id + 1'), enabled: 'D' });
    const desired = model({ tables: [table('public.t', { rules: [changed, rule('r_new')] })] });
    const actual = model({ tables: [table('public.t', { rules: [rule('t_log'), rule('r_gone')] })] });
    expect(planned(desired, actual).sql).toEqual([
      'DROP RULE "r_gone" ON "public"."t";',
      'CREATE OR REPLACE RULE r_new AS\n    ON INSERT TO public.t DO  INSERT INTO public.log (id)\n  VALUES (new.id);',
      [
        'CREATE OR REPLACE RULE t_log AS\n    ON INSERT TO public.t DO  INSERT INTO public.log (id)\n  VALUES (new.id + 1);',
        'ALTER TABLE "public"."t" DISABLE RULE "t_log";',
      ].join('\n'),
    ]);
  });

  it('a missing table or view brings its rules, and a view rebuilt by the plan gets them back', () => {
    const view = { schema: 'public', name: 'v', materialized: false, indexes: [], comment: null, rules: [rule('v_insert')] };
    const desired = model({ tables: [table('public.t', { rules: [rule('t_log', { enabled: 'D' })] })], views: [{ ...view, definition: ' SELECT 2 AS id' }] });
    const actual = model({ views: [{ ...view, definition: ' SELECT 1 AS id' }] });
    const sql = planned(desired, actual).sql;
    expect(sql.filter((s) => s.includes('RULE'))).toEqual([
      'DROP VIEW "public"."v";\nCREATE VIEW "public"."v" AS\n SELECT 2 AS id;\nCREATE RULE v_insert AS\n    ON INSERT TO public.t DO  INSERT INTO public.log (id)\n  VALUES (new.id);',
      'CREATE RULE t_log AS\n    ON INSERT TO public.t DO  INSERT INTO public.log (id)\n  VALUES (new.id);\nALTER TABLE "public"."t" DISABLE RULE "t_log";',
    ]);
  });
});

describe('event triggers', () => {
  const trigger = (over: Partial<EventTriggerDef> = {}): EventTriggerDef => ({
    name: 'on_ddl',
    event: 'ddl_command_end',
    tags: ['CREATE TABLE'],
    function: 'public.log_ddl',
    enabled: 'O',
    comment: null,
    ...over,
  });

  it('an enabled state is altered; new tags are a drop and create, after everything else the plan does', () => {
    const desired = model({ eventTriggers: [trigger({ enabled: 'D', name: 'a' }), trigger({ tags: ['ALTER TABLE', 'CREATE TABLE'], comment: 'audit' })] });
    const actual = model({ eventTriggers: [trigger({ name: 'a' }), trigger()], tables: [table('public.gone')] });
    expect(planned(desired, actual, { allowDataLoss: true }).sql).toEqual([
      'DROP TABLE "public"."gone";',
      'ALTER EVENT TRIGGER "a" DISABLE;',
      [
        'DROP EVENT TRIGGER "on_ddl";',
        `CREATE EVENT TRIGGER "on_ddl" ON ddl_command_end WHEN TAG IN ('ALTER TABLE', 'CREATE TABLE') EXECUTE FUNCTION "public"."log_ddl"();`,
        `COMMENT ON EVENT TRIGGER "on_ddl" IS 'audit';`,
      ].join('\n'),
    ]);
  });

  it('an extra one is dropped before the functions it calls', () => {
    const actual = model({ eventTriggers: [trigger()] });
    expect(planned(model(), actual).sql).toEqual(['DROP EVENT TRIGGER "on_ddl";']);
  });
});

describe('publications', () => {
  const pub = (over: Partial<PublicationDef> = {}): PublicationDef => ({
    name: 'realtime',
    allTables: false,
    operations: ['insert', 'update', 'delete', 'truncate'],
    viaRoot: false,
    schemas: [],
    tables: [],
    ...over,
  });
  const messages = { schema: 'public', name: 'messages', columns: null, rowFilter: null };

  it('settings and schemas are altered; tables are let go of first and taken on last', () => {
    const desired = model({
      publications: [
        pub({ operations: ['insert'], schemas: ['feed'], tables: [{ ...messages, columns: ['id', 'body'], rowFilter: '(id > 0)' }] }),
        pub({ name: 'fresh', tables: [messages] }),
      ],
    });
    const actual = model({ publications: [pub({ tables: [messages, { ...messages, name: 'rooms' }] }), pub({ name: 'gone' })] });
    expect(planned(desired, actual).sql).toEqual([
      'DROP PUBLICATION "gone";',
      'ALTER PUBLICATION "realtime" DROP TABLE "public"."rooms";',
      `CREATE PUBLICATION "fresh" WITH (publish = 'insert, update, delete, truncate');\nALTER PUBLICATION "fresh" ADD TABLE "public"."messages";`,
      `ALTER PUBLICATION "realtime" SET (publish = 'insert', publish_via_partition_root = false);\nALTER PUBLICATION "realtime" ADD TABLES IN SCHEMA "feed";`,
      'ALTER PUBLICATION "realtime" DROP TABLE "public"."messages";\nALTER PUBLICATION "realtime" ADD TABLE "public"."messages" ("id", "body") WHERE ((id > 0));',
    ]);
  });

  it('FOR ALL TABLES cannot be altered in or out: the publication is created again, nothing table by table', () => {
    const desired = model({ publications: [pub({ allTables: true })] });
    const actual = model({ publications: [pub({ tables: [messages] })] });
    expect(planned(desired, actual).sql).toEqual([
      `DROP PUBLICATION "realtime";\nCREATE PUBLICATION "realtime" FOR ALL TABLES WITH (publish = 'insert, update, delete, truncate');`,
    ]);
  });
});

describe('foreign servers, user mappings and foreign tables', () => {
  const server = (over: Partial<ForeignServerDef> = {}): ForeignServerDef => ({
    name: 'warehouse',
    wrapper: 'postgres_fdw',
    type: null,
    version: null,
    options: ['dbname=dw', 'host=a.internal'],
    userMappings: [],
    ...over,
  });
  const col = (name: string, over: Partial<ForeignTableDef['columns'][number]> = {}) => ({
    name,
    type: 'integer',
    notNull: false,
    default: null,
    options: [],
    ...over,
  });
  const ft = (over: Partial<ForeignTableDef> = {}): ForeignTableDef => ({
    schema: 'public',
    name: 'sales',
    server: 'warehouse',
    options: ['table_name=sales'],
    columns: [col('id'), col('amount')],
    comment: null,
    ...over,
  });

  it('a server and a foreign table are altered in place, option by option and column by column', () => {
    const desired = model({
      foreignServers: [server({ version: '2', options: ['dbname=dw', 'host=b.internal', 'port=5432'] })],
      foreignTables: [
        ft({
          options: [],
          columns: [
            col('id', { notNull: true }),
            col('amount', { type: 'numeric', options: ['column_name=amt'] }),
            col('region', { type: 'text', options: ['column_name=r'] }),
          ],
        }),
      ],
    });
    const actual = model({
      foreignServers: [server({ options: ['dbname=dw', 'host=a.internal', 'sslmode=require'] })],
      foreignTables: [ft({ columns: [col('id'), col('amount'), col('gone')] })],
    });
    const t = 'ALTER FOREIGN TABLE "public"."sales"';
    expect(planned(desired, actual).sql).toEqual([
      `ALTER SERVER "warehouse" VERSION '2';\nALTER SERVER "warehouse" OPTIONS (SET "host" 'b.internal', ADD "port" '5432', DROP "sslmode");`,
      [
        `${t} OPTIONS (DROP "table_name");`,
        `${t} DROP COLUMN "gone";`,
        `${t} ALTER COLUMN "id" SET NOT NULL;`,
        `${t} ALTER COLUMN "amount" TYPE numeric;`,
        `${t} ALTER COLUMN "amount" OPTIONS (ADD "column_name" 'amt');`,
        `${t} ADD COLUMN "region" text OPTIONS ("column_name" 'r');`,
      ].join('\n'),
    ]);
  });

  it('a user mapping is never created (its options are never read); dropping one, or a server with one, is data loss', () => {
    const desired = model({ foreignServers: [server({ userMappings: ['public', 'reader'] })] });
    const actual = model({ foreignServers: [server({ userMappings: ['public', 'writer'] }), server({ name: 'old', userMappings: ['public'] })] });
    const plan = planned(desired, actual);
    expect(plan.sql).toEqual([]);
    expect(plan.skipped).toEqual([
      ['missing user_mapping warehouse.reader', expect.stringMatching(/^no plan for a user mapping: its options \(user, password\) are never read/)],
      ['extra user_mapping warehouse.writer', expect.stringMatching(/^withheld: drops a user mapping and its options/)],
      ['extra foreign_server old', expect.stringMatching(/^withheld: drops a user mapping/)],
    ]);
    expect(planned(desired, actual, { allowDataLoss: true }).sql).toEqual([
      'DROP USER MAPPING FOR PUBLIC SERVER "old";\nDROP SERVER "old";',
      'DROP USER MAPPING FOR "writer" SERVER "warehouse";',
    ]);
  });

  it('what ALTER cannot do is not planned: another wrapper, another server, a new column order', () => {
    const reasons = (d: CatalogModel, a: CatalogModel) => planned(d, a).skipped.map(([, why]) => why);
    expect(reasons(model({ foreignServers: [server({ wrapper: 'file_fdw' })] }), model({ foreignServers: [server()] }))).toEqual([
      expect.stringMatching(/^no plan for a foreign server whose wrapper or type changed/),
    ]);
    expect(reasons(model({ foreignTables: [ft({ server: 'other' })] }), model({ foreignTables: [ft()] }))).toEqual([
      expect.stringMatching(/^no plan for a foreign table moved to another server/),
    ]);
    expect(reasons(model({ foreignTables: [ft({ columns: [col('amount'), col('id')] })] }), model({ foreignTables: [ft()] }))).toEqual([
      expect.stringMatching(/^no plan for a foreign table whose columns changed order/),
    ]);
  });

  it('a missing server comes before the types and tables, a missing foreign table with the tables', () => {
    const desired = model({ foreignServers: [server()], foreignTables: [ft({ comment: 'from the warehouse' })] });
    expect(planned(desired, model()).sql).toEqual([
      `CREATE SERVER "warehouse" FOREIGN DATA WRAPPER "postgres_fdw" OPTIONS ("dbname" 'dw', "host" 'a.internal');`,
      `CREATE FOREIGN TABLE "public"."sales" (\n  "id" integer,\n  "amount" integer\n) SERVER "warehouse" OPTIONS ("table_name" 'sales');\nCOMMENT ON FOREIGN TABLE "public"."sales" IS 'from the warehouse';`,
    ]);
  });
});

describe('default privileges', () => {
  const dp = (over: Partial<DefaultPrivilegeDef> = {}): DefaultPrivilegeDef => ({
    role: 'app_owner',
    schema: 'app',
    objectType: 'tables',
    grantee: 'reader',
    privilege: 'SELECT',
    grantable: false,
    revoked: false,
    ...over,
  });

  it('a missing entry is set, an extra one taken back (a revoked built-in default granted again), a grant option changed', () => {
    const desired = model({ defaultPrivileges: [dp(), dp({ privilege: 'UPDATE', grantable: false })] });
    const actual = model({
      defaultPrivileges: [
        dp({ privilege: 'UPDATE', grantable: true }),
        dp({ schema: null, objectType: 'functions', grantee: 'public', privilege: 'EXECUTE', revoked: true }),
      ],
    });
    expect(planned(desired, actual).sql).toEqual([
      'ALTER DEFAULT PRIVILEGES FOR ROLE "app_owner" GRANT EXECUTE ON FUNCTIONS TO PUBLIC;',
      'ALTER DEFAULT PRIVILEGES FOR ROLE "app_owner" IN SCHEMA "app" GRANT SELECT ON TABLES TO "reader";',
      'ALTER DEFAULT PRIVILEGES FOR ROLE "app_owner" IN SCHEMA "app" REVOKE GRANT OPTION FOR UPDATE ON TABLES FROM "reader";',
    ]);
  });

  it("the database owner's defaults name the owner, looked up when the plan runs, not whoever applies it", () => {
    const desired = model({ defaultPrivileges: [dp({ role: null, grantee: 'odd%role' })] });
    expect(planned(desired, model()).sql).toEqual([
      `DO $pgsnap$ BEGIN EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA "app" GRANT SELECT ON TABLES TO "odd%%role"', (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database())); END $pgsnap$;`,
    ]);
  });
});
