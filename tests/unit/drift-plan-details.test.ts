import { describe, expect, it } from 'vitest';
import { diff } from '../../src/catalog/diff.js';
import type { SequenceDef, ViewDef } from '../../src/catalog/model.js';
import { renderDifference } from '../../src/catalog/render-difference.js';
import { planMigration } from '../../src/drift/plan.js';
import { column, constraint, fk, model, table } from '../fixtures/catalog/builders.js';

/** The statements the planner writes for the details of objects it knows (options, privileges, states). */
const sqlOf = (desired: ReturnType<typeof model>, actual: ReturnType<typeof model>, allowDataLoss = false) =>
  planMigration(desired, actual, diff(desired, actual).map(renderDifference), { allowDataLoss }).statements.map((s) => s.sql);

const id = table('public.t').columns[0] as ReturnType<typeof column>;
const withColumn = (c: ReturnType<typeof column>, serverMajor = 17) => model({ serverMajor, tables: [table('public.t', { columns: [id, c] })] });

describe('column details', () => {
  it('SET STORAGE, and back to the type default (SET STORAGE DEFAULT from 16, read from pg_type before)', () => {
    const body = column('body', { position: 2 });
    expect(sqlOf(withColumn({ ...body, storage: 'external' }), withColumn(body))).toEqual([
      'ALTER TABLE "public"."t" ALTER COLUMN "body" SET STORAGE EXTERNAL;',
    ]);
    expect(sqlOf(withColumn(body), withColumn({ ...body, storage: 'main' }))).toEqual(['ALTER TABLE "public"."t" ALTER COLUMN "body" SET STORAGE DEFAULT;']);
    expect(sqlOf(withColumn(body, 14), withColumn({ ...body, storage: 'main' }, 14))).toEqual([
      `DO $pgsnap$ BEGIN EXECUTE 'ALTER TABLE "public"."t" ALTER COLUMN "body" SET STORAGE ' || (SELECT CASE typstorage WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN' ELSE 'EXTENDED' END FROM pg_type WHERE oid = 'text'::regtype); END $pgsnap$;`,
    ]);
  });

  it('column privileges are granted and revoked per column', () => {
    const g = (privilege: string) => ({ grantee: 'reader', privilege, grantable: false });
    const email = column('email', { position: 2 });
    expect(sqlOf(withColumn({ ...email, grants: [g('UPDATE')] }), withColumn({ ...email, grants: [g('SELECT')] }))).toEqual([
      'REVOKE SELECT ("email") ON TABLE "public"."t" FROM "reader";',
      'GRANT UPDATE ("email") ON TABLE "public"."t" TO "reader";',
    ]);
  });

  it('identity: the kind and the sequence options in one ALTER COLUMN', () => {
    const seq = (over: Partial<SequenceDef>): SequenceDef => ({
      schema: 'public',
      name: 't_id_seq',
      dataType: 'bigint',
      start: '1',
      increment: '1',
      min: '1',
      max: '9223372036854775807',
      cache: '1',
      cycle: false,
      ownedBy: 'public.t.id',
      identity: true,
      ...over,
    });
    const m = (identity: 'always' | 'by default', s: SequenceDef) =>
      model({ tables: [table('public.t', { columns: [column('id', { type: 'bigint', identity, notNull: true })] })], sequences: [s] });
    expect(sqlOf(m('always', seq({ start: '1000', increment: '10' })), m('by default', seq({})))).toEqual([
      'ALTER TABLE "public"."t" ALTER COLUMN "id" SET GENERATED ALWAYS SET START WITH 1000 SET INCREMENT BY 10 SET MINVALUE 1 SET MAXVALUE 9223372036854775807 SET CACHE 1 SET NO CYCLE;',
    ]);
  });
});

describe('constraints, replica identity, inheritance', () => {
  const check = (notValid: boolean) => constraint('t_qty', 'check', { definition: `CHECK ((id > 0))${notValid ? ' NOT VALID' : ''}`, notValid });
  it('NOT VALID live is validated; NOT VALID in the files is dropped and added again NOT VALID in one statement', () => {
    const m = (notValid: boolean) => model({ tables: [table('public.t', { constraints: [check(notValid)] })] });
    expect(sqlOf(m(false), m(true))).toEqual(['ALTER TABLE "public"."t" VALIDATE CONSTRAINT "t_qty";']);
    expect(sqlOf(m(true), m(false))).toEqual(['ALTER TABLE "public"."t" DROP CONSTRAINT "t_qty", ADD CONSTRAINT "t_qty" CHECK ((id > 0)) NOT VALID;']);
  });

  it('REPLICA IDENTITY, after the index it may name', () => {
    const index = {
      name: 't_code',
      definition: 'CREATE UNIQUE INDEX t_code ON public.t USING btree (id)',
      unique: true,
      method: 'btree',
      predicate: null,
      constraint: false,
    };
    const desired = model({ tables: [table('public.t', { indexes: [index], replicaIdentity: 'index t_code' })] });
    expect(sqlOf(desired, model({ tables: [table('public.t', { replicaIdentity: 'full' })] }))).toEqual([
      'CREATE UNIQUE INDEX t_code ON public.t USING btree (id);',
      'ALTER TABLE "public"."t" REPLICA IDENTITY USING INDEX "t_code";',
    ]);
    expect(sqlOf(model({ tables: [table('public.t')] }), model({ tables: [table('public.t', { replicaIdentity: 'nothing' })] }))).toEqual([
      'ALTER TABLE "public"."t" REPLICA IDENTITY DEFAULT;',
    ]);
  });

  it('INHERIT when the live child has the parent’s columns, NO INHERIT the other way; else no plan', () => {
    const base = table('public.base');
    const child = (inherits: string[], columns = [id, column('extra', { position: 2 })]) => table('public.child', { columns, inherits });
    expect(sqlOf(model({ tables: [base, child(['public.base'])] }), model({ tables: [base, child([])] }))).toEqual([
      'ALTER TABLE "public"."child" INHERIT "public"."base";',
    ]);
    expect(sqlOf(model({ tables: [base, child([])] }), model({ tables: [base, child(['public.base'])] }))).toEqual([
      'ALTER TABLE "public"."child" NO INHERIT "public"."base";',
    ]);
    const lacking = planMigration(model({ tables: [base, child(['public.base'])] }), model({ tables: [base, child([], [column('extra')])] }), [
      { kind: 'table', change: 'changed', object: 'public.child' },
    ]);
    expect(lacking.skipped[0]?.reason).toMatch(/no plan for INHERIT public\.base: the live table lacks its column\(s\) id/);
  });
});

describe('views: options, INSTEAD OF triggers, a table replaced by a view', () => {
  const v = (over: Partial<ViewDef> = {}): ViewDef => ({
    schema: 'public',
    name: 'v',
    materialized: false,
    definition: ' SELECT 1 AS id',
    indexes: [],
    comment: null,
    ...over,
  });
  it('options are SET and RESET in place', () => {
    expect(
      sqlOf(
        model({ views: [v({ options: ['check_option=local', 'security_barrier=true'] })] }),
        model({ views: [v({ options: ['check_option=cascaded', 'security_invoker=true'] })] }),
      ),
    ).toEqual([
      'ALTER VIEW "public"."v" RESET ("security_invoker");\nALTER VIEW "public"."v" SET ("check_option" = \'local\', "security_barrier" = \'true\');',
    ]);
    const mv = (options: string[]) => model({ views: [v({ materialized: true, options })] });
    expect(sqlOf(mv(['autovacuum_enabled=false', 'fillfactor=70']), mv(['fillfactor=70']))).toEqual([
      `ALTER MATERIALIZED VIEW "public"."v" SET ("autovacuum_enabled" = 'false');`,
    ]);
  });

  it('a trigger on a view is created and dropped like one on a table, and comes back when the view is rebuilt', () => {
    const trigger = {
      name: 'v_insert',
      timing: 'instead of' as const,
      events: ['insert' as const],
      level: 'row' as const,
      function: 'public.v_insert',
      definition: 'CREATE TRIGGER v_insert INSTEAD OF INSERT ON public.v FOR EACH ROW EXECUTE FUNCTION v_insert()',
      enabled: 'O' as const,
    };
    expect(sqlOf(model({ views: [v({ triggers: [trigger] })] }), model({ views: [v()] }))).toEqual([`${trigger.definition};`]);
    expect(sqlOf(model({ views: [v()] }), model({ views: [v({ triggers: [trigger] })] }))).toEqual(['DROP TRIGGER "v_insert" ON "public"."v";']);
    expect(sqlOf(model({ views: [v({ definition: ' SELECT 2 AS id', triggers: [trigger] })] }), model({ views: [v({ triggers: [trigger] })] }))).toEqual([
      `DROP VIEW "public"."v";\nCREATE VIEW "public"."v" AS\n SELECT 2 AS id;\n${trigger.definition};`,
    ]);
    // missing live on a view the plan rebuilds: the rebuild creates it, once
    expect(sqlOf(model({ views: [v({ definition: ' SELECT 2 AS id', triggers: [trigger] })] }), model({ views: [v()] }))).toEqual([
      `DROP VIEW "public"."v";\nCREATE VIEW "public"."v" AS\n SELECT 2 AS id;\n${trigger.definition};`,
      '-- created with VIEW "public"."v", which this plan builds again',
    ]);
  });

  it('a live table where the files have a view: dropped before the CREATE VIEW, and both withheld without --allow-data-loss', () => {
    const desired = model({ views: [v()] });
    const actual = model({ tables: [table('public.v', { constraints: [fk('v_t_fkey', ['id'], 'public.t')] }), table('public.t')] });
    const withheld = planMigration(desired, actual, diff(desired, actual).map(renderDifference));
    expect(withheld.statements.map((s) => s.sql)).toEqual([]);
    expect(withheld.skipped.map((s) => [s.fixes.change, s.fixes.kind, s.fixes.object])).toEqual(
      expect.arrayContaining([
        ['missing', 'view', 'public.v'],
        ['extra', 'table', 'public.v'],
      ]),
    );
    expect(sqlOf(desired, actual, true)).toEqual(['DROP TABLE "public"."v";', 'CREATE VIEW "public"."v" AS\n SELECT 1 AS id;', 'DROP TABLE "public"."t";']);
  });
});

describe('grants and comments on objects other than tables', () => {
  it('EXECUTE on a function, USAGE on a schema and a type, revoked from PUBLIC where the files say so', () => {
    const fn = (grants: { grantee: string; privilege: string; grantable: boolean }[]) => ({
      schema: 'public',
      name: 'f',
      identityArgs: 'x integer',
      kind: 'function' as const,
      returns: 'integer',
      language: 'sql',
      body: 'SELECT 1',
      securityDefiner: false,
      volatility: 'volatile' as const,
      definition: 'CREATE OR REPLACE FUNCTION public.f(x integer) RETURNS integer LANGUAGE sql AS $function$SELECT 1$function$',
      comment: null,
      grants,
    });
    const reader = { grantee: 'reader', privilege: 'EXECUTE', grantable: false };
    const pub = { grantee: 'public', privilege: 'EXECUTE', grantable: false };
    const usage = { grantee: 'reader', privilege: 'USAGE', grantable: false };
    const desired = model({ functions: [fn([reader])], schemas: [{ name: 'public', comment: null, grants: [usage] }] });
    const actual = model({ functions: [fn([pub])], schemas: [{ name: 'public', comment: null, grants: [] }] });
    expect(sqlOf(desired, actual)).toEqual([
      'REVOKE EXECUTE ON FUNCTION "public"."f"(x integer) FROM PUBLIC;',
      'GRANT EXECUTE ON FUNCTION "public"."f"(x integer) TO "reader";',
      'GRANT USAGE ON SCHEMA "public" TO "reader";',
    ]);
    const type = (grants: (typeof usage)[]) => model({ enums: [{ schema: 'public', name: 'mood', labels: ['ok'], comment: null, grants }] });
    expect(sqlOf(type([]), type([{ ...usage, grantee: 'public' }]))).toEqual(['REVOKE USAGE ON TYPE "public"."mood" FROM PUBLIC;']);
  });

  it('comments on a constraint, an index, a trigger and a policy, told apart from a column of the same name', () => {
    const c = constraint('x', 'check', { definition: 'CHECK ((id > 0))' });
    const m = (comment?: string) =>
      model({
        tables: [
          table('public.t', {
            columns: [id, column('x', { position: 2 })],
            constraints: [comment ? { ...c, comment } : c],
            policies: [{ name: 'p', command: 'select', permissive: true, roles: [], using: 'true', withCheck: null, ...(comment ? { comment } : {}) }],
          }),
        ],
      });
    expect(sqlOf(m('no negatives'), m())).toEqual([
      `COMMENT ON POLICY "p" ON "public"."t" IS 'no negatives';`,
      // "public.t.x" is also a column: the difference's own text says it is the constraint
      `COMMENT ON CONSTRAINT "x" ON "public"."t" IS 'no negatives';`,
    ]);
    expect(sqlOf(m(), m('old'))).toEqual(['COMMENT ON POLICY "p" ON "public"."t" IS NULL;', 'COMMENT ON CONSTRAINT "x" ON "public"."t" IS NULL;']);
  });
});

describe('an enum losing a value under a view', () => {
  it('drops the views, partial indexes, checks and policies over its columns around the rebuild and creates them again as they are live', () => {
    const status = (labels: string[]) => ({ schema: 'public', name: 'status', labels, comment: null });
    const col = column('s', { position: 2, type: 'public.status', typeName: 'public.status' });
    const partial = {
      name: 't_live',
      definition: "CREATE INDEX t_live ON public.t USING btree (id) WHERE (s <> 'b'::status)",
      unique: false,
      method: 'btree',
      predicate: "(s <> 'b'::status)",
      constraint: false,
    };
    const plain = {
      name: 't_id',
      definition: 'CREATE INDEX t_id ON public.t USING btree (id)',
      unique: false,
      method: 'btree',
      predicate: null,
      constraint: false,
      columns: ['id'],
    };
    const t = table('public.t', {
      columns: [id, col],
      indexes: [partial, plain],
      policies: [{ name: 'p', command: 'select', permissive: true, roles: [], using: "(s = 'a'::status)", withCheck: null }],
    });
    const reads = { schema: 'public', name: 'summary', materialized: false, definition: ' SELECT s FROM t', indexes: [], comment: null };
    const above = { ...reads, name: 'above', definition: ' SELECT s FROM summary', dependsOn: ['public.summary'] };
    const other = { ...reads, name: 'other', definition: ' SELECT 1 AS one' };
    const m = (labels: string[]) => model({ enums: [status(labels)], tables: [t], views: [reads, above, other] });
    expect(sqlOf(m(['a']), m(['a', 'b']), true)[0]?.split('\n')).toEqual([
      'DROP VIEW "public"."above";',
      'DROP VIEW "public"."summary";',
      'DROP INDEX "public"."t_live";',
      'DROP POLICY "p" ON "public"."t";',
      'ALTER TYPE "public"."status" RENAME TO "status__pgsnap_old";',
      `CREATE TYPE "public"."status" AS ENUM ('a');`,
      'ALTER TABLE "public"."t" ALTER COLUMN "s" TYPE "public"."status" USING "s"::text::"public"."status";',
      'DROP TYPE "public"."status__pgsnap_old";',
      `${partial.definition};`,
      `CREATE POLICY "p" ON "public"."t" AS PERMISSIVE FOR SELECT TO PUBLIC USING ((s = 'a'::status));`,
      'CREATE VIEW "public"."summary" AS',
      ' SELECT s FROM t;',
      'CREATE VIEW "public"."above" AS',
      ' SELECT s FROM summary;',
    ]);
  });
});

describe('a created schema, type or function brings its grants and comment', () => {
  it('a missing function with EXECUTE revoked from PUBLIC, a missing type with a comment', () => {
    const f = {
      schema: 'public',
      name: 'locked',
      identityArgs: '',
      kind: 'function' as const,
      returns: 'integer',
      language: 'sql',
      body: 'SELECT 1',
      securityDefiner: false,
      volatility: 'volatile' as const,
      definition: 'CREATE OR REPLACE FUNCTION public.locked() RETURNS integer LANGUAGE sql AS $function$SELECT 1$function$',
      comment: 'admins only',
      grants: [{ grantee: 'admin', privilege: 'EXECUTE', grantable: false }],
    };
    const mood = {
      schema: 'public',
      name: 'mood',
      labels: ['ok'],
      comment: 'how it feels',
      grants: [{ grantee: 'public', privilege: 'USAGE', grantable: false }],
    };
    expect(sqlOf(model({ functions: [f], enums: [mood] }), model())).toEqual([
      `CREATE TYPE "public"."mood" AS ENUM ('ok');`,
      `${f.definition};`,
      'REVOKE EXECUTE ON FUNCTION "public"."locked"() FROM PUBLIC;',
      'GRANT EXECUTE ON FUNCTION "public"."locked"() TO "admin";',
      `COMMENT ON FUNCTION "public"."locked"() IS 'admins only';`,
      `COMMENT ON TYPE "public"."mood" IS 'how it feels';`,
    ]);
  });
});

describe('a created table or column brings its storage, column privileges and replica identity', () => {
  it('CREATE TABLE, then SET STORAGE, REPLICA IDENTITY and the column grant', () => {
    const body = column('body', { position: 2, storage: 'external', grants: [{ grantee: 'reader', privilege: 'SELECT', grantable: false }] });
    const t = table('public.t', { columns: [id, body], replicaIdentity: 'full' });
    expect(sqlOf(model({ tables: [t] }), model())).toEqual([
      'CREATE TABLE "public"."t" (\n  "id" integer NOT NULL,\n  "body" text\n);',
      'ALTER TABLE "public"."t" ALTER COLUMN "body" SET STORAGE EXTERNAL;',
      'ALTER TABLE "public"."t" REPLICA IDENTITY FULL;',
      'GRANT SELECT ("body") ON TABLE "public"."t" TO "reader";',
    ]);
    expect(sqlOf(model({ tables: [t] }), model({ tables: [table('public.t', { replicaIdentity: 'full' })] }))).toEqual([
      'ALTER TABLE "public"."t" ADD COLUMN "body" text;',
      'ALTER TABLE "public"."t" ALTER COLUMN "body" SET STORAGE EXTERNAL;',
      'GRANT SELECT ("body") ON TABLE "public"."t" TO "reader";',
    ]);
  });
});
