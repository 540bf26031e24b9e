import { describe, expect, it } from 'vitest';
import { DIFFERENCE_KINDS, diff } from '../../src/catalog/diff.js';
import type { FunctionDef, SequenceDef } from '../../src/catalog/model.js';
import { column, constraint, fk, model, table } from '../fixtures/catalog/builders.js';
import { renderDifference } from '../../src/catalog/render-difference.js';

/** diff, with its facts rendered as drift shows them */
const rendered = (...models: Parameters<typeof diff>) => diff(...models).map(renderDifference);

const brief = (ds: readonly { change: string; kind: string; object: string }[]) => ds.map((d) => `${d.change} ${d.kind} ${d.object}`);

function fn(body: string, over: Partial<FunctionDef> = {}): FunctionDef {
  return {
    schema: 'public',
    name: 'f',
    identityArgs: 'x integer',
    kind: 'function',
    returns: 'integer',
    language: 'plpgsql',
    body,
    securityDefiner: false,
    volatility: 'volatile',
    definition: `CREATE OR REPLACE FUNCTION public.f(x integer)\n RETURNS integer\n LANGUAGE plpgsql\nAS $function$${body}$function$`,
    comment: null,
    ...over,
  };
}

function seq(name: string, over: Partial<SequenceDef> = {}): SequenceDef {
  const [schema, n] = name.split('.') as [string, string];
  return {
    schema,
    name: n,
    dataType: 'integer',
    start: '1',
    increment: '1',
    min: '1',
    max: '2147483647',
    cache: '1',
    cycle: false,
    ownedBy: null,
    identity: false,
    ...over,
  };
}

describe('serial sequences belong to their column', () => {
  const t = (def: string) => table('public.t', { columns: [column('id', { default: def })] });
  const serial = seq('public.t_id_seq', { ownedBy: 'public.t.id' });

  it('a serial column added by hand is one column finding, not a column and a sequence', () => {
    const desired = model({ tables: [table('public.t', { columns: [] })] });
    const actual = model({ tables: [t("nextval('t_id_seq'::regclass)")], sequences: [serial] });
    expect(brief(diff(desired, actual))).toEqual(['extra column public.t.id']);
  });

  it('changed options of a serial sequence are reported on its column, with the sequence text as the diff', () => {
    const desired = model({ tables: [t("nextval('t_id_seq'::regclass)")], sequences: [serial] });
    const actual = model({ tables: [t("nextval('t_id_seq'::regclass)")], sequences: [{ ...serial, increment: '10' }] });
    const ds = rendered(desired, actual);
    expect(brief(ds)).toEqual(['changed column public.t.id']);
    expect(ds[0]?.actual).toMatch(/INCREMENT BY 10/);
  });

  it('a sequence of its own is still compared as a sequence', () => {
    expect(brief(diff(model(), model({ sequences: [seq('public.counter')] })))).toEqual(['extra sequence public.counter']);
  });
});

describe('diff on inline models', () => {
  it('finds nothing between equal models, and never compares positions', () => {
    const a = model({ tables: [table('public.t', { columns: [column('a', { position: 1 }), column('b', { position: 2 })] })] });
    const b = model({ tables: [table('public.t', { columns: [column('b', { position: 1 }), column('a', { position: 2 })] })] });
    expect(diff(a, a)).toEqual([]);
    expect(diff(a, b)).toEqual([]);
  });

  it('reports a missing table once, not once per column, with its DDL as the desired side', () => {
    const d = rendered(model({ tables: [table('public.gone', { constraints: [constraint('gone_pkey', 'primary')] })] }), model());
    expect(brief(d)).toEqual(['missing table public.gone']);
    expect(d[0]?.desired).toContain('CREATE TABLE "public"."gone"');
    expect(d[0]?.desired).toContain('CONSTRAINT "gone_pkey" PRIMARY KEY (id)');
    expect(d[0]?.actual).toBeUndefined();
  });

  it('reports an extra table (the auth_configs case, seen from the other side)', () => {
    const d = rendered(model(), model({ tables: [table('public.auth_configs')] }));
    expect(brief(d)).toEqual(['extra table public.auth_configs']);
    expect(d[0]?.actual).toContain('"auth_configs"');
  });

  it('splits a column change into one difference per aspect', () => {
    const a = model({ tables: [table('public.s', { columns: [column('status', { notNull: true, default: "'queued'::text" })] })] });
    const b = model({ tables: [table('public.s', { columns: [column('status', { type: 'character varying(20)' })] })] });
    expect(brief(diff(a, b))).toEqual([
      'changed column.type public.s.status',
      'changed column.nullability public.s.status',
      'changed column.default public.s.status',
    ]);
    expect(rendered(a, b)[0]?.desired).toBe(`"status" text DEFAULT 'queued'::text NOT NULL`);
    expect(rendered(a, b)[0]?.actual).toBe(`"status" character varying(20)`);
  });

  it('compares foreign keys by definition, including actions', () => {
    const cascade = fk('c_p_fkey', ['p_id'], 'public.p', { definition: 'FOREIGN KEY (p_id) REFERENCES public.p(id) ON DELETE CASCADE' });
    const setNull = fk('c_p_fkey', ['p_id'], 'public.p', { definition: 'FOREIGN KEY (p_id) REFERENCES public.p(id) ON DELETE SET NULL' });
    const d = rendered(model({ tables: [table('public.c', { constraints: [cascade] })] }), model({ tables: [table('public.c', { constraints: [setNull] })] }));
    expect(brief(d)).toEqual(['changed foreign_key public.c.c_p_fkey']);
    expect(d[0]?.desired).toBe('ALTER TABLE "public"."c" ADD CONSTRAINT "c_p_fkey" FOREIGN KEY (p_id) REFERENCES public.p(id) ON DELETE CASCADE;');
  });

  it('reports NOT VALID vs validated as its own difference, not as a changed rule', () => {
    const a = model({
      tables: [table('public.t', { constraints: [constraint('t_check', 'check', { definition: 'CHECK (id > 0) NOT VALID', notValid: true })] })],
    });
    const b = model({ tables: [table('public.t', { constraints: [constraint('t_check', 'check', { definition: 'CHECK (id > 0)' })] })] });
    expect(brief(diff(a, b))).toEqual(['changed constraint.validated public.t.t_check']);
  });

  it('reports a column change of a partitioned table once, on the parent, not once per partition', () => {
    const cols = (type: string) => [column('id', { type: 'integer' }), column('v', { type, position: 2 })];
    const side = (type: string) =>
      model({
        tables: [
          table('public.m', { kind: 'partitioned', partitionKey: 'RANGE (id)', columns: cols(type) }),
          table('public.m_1', { kind: 'partition', partitionOf: 'public.m', partitionBound: 'DEFAULT', columns: cols(type) }),
        ],
      });
    expect(brief(diff(side('integer'), side('bigint')))).toEqual(['changed column.type public.m.v']);
  });

  it('compares enum labels in order', () => {
    const e = (labels: string[]) => model({ enums: [{ schema: 'public', name: 'e', labels, comment: null }] });
    expect(brief(diff(e(['a', 'b']), e(['b', 'a'])))).toEqual(['changed enum public.e']);
    expect(diff(e(['a', 'b']), e(['a', 'b']))).toEqual([]);
  });

  it('compares function bodies ignoring whitespace, but not string contents', () => {
    const a = model({ functions: [fn('\nBEGIN\n  RETURN x + 1;\nEND\n')] });
    const reflowed = model({ functions: [fn(' BEGIN RETURN x + 1; END ')] });
    const other = model({ functions: [fn('\nBEGIN\n  RETURN x + 2;\nEND\n')] });
    expect(diff(a, reflowed)).toEqual([]);
    expect(brief(diff(a, other))).toEqual(['changed function public.f(x integer)']);
    const lit = (s: string) => model({ functions: [fn(`BEGIN RAISE NOTICE '${s}'; END`)] });
    expect(brief(diff(lit('a  b'), lit('a b')))).toEqual(['changed function public.f(x integer)']);
  });

  it('treats whitespace around the body as part of the body', () => {
    // introspect trims the body's end, while pg_get_functiondef keeps it inside the dollar quotes
    const stored = (raw: string) => fn(raw.trimEnd(), { definition: fn(raw).definition });
    expect(diff(model({ functions: [stored('\nBEGIN RETURN x; END\n')] }), model({ functions: [stored(' BEGIN RETURN x; END ')] }))).toEqual([]);
  });

  it('notices a changed function attribute outside the body', () => {
    const a = model({
      functions: [
        fn('BEGIN RETURN x; END', { securityDefiner: true, definition: fn('BEGIN RETURN x; END').definition.replace('plpgsql', 'plpgsql\n SECURITY DEFINER') }),
      ],
    });
    const b = model({ functions: [fn('BEGIN RETURN x; END')] });
    expect(brief(diff(a, b))).toEqual(['changed function public.f(x integer)']);
  });

  it('reports triggers, their enabled state, RLS, policies, grants and comments by name', () => {
    const trigger = {
      name: 'tr',
      timing: 'before',
      events: ['update'],
      level: 'row',
      function: 'public.touch',
      definition: 'CREATE TRIGGER tr BEFORE UPDATE ON public.t FOR EACH ROW EXECUTE FUNCTION public.touch()',
      enabled: 'O',
    } as const;
    const a = model({
      tables: [
        table('public.t', {
          triggers: [trigger],
          rowSecurity: true,
          policies: [{ name: 'own', command: 'all', permissive: true, roles: ['public'], using: '(id = 1)', withCheck: null }],
          grants: [{ grantee: 'reader', privilege: 'SELECT', grantable: false }],
          comment: 'rows',
        }),
      ],
    });
    const b = model({ tables: [table('public.t', { triggers: [{ ...trigger, enabled: 'D' }] })] });
    expect(brief(diff(a, b))).toEqual([
      'missing comment public.t',
      'changed trigger.enabled public.t.tr',
      'changed rls public.t',
      'missing policy public.t.own',
      'missing grant public.t.reader.SELECT',
    ]);
    expect(rendered(a, b).find((d) => d.kind === 'trigger.enabled')?.actual).toContain('DISABLE TRIGGER "tr"');
  });

  it('keys indexes by schema and name, and leaves constraint indexes to their constraint', () => {
    const idx = (definition: string, constraintBacked = false) => ({
      name: 'i',
      definition,
      unique: false,
      method: 'btree',
      predicate: null,
      constraint: constraintBacked,
    });
    const a = model({ tables: [table('public.t', { indexes: [idx('CREATE INDEX i ON public.t USING btree (id)')] })] });
    const b = model({ tables: [table('public.t', { indexes: [idx('CREATE INDEX i ON public.t USING hash (id)')] })] });
    expect(brief(diff(a, b))).toEqual(['changed index public.i']);
    const c = model({ tables: [table('public.t', { indexes: [idx('CREATE UNIQUE INDEX i ON public.t USING btree (id)', true)] })] });
    expect(brief(diff(a, c))).toEqual(['missing index public.i']);
  });

  it('reports views and materialized views by kind, whitespace-insensitively', () => {
    const v = (definition: string, materialized = false) =>
      model({ views: [{ schema: 'public', name: 'v', materialized, definition, indexes: [], comment: null }] });
    expect(diff(v(' SELECT t.id\n   FROM public.t'), v('SELECT t.id FROM public.t'))).toEqual([]);
    expect(brief(diff(v('SELECT 1'), v('SELECT 2')))).toEqual(['changed view public.v']);
    expect(brief(diff(v('SELECT 1', true), model()))).toEqual(['missing materialized_view public.v']);
  });

  it('only reports kinds from DIFFERENCE_KINDS', () => {
    const a = model({ tables: [table('public.t', { rowSecurity: true, forceRowSecurity: true })], schemas: [{ name: 'x', comment: null }] });
    for (const d of diff(a, model())) expect(DIFFERENCE_KINDS).toContain(d.kind);
    expect(brief(diff(a, model()))).toEqual(['missing schema x', 'extra schema public', 'missing table public.t']);
  });
});
