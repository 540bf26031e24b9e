import { describe, expect, it } from 'vitest';
import { diff } from '../../src/catalog/diff.js';
import { planMigration } from '../../src/drift/plan.js';
import { renderStatements } from '../../src/drift/plan-file.js';
import { enumRepair, isWidening } from '../../src/drift/plan-types.js';
import { column, fk, model, table } from '../fixtures/catalog/builders.js';
import { renderDifference } from '../../src/catalog/render-difference.js';

const id = table('public.x').columns[0] as ReturnType<typeof column>;
const status = (labels: string[]) => ({ schema: 'public', name: 'status', labels, comment: null });

describe('planMigration (pure)', () => {
  it('orders repairs by dependency: drops of dependents, tables, foreign keys, then the data-losing drops last', () => {
    const desired = model({
      tables: [table('public.a'), table('public.b', { constraints: [fk('b_a_fkey', ['id'], 'public.a')] })],
    });
    const actual = model({
      tables: [
        table('public.b', { columns: [id, column('old', { position: 2 })] }),
        table('public.child', { constraints: [fk('child_parent_fkey', ['id'], 'public.parent')] }),
        table('public.parent'),
      ],
    });
    const differences = diff(desired, actual).map(renderDifference);
    const plan = planMigration(desired, actual, differences, { allowDataLoss: true });
    expect(plan.skipped).toEqual([]);
    expect(plan.statements.map((s) => s.sql)).toEqual([
      'CREATE TABLE "public"."a" (\n  "id" integer NOT NULL\n);',
      'ALTER TABLE "public"."b" ADD CONSTRAINT "b_a_fkey" FOREIGN KEY (id) REFERENCES public.a(id);',
      'ALTER TABLE "public"."b" DROP COLUMN "old";',
      // the table whose foreign key points at the other goes first
      'DROP TABLE "public"."child";',
      'DROP TABLE "public"."parent";',
    ]);
  });

  it('withholds data-losing statements unless allowed, each with its reason and SQL', () => {
    const desired = model({ tables: [table('public.t')] });
    const actual = model({ tables: [table('public.t', { columns: [id, column('bio', { position: 2 })] }), table('public.gone')] });
    const plan = planMigration(desired, actual, diff(desired, actual).map(renderDifference));
    expect(plan.statements).toEqual([]);
    expect(plan.skipped.map((s) => [s.fixes.object, s.dataLoss])).toEqual([
      ['public.t.bio', 'drops a column and its values'],
      ['public.gone', 'drops a table and every row in it'],
    ]);
    expect(plan.skipped[0]?.sql).toBe('ALTER TABLE "public"."t" DROP COLUMN "bio";');
    expect(renderStatements(plan)).toContain('-- NOT REPAIRED: extra column public.t.bio: withheld: drops a column and its values');
  });

  it('a narrowing type change is data loss, a widening one is not', () => {
    const t = (type: string) => model({ tables: [table('public.t', { columns: [column('name', { type })] })] });
    const widen = planMigration(t('text'), t('character varying(20)'), diff(t('text'), t('character varying(20)')).map(renderDifference));
    expect(widen.statements.map((s) => s.sql)).toEqual(['ALTER TABLE "public"."t" ALTER COLUMN "name" TYPE text USING "name"::text;']);
    const narrow = planMigration(t('character varying(20)'), t('text'), diff(t('character varying(20)'), t('text')).map(renderDifference));
    expect(narrow.statements).toEqual([]);
    expect(narrow.skipped[0]?.dataLoss).toMatch(/changes the type from text to character varying\(20\)/);
  });

  it('an unknown kind of difference is listed as having no plan, never dropped silently', () => {
    const m = model();
    const plan = planMigration(m, m, [{ kind: 'subscription', change: 'missing', object: 'sub_all' }]);
    expect(plan.statements).toEqual([]);
    expect(plan.skipped).toEqual([{ fixes: { kind: 'subscription', change: 'missing', object: 'sub_all' }, reason: 'no plan for this kind of difference (subscription)' }]);
  });

  it('a difference whose object is in neither model is listed, not guessed', () => {
    const m = model();
    const plan = planMigration(m, m, [{ kind: 'index', change: 'missing', object: 'public.nowhere' }]);
    expect(plan.skipped[0]?.reason).toMatch(/not found in the catalog model/);
  });
});

describe('enum repairs', () => {
  it('adds values in place, in position, when the live labels are a prefix-preserving subset', () => {
    const r = enumRepair(status(['a', 'b', 'c', 'd']), status(['b', 'd']), []);
    expect(r.dropped).toEqual([]);
    expect(r.sql.split('\n')).toEqual([`ALTER TYPE "public"."status" ADD VALUE 'a' BEFORE 'b';`, `ALTER TYPE "public"."status" ADD VALUE 'c' AFTER 'b';`]);
  });

  it('rebuilds the type, moving columns over through text, when a value goes away', () => {
    const users = table('public.users', { columns: [column('s', { type: 'public.status', typeName: 'public.status', default: "'a'::public.status" })] });
    const r = enumRepair(status(['a']), status(['a', 'b']), [users]);
    expect(r.dropped).toEqual(['b']);
    expect(r.sql.split('\n')).toEqual([
      'ALTER TYPE "public"."status" RENAME TO "status__pgsnap_old";',
      `CREATE TYPE "public"."status" AS ENUM ('a');`,
      'ALTER TABLE "public"."users" ALTER COLUMN "s" DROP DEFAULT;',
      'ALTER TABLE "public"."users" ALTER COLUMN "s" TYPE "public"."status" USING "s"::text::"public"."status";',
      `ALTER TABLE "public"."users" ALTER COLUMN "s" SET DEFAULT 'a'::"public"."status";`,
      'DROP TYPE "public"."status__pgsnap_old";',
    ]);
  });
});

describe('isWidening', () => {
  it.each([
    ['character varying(20)', 'text', true],
    ['character varying(20)', 'character varying(30)', true],
    ['character varying(30)', 'character varying(20)', false],
    ['text', 'character varying(20)', false],
    ['smallint', 'bigint', true],
    ['bigint', 'integer', false],
    ['numeric(10,2)', 'numeric(12,2)', true],
    ['numeric(10,2)', 'numeric(10,3)', false],
    ['integer', 'numeric', true],
    ['integer[]', 'bigint[]', true],
    ['integer', 'bigint[]', false],
    ['timestamp without time zone', 'timestamp with time zone', false],
  ])('%s → %s: %s', (from, to, expected) => expect(isWidening(from, to)).toBe(expected));
});

describe('views', () => {
  const mv = (definition: string) => ({
    schema: 'public',
    name: 'totals',
    materialized: true,
    definition,
    indexes: [
      {
        name: 'totals_n',
        definition: 'CREATE INDEX totals_n ON public.totals USING btree (n)',
        unique: false,
        method: 'btree',
        predicate: null,
        constraint: false,
      },
    ],
    comment: 'nightly totals',
    grants: [{ grantee: 'reader', privilege: 'SELECT', grantable: false }],
  });
  it('a changed view is rebuilt with its indexes, grants and comment; a plain one other views read is replaced in place', () => {
    const desired = model({ views: [mv(' SELECT 2 AS n')] });
    const actual = model({ views: [mv(' SELECT 1 AS n')] });
    expect(planMigration(desired, actual, diff(desired, actual).map(renderDifference)).statements.map((s) => s.sql)).toEqual([
      [
        'DROP MATERIALIZED VIEW "public"."totals";',
        'CREATE MATERIALIZED VIEW "public"."totals" AS\n SELECT 2 AS n;',
        'CREATE INDEX totals_n ON public.totals USING btree (n);',
        'GRANT SELECT ON TABLE "public"."totals" TO "reader";',
        `COMMENT ON MATERIALIZED VIEW "public"."totals" IS 'nightly totals';`,
      ].join('\n'),
    ]);
    // a plain view another view reads is replaced in place (dropping it would fail without CASCADE)
    const plain = (definition: string) => ({ ...mv(definition), materialized: false, indexes: [] });
    const reader = { ...plain(' SELECT n FROM public.totals'), name: 'reader', grants: [], comment: null, dependsOn: ['public.totals'] };
    const d2 = model({ views: [plain(' SELECT 2 AS n'), reader] });
    const a2 = model({ views: [plain(' SELECT 1 AS n'), reader] });
    expect(planMigration(d2, a2, diff(d2, a2).map(renderDifference)).statements.map((s) => s.sql)).toEqual([
      'CREATE OR REPLACE VIEW "public"."totals" AS\n SELECT 2 AS n;',
    ]);
  });
});
