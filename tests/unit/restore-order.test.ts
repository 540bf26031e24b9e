import { describe, expect, it } from 'vitest';
import { pairKey } from '../../src/archive/table-id.js';
import { orderForRestore } from '../../src/restore/order.js';
import { column, fk, table } from '../fixtures/catalog/builders.js';

// The one foreign-key ordering (restore's); these cases came with catalog/tables.ts foreignKeyOrder, which
// nothing used and which is gone.
const key = (qualified: string) => {
  const [schema = '', name = ''] = qualified.split('.');
  return pairKey({ schema, name });
};
const edges = (r: ReturnType<typeof orderForRestore>) => r.cycleEdges.map((e) => [e.from, e.to, e.constraint.name]);

describe('orderForRestore', () => {
  it('puts referenced tables first', () => {
    const r = orderForRestore([
      table('public.sessions', { constraints: [fk('s_p', ['project_id'], 'public.projects')] }),
      table('public.projects', { constraints: [fk('p_u', ['owner_id'], 'auth.users')] }),
      table('auth.users'),
    ]);
    expect(r.order).toEqual(['auth.users', 'public.projects', 'public.sessions'].map(key));
    expect(r.cycleEdges).toEqual([]);
  });

  it('needs nothing for a self-reference and breaks a cycle at one deterministic edge', () => {
    const r = orderForRestore([
      table('public.a', { constraints: [fk('a_b', ['b_id'], 'public.b')] }),
      table('public.b', { constraints: [fk('b_a', ['a_id'], 'public.a')] }),
      table('public.s', { constraints: [fk('s_retry', ['retry_of'], 'public.s')] }),
      table('public.c', { constraints: [fk('c_a', ['a_id'], 'public.a')] }),
    ]);
    expect(r.order).toEqual(['public.s', 'public.a', 'public.b', 'public.c'].map(key));
    expect(edges(r)).toEqual([[key('public.a'), key('public.b'), 'a_b']]);
  });

  it('breaks a cycle at a deferrable key first, then at nullable columns', () => {
    const notNull = [column('a_id', { notNull: true }), column('b_id', { notNull: true })];
    const deferrable = orderForRestore([
      table('public.a', { columns: notNull, constraints: [fk('a_b', ['b_id'], 'public.b')] }),
      table('public.b', { columns: notNull, constraints: [fk('b_a', ['a_id'], 'public.a', { deferrable: true })] }),
    ]);
    expect(edges(deferrable)).toEqual([[key('public.b'), key('public.a'), 'b_a']]);
    const nullable = orderForRestore([
      table('public.a', { columns: notNull, constraints: [fk('a_b', ['b_id'], 'public.b')] }),
      table('public.b', { columns: [column('a_id')], constraints: [fk('b_a', ['a_id'], 'public.a')] }),
    ]);
    expect(edges(nullable)).toEqual([[key('public.b'), key('public.a'), 'b_a']]);
    expect(nullable.order).toEqual(['public.b', 'public.a'].map(key));
  });

  it('ignores references to tables outside the set', () => {
    const r = orderForRestore([table('public.x', { constraints: [fk('x_y', ['y_id'], 'public.elsewhere')] })]);
    expect(r.order).toEqual([key('public.x')]);
    expect(r.cycleEdges).toEqual([]);
  });
});
