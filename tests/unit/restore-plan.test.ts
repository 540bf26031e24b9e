import { describe, expect, it } from 'vitest';
import { column, constraint, fk as foreignKey, model as buildModel, table as buildTable } from '../fixtures/catalog/builders.js';
import type { ArchivedTable } from '../../src/archive/format.js';
import { manifest } from './restore-manifest.js';
import type { CatalogModel, ColumnDef, ConstraintDef, TableDef } from '../../src/catalog/model.js';
import { parseSelection } from '../../src/patterns.js';
import { decideAccess, type Privileges } from '../../src/restore/access.js';
import { orderForRestore } from '../../src/restore/order.js';
import { pairKey } from '../../src/archive/table-id.js';
import { planRestore } from '../../src/restore/plan.js';

// The shared catalog builders, in the shape these planner tests read best.
function col(name: string, type = 'text', extra: Partial<ColumnDef> = {}): ColumnDef {
  return column(name, { position: 0, type, typeName: `pg_catalog.${type}`, ...extra });
}
function pk(columns: string[], name = 'pk'): ConstraintDef {
  return constraint(name, 'primary', { definition: '', columns });
}
function unique(columns: string[], name: string): ConstraintDef {
  return constraint(name, 'unique', { definition: '', columns });
}
function fk(columns: string[], to: string, name: string, deferrable = false): ConstraintDef {
  return foreignKey(name, columns, to, { definition: '', deferrable });
}
function table(qname: string, columns: ColumnDef[], constraints: ConstraintDef[] = [], extra: Partial<TableDef> = {}): TableDef {
  return buildTable(qname, { columns: columns.map((c, i) => ({ ...c, position: i + 1 })), constraints, ...extra });
}
function model(tables: TableDef[], sequences: CatalogModel['sequences'] = []): CatalogModel {
  return buildModel({ schemas: [], sequences, tables });
}
function archived(t: TableDef, rows = 3): ArchivedTable {
  return {
    schema: t.schema,
    name: t.name,
    columns: t.columns.filter((c) => c.generated === null).map((c) => ({ name: c.name, type: c.type, notNull: c.notNull, identity: c.identity })),
    key: null,
    rows,
    entries: [{ name: `data/${t.schema}.${t.name}.0.ndjson`, rows, bytes: 10, sha256: 'x' }],
    fingerprint: '',
  };
}
const opts = (extra: Partial<Parameters<typeof planRestore>[3]> = {}) => ({
  onConflict: 'nothing' as const,
  selection: parseSelection(),
  createMissing: false,
  ...extra,
});

const users = table('auth.users', [col('id', 'uuid', { notNull: true }), col('email', 'text', { notNull: true })], [pk(['id'], 'users_pkey')]);
const profiles = table('public.profiles', [col('id', 'uuid', { notNull: true }), col('name')], [pk(['id'], 'profiles_pkey'), fk(['id'], 'auth.users', 'profiles_id_fkey')]);
const logs = table('public.error_logs', [col('level', 'text', { notNull: true }), col('message')]);

describe('planRestore', () => {
  it('orders tables so referenced tables come first, and uses the primary key as conflict target', () => {
    const p = planRestore(manifest([archived(profiles), archived(users)]), model([]), model([profiles, users]), opts());
    expect(p.blockers).toEqual([]);
    expect(p.tables.map((t) => t.table)).toEqual(['auth.users', 'public.profiles']);
    expect(p.tables[0]?.conflict).toEqual({ kind: 'key', constraint: 'users_pkey', columns: ['id'] });
  });

  it('falls back to a unique constraint over NOT NULL columns, and to multiset compare without one', () => {
    const byEmail = table('public.accounts', [col('email', 'text', { notNull: true }), col('nick')], [unique(['nick'], 'nick_key'), unique(['email'], 'email_key')]);
    const p = planRestore(manifest([archived(byEmail), archived(logs)]), model([]), model([byEmail, logs]), opts());
    expect(p.tables.find((t) => t.name === 'accounts')?.conflict).toEqual({ kind: 'key', constraint: 'email_key', columns: ['email'] });
    expect(p.tables.find((t) => t.name === 'error_logs')?.conflict).toEqual({ kind: 'multiset' });
  });

  it('reports a table missing from the target as a blocker unless --create-missing or --table leaves it out', () => {
    const m = manifest([archived(users), archived(profiles)]);
    const missing = planRestore(m, model([]), model([users]), opts());
    expect(missing.missing).toEqual(['public.profiles']);
    expect(missing.blockers.join()).toMatch(/no table public\.profiles .*--create-missing/);
    expect(planRestore(m, model([]), model([users]), opts({ createMissing: true })).blockers).toEqual([]);
    const filtered = planRestore(m, model([]), model([users]), opts({ selection: parseSelection(['auth.*']) }));
    expect(filtered.blockers).toEqual([]);
    expect(filtered.tables.map((t) => t.table)).toEqual(['auth.users']);
  });

  it('says when a --table pattern matches nothing in the archive', () => {
    const p = planRestore(manifest([archived(users)]), model([]), model([users]), opts({ selection: parseSelection(['nope']) }));
    expect(p.blockers).toEqual(['--table nope matches no table in the archive']);
  });

  it('maps columns by name and reports extra, missing, generated and retyped columns', () => {
    const before = table('public.t', [col('id', 'integer', { notNull: true }), col('gone'), col('amount', 'integer'), col('slug')], [pk(['id'])]);
    const after = table(
      'public.t',
      [
        col('amount', 'numeric(12,2)'),
        col('id', 'integer', { notNull: true }),
        col('slug', 'text', { generated: "lower('x')" }),
        col('added', 'text', { default: "'n/a'::text" }),
      ],
      [pk(['id'])],
    );
    const p = planRestore(manifest([archived(before)]), model([]), model([after]), opts());
    const t = p.tables[0];
    expect(t?.columns).toEqual(['id', 'amount']);
    expect(t?.notes.join('\n')).toMatch(/column gone is in the archive but not in the target/);
    expect(t?.notes.join('\n')).toMatch(/column amount changed type from integer to numeric\(12,2\)/);
    expect(t?.notes.join('\n')).toMatch(/column slug is generated in the target/);
    expect(t?.notes.join('\n')).toMatch(/column added is not in the archive; restored rows get its default/);
    expect(p.blockers).toEqual([]);
  });

  it('blocks a NOT NULL target column without default that the archive cannot fill', () => {
    const before = table('public.t', [col('id', 'integer', { notNull: true })], [pk(['id'])]);
    const after = table('public.t', [col('id', 'integer', { notNull: true }), col('tenant', 'uuid', { notNull: true })], [pk(['id'])]);
    const p = planRestore(manifest([archived(before)]), model([]), model([after]), opts());
    expect(p.blockers).toEqual(['public.t.tenant is NOT NULL without a default, and the archive has no values for it']);
  });

  it('asks for OVERRIDING SYSTEM VALUE only when an identity ALWAYS column is restored', () => {
    const always = table('public.p', [col('id', 'bigint', { notNull: true, identity: 'always' }), col('name')], [pk(['id'])]);
    const byDefault = table('public.q', [col('id', 'bigint', { notNull: true, identity: 'by default' })], [pk(['id'])]);
    const p = planRestore(manifest([archived(always), archived(byDefault)]), model([]), model([always, byDefault]), opts());
    expect(p.tables.map((t) => [t.name, t.overridingSystemValue])).toEqual([
      ['p', true],
      ['q', false],
    ]);
  });

  it('defers the nullable column that closes a cycle of non-deferrable foreign keys; self-references need nothing', () => {
    const a = table('public.a', [col('id', 'integer', { notNull: true }), col('b_id', 'integer', { notNull: true })], [pk(['id']), fk(['b_id'], 'public.b', 'a_b')]);
    const b = table('public.b', [col('id', 'integer', { notNull: true }), col('a_id', 'integer')], [pk(['id']), fk(['a_id'], 'public.a', 'b_a')]);
    const self = table('public.s', [col('id', 'integer', { notNull: true }), col('parent', 'integer')], [pk(['id']), fk(['parent'], 'public.s', 's_parent')]);
    const p = planRestore(manifest([archived(a), archived(b), archived(self)]), model([]), model([a, b, self]), opts());
    // s waits on nothing else; b's FK column is the nullable one, so the cycle is broken there: b with a_id NULL,
    // then a, then a_id is set.
    expect(p.tables.map((t) => t.name)).toEqual(['s', 'b', 'a']);
    expect(p.tables.map((t) => t.deferredColumns)).toEqual([[], ['a_id'], []]);
    expect(p.tables[1]?.deferredNullable).toBe(true);
  });

  it('needs no deferral for a cycle through a deferrable foreign key', () => {
    const a = table('public.a', [col('id', 'integer', { notNull: true }), col('b_id', 'integer')], [pk(['id']), fk(['b_id'], 'public.b', 'a_b', true)]);
    const b = table('public.b', [col('id', 'integer', { notNull: true }), col('a_id', 'integer')], [pk(['id']), fk(['a_id'], 'public.a', 'b_a')]);
    const p = planRestore(manifest([archived(a), archived(b)]), model([]), model([a, b]), opts());
    expect(p.tables.map((t) => t.name)).toEqual(['a', 'b']);
    expect(p.tables.flatMap((t) => t.deferredColumns)).toEqual([]);
  });

  it('moves only the sequences of restored tables when --table is given', () => {
    const seq = (name: string, ownedBy: string | null) => ({
      schema: 'public',
      name,
      dataType: 'bigint',
      start: '1',
      increment: '1',
      min: '1',
      max: '9223372036854775807',
      cache: '1',
      cycle: false,
      ownedBy,
      identity: false,
    });
    const p1 = table('public.p', [col('id', 'bigint', { notNull: true, default: "nextval('public.p_id_seq'::regclass)" })], [pk(['id'])]);
    const q1 = table('public.q', [col('id', 'bigint', { notNull: true })], [pk(['id'])]);
    const target = model([p1, q1], [seq('p_id_seq', null), seq('q_id_seq', 'public.q.id'), seq('free', null)]);
    const m = manifest(
      [archived(p1), archived(q1)],
      ['p_id_seq', 'q_id_seq', 'free'].map((name) => ({ schema: 'public', name, value: '42', isCalled: true })),
    );
    expect(planRestore(m, model([]), target, opts()).sequences.map((s) => s.name)).toEqual(['p_id_seq', 'q_id_seq', 'free']);
    expect(planRestore(m, model([]), target, opts({ selection: parseSelection(['p']) })).sequences.map((s) => s.name)).toEqual(['p_id_seq']);
    expect(planRestore(m, model([]), target, opts({ selection: parseSelection(['q']) })).sequences.map((s) => s.name)).toEqual(['q_id_seq']);
  });
});

describe('orderForRestore', () => {
  it('is deterministic and places every table once, even in a three-table cycle', () => {
    const t = (n: string, to: string) =>
      table(`public.${n}`, [col('id', 'integer', { notNull: true }), col('r', 'integer')], [pk(['id']), fk(['r'], `public.${to}`, `${n}_r`)]);
    const { order, cycleEdges } = orderForRestore([t('x', 'y'), t('y', 'z'), t('z', 'x')]);
    expect([...order].sort()).toEqual(['x', 'y', 'z'].map((name) => pairKey({ schema: 'public', name })));
    expect(cycleEdges).toHaveLength(1);
    expect(order[0]).toBe(cycleEdges[0]?.from);
  });
});

describe('decideAccess', () => {
  const withTrigger = { ...users, triggers: [{ name: 'on_created', timing: 'after' as const, events: ['insert' as const], level: 'row' as const, function: 'f', definition: '', enabled: 'O' as const }] };
  const plan = planRestore(manifest([archived(withTrigger)]), model([]), model([withTrigger]), opts());
  const privileges = (extra: Partial<Privileges>, owner: boolean): Privileges => ({
    role: 'app',
    superuser: false,
    bypassRls: false,
    replicationRole: false,
    tables: [{ table: 'auth.users', owner, select: true, insert: true, update: true, lock: true }],
    partitions: [],
    sequences: [],
    ...extra,
  });

  it('uses session_replication_role when the role may set it', () => {
    const a = decideAccess(plan, privileges({ replicationRole: true, superuser: true }, true), 'nothing');
    expect(a.mode).toBe('replica');
    expect(a.disableTriggers).toEqual([]);
    expect(a.blockers).toEqual([]);
  });

  it('disables the user triggers per table when the role owns it', () => {
    const a = decideAccess(plan, privileges({}, true), 'nothing');
    expect(a.mode).toBe('origin');
    expect(a.disableTriggers).toEqual([{ table: 'auth.users', schema: 'auth', name: 'users', triggers: [{ name: 'on_created', enabled: 'O' }] }]);
  });

  it('refuses up front when the role can neither', () => {
    const a = decideAccess(plan, privileges({}, false), 'nothing');
    expect(a.blockers.join()).toMatch(/auth\.users has trigger\(s\) on_created that would fire on restored rows/);
  });

  it('refuses RLS tables the role is subject to, and unforces them for an owner', () => {
    const rls = { ...users, rowSecurity: true, forceRowSecurity: true };
    const p = planRestore(manifest([archived(rls)]), model([]), model([rls]), opts());
    expect(decideAccess(p, privileges({}, false), 'nothing').blockers.join()).toMatch(/row level security on auth\.users applies to role app/);
    expect(decideAccess(p, privileges({}, true), 'nothing').unforceRls).toEqual(['auth.users']);
    expect(decideAccess(p, privileges({ bypassRls: true }, false), 'nothing').blockers).toEqual([]);
  });

  it('asks for UPDATE only with --on-conflict update', () => {
    const noUpdate = privileges({ replicationRole: true }, false);
    const p = { ...noUpdate, tables: [{ table: 'auth.users', owner: false, select: true, insert: true, update: false, lock: false }] };
    const plain = planRestore(manifest([archived(users)]), model([]), model([users]), opts());
    expect(decideAccess(plain, p, 'nothing').blockers).toEqual([]);
    expect(decideAccess(plain, p, 'update').blockers).toEqual(['role app lacks UPDATE on auth.users']);
  });
  describe('partitions of a restored partitioned table', () => {
    const partitions = (owner: boolean): Privileges['partitions'] => [
      { table: 'auth.users', schema: 'auth', name: 'users_a', parent: { schema: 'auth', name: 'users' }, owner: true, triggers: [
        { name: 'on_created', enabled: 'D', clone: true, row: true },
        { name: 'own_always', enabled: 'A', clone: false, row: true },
        { name: 'own_off', enabled: 'D', clone: false, row: true },
        { name: 'own_statement', enabled: 'A', clone: false, row: false },
      ] },
      { table: 'auth.users', schema: 'auth', name: 'users_b', parent: { schema: 'auth', name: 'users' }, owner, triggers: [{ name: 'on_created', enabled: 'R', clone: true, row: true }] },
    ];

    it('switches each partition after its parent: what fires by its own state, and every clone the parent switch reaches', () => {
      const a = decideAccess(plan, privileges({ partitions: partitions(true) }, true), 'nothing');
      expect(a.blockers).toEqual([]);
      expect(a.disableTriggers.map((x) => [x.table, x.name, x.triggers])).toEqual([
        ['auth.users', 'users', [{ name: 'on_created', enabled: 'O' }]],
        ['auth.users', 'users_a', [{ name: 'on_created', enabled: 'D' }, { name: 'own_always', enabled: 'A' }]],
        ['auth.users', 'users_b', [{ name: 'on_created', enabled: 'R' }]],
      ]);
      // replica mode: the parent's ORIGIN trigger is silent and not switched, so only what fires (ALWAYS, REPLICA) is
      const r = decideAccess(plan, privileges({ partitions: partitions(true), replicationRole: true }, true), 'nothing');
      expect(r.disableTriggers.map((x) => [x.name, x.triggers.map((t) => t.name)])).toEqual([['users_a', ['own_always']], ['users_b', ['on_created']]]);
    });

    it('refuses up front when the role does not own a partition with a trigger to switch', () => {
      const a = decideAccess(plan, privileges({ partitions: partitions(false) }, true), 'nothing');
      expect(a.blockers).toEqual([expect.stringMatching(/^auth\.users_b \(partition of auth\.users\) has trigger\(s\) on_created that would fire/)]);
    });
  });
});
