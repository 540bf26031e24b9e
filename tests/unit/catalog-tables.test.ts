import { describe, expect, it } from 'vitest';
import { canonicalViewDefinition, collapseWhitespace } from '../../src/catalog/normalize.js';
import { storedColumns, tableKey } from '../../src/catalog/tables.js';
import { column, constraint, table } from '../fixtures/catalog/builders.js';

const unique = (name: string, columns: string[], over = {}) =>
  constraint(name, 'unique', { definition: `UNIQUE (${columns.join(', ')})`, columns, ...over });
const uniqueIndex = (name: string, columns: string[] | undefined, predicate: string | null = null) => ({
  name,
  definition: `CREATE UNIQUE INDEX ${name} ON public.t (…)`,
  unique: true,
  method: 'btree',
  predicate,
  constraint: false,
  ...(columns ? { columns } : {}),
});

describe('tableKey', () => {
  const cols = [column('id', { notNull: true }), column('email', { notNull: true }), column('nick'), column('org', { notNull: true })];

  it('prefers the primary key', () => {
    const t = table('public.t', { columns: cols, constraints: [unique('t_email_key', ['email']), constraint('t_pkey', 'primary', { columns: ['id'] })] });
    expect(tableKey(t)).toEqual({ kind: 'primary', name: 't_pkey', columns: ['id'] });
  });

  it('falls back to a unique constraint over NOT NULL columns, fewest columns first', () => {
    const t = table('public.t', {
      columns: cols,
      constraints: [unique('a_wide', ['email', 'org']), unique('b_nullable', ['nick']), unique('c_email', ['email'])],
    });
    expect(tableKey(t)).toEqual({ kind: 'unique', name: 'c_email', columns: ['email'] });
  });

  it('skips deferrable constraints, which ON CONFLICT cannot use', () => {
    const t = table('public.t', { columns: cols, constraints: [unique('t_email_key', ['email'], { deferrable: true })] });
    expect(tableKey(t)).toBeNull();
  });

  it('uses a plain unique index over NOT NULL columns, but not a partial or expression one', () => {
    expect(tableKey(table('public.t', { columns: cols, indexes: [uniqueIndex('t_org', ['org'])] }))).toEqual({
      kind: 'unique',
      name: 't_org',
      columns: ['org'],
    });
    expect(tableKey(table('public.t', { columns: cols, indexes: [uniqueIndex('t_org', ['org'], '(org > 0)')] }))).toBeNull();
    expect(tableKey(table('public.t', { columns: cols, indexes: [uniqueIndex('t_lower', undefined)] }))).toBeNull();
    expect(tableKey(table('public.t', { columns: cols, indexes: [uniqueIndex('t_nick', ['nick'])] }))).toBeNull();
  });
});

describe('storedColumns', () => {
  it('drops generated columns and keeps table order', () => {
    const t = table('public.t', {
      columns: [column('b', { position: 2 }), column('a', { position: 1 }), column('g', { position: 3, generated: 'a || b' })],
    });
    expect(storedColumns(t).map((c) => c.name)).toEqual(['a', 'b']);
  });
});

describe('collapseWhitespace', () => {
  it('collapses whitespace outside quotes and keeps it inside', () => {
    expect(collapseWhitespace("  SELECT  a,\n  'x   y' ,\"A  B\"  FROM t  ")).toBe(`SELECT a,'x   y',"A  B" FROM t`);
    expect(collapseWhitespace('SELECT $$ a   b $$,  $q$ c  $q$')).toBe('SELECT $$ a   b $$,$q$ c  $q$');
    expect(collapseWhitespace("SELECT E'it\\'s   x'  ,  1")).toBe("SELECT E'it\\'s   x',1");
    expect(collapseWhitespace('SELECT f( $1 )')).toBe('SELECT f($1)');
  });

  it('keeps the space between words', () => {
    expect(collapseWhitespace('RETURN  n\n+ 1')).toBe('RETURN n + 1');
    expect(collapseWhitespace('SELECT ab')).not.toBe(collapseWhitespace('SELECT a b'));
  });
});

describe('canonicalViewDefinition', () => {
  it('drops single-relation qualifiers the way PostgreSQL 16+ prints them', () => {
    const v15 = 'SELECT invoices.customer_id,\n    sum(invoices.gross) AS revenue\n   FROM billing.invoices\n  GROUP BY invoices.customer_id;';
    const v16 = 'SELECT customer_id,\n    sum(gross) AS revenue\n   FROM billing.invoices\n  GROUP BY customer_id;';
    expect(canonicalViewDefinition(v15)).toBe(canonicalViewDefinition(v16));
    expect(canonicalViewDefinition(v16)).toBe('SELECT customer_id,sum(gross)AS revenue FROM billing.invoices GROUP BY customer_id;');
  });

  it('keeps qualifiers when several relations are read, and real differences', () => {
    const join = 'SELECT p.id FROM public.projects p JOIN public.test_sessions s ON s.project_id = p.id';
    expect(canonicalViewDefinition(join)).toBe(join);
    expect(canonicalViewDefinition('SELECT t.a FROM public.t WHERE t.a > 1')).not.toBe(canonicalViewDefinition('SELECT t.b FROM public.t WHERE t.b > 1'));
    expect(canonicalViewDefinition('SELECT t.a FROM public.t WHERE t.a > 1')).toBe('SELECT a FROM public.t WHERE a > 1');
  });
});

describe('canonicalViewDefinition at the end of a statement', () => {
  it('handles a FROM that ends the definition', () => {
    expect(canonicalViewDefinition('SELECT t.a FROM public.t;')).toBe('SELECT a FROM public.t;');
  });
});
