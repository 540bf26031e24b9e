import { describe, expect, it } from 'vitest';
import { column, constraint, fk, model, table } from '../fixtures/catalog/builders.js';
import { archived, manifest } from './restore-manifest.js';
import { pairKey } from '../../src/archive/table-id.js';
import { parseSelection } from '../../src/patterns.js';
import { orderForRestore } from '../../src/restore/order.js';
import { findLostForeignKeys } from '../../src/restore/lost-foreign-keys.js';
import { planRestore } from '../../src/restore/plan.js';

/** The planner on the schema features of issue 14: partition foreign keys, unique keys, a forged manifest. */

const id = column('id', { position: 1, type: 'integer', typeName: 'pg_catalog.int4', notNull: true });
const ref = column('account_id', { position: 2, type: 'integer', typeName: 'pg_catalog.int4' });
const label = column('label', { position: 2, type: 'text', typeName: 'pg_catalog.text' });
const pk = (name: string, deferrable = false) => constraint(name, 'primary', { definition: '', columns: ['id'], deferrable });

const opts = { onConflict: 'nothing' as const, selection: parseSelection(), createMissing: false };

const accounts = table('app.z_accounts', { columns: [id], constraints: [pk('z_accounts_pkey')] });
const events = table('app.events', { kind: 'partitioned', columns: [id, ref], constraints: [pk('events_pkey')] });
const events2024 = table('app.events_2024', {
  kind: 'partition',
  partitionOf: 'app.events',
  columns: [id, ref],
  constraints: [fk('events_2024_account', ['account_id'], 'app.z_accounts')],
});

describe('planRestore on issue-14 schemas', () => {
  it('counts a foreign key declared on a partition for its parent: load order and the orphan check', () => {
    const p = planRestore(manifest([archived(events), archived(accounts)]), model(), model({ tables: [events, events2024, accounts] }), opts);
    expect(p.tables.map((t) => t.table)).toEqual(['app.z_accounts', 'app.events']);
    const [lifted] = p.tables[1]?.foreignKeys ?? [];
    expect(lifted?.on).toEqual({ schema: 'app', name: 'events_2024' });
    expect(lifted?.references).toMatchObject({ schema: 'app', name: 'z_accounts' });
  });

  it('refuses a manifest listing a table twice, and ordering never loops on a duplicate', () => {
    const p = planRestore(manifest([archived(accounts), archived(accounts)]), model(), model({ tables: [accounts] }), opts);
    expect(p.blockers).toEqual(["the archive's manifest lists table app.z_accounts twice; the archive is malformed (run pgsnap verify on it)"]);
    expect(orderForRestore([accounts, accounts]).order).toEqual([pairKey(accounts)]);
  });

  it('loads an empty table straight with COPY only when every unique key of the target was in the archive', () => {
    const before = table('app.tags', { columns: [id, label], constraints: [pk('tags_pkey')] });
    const after = table('app.tags', { columns: [id, label], constraints: [pk('tags_pkey'), constraint('tags_label_key', 'unique', { definition: '', columns: ['label'] })] });
    const same = planRestore(manifest([archived(before)]), model({ tables: [before] }), model({ tables: [before] }), opts).tables[0];
    expect(same?.directLoad).toBe(true);
    const gained = planRestore(manifest([archived(before)]), model({ tables: [before] }), model({ tables: [after] }), opts).tables[0];
    expect(gained?.directLoad).toBe(false);
    expect(gained?.uniqueKeys.map((k) => [k.name, k.newSinceBackup])).toEqual([
      ['tags_pkey', false],
      ['tags_label_key', true],
    ]);
  });

  it('keeps a DEFERRABLE primary key as the conflict key and marks it for matching without ON CONFLICT', () => {
    const t = table('app.d', { columns: [id], constraints: [pk('d_pkey', true)] });
    const p = planRestore(manifest([archived(t)]), model({ tables: [t] }), model({ tables: [t] }), opts).tables[0];
    expect(p?.conflict).toEqual({ kind: 'key', constraint: 'd_pkey', columns: ['id'] });
    expect(p?.uniqueKeys[0]?.deferrable).toBe(true);
  });

  it('selects by --schema and --table together, --exclude winning, and says when --schema matches nothing', () => {
    const other = table('auth.users', { columns: [id], constraints: [pk('users_pkey')] });
    const m = manifest([archived(accounts), archived(other), archived(events)]);
    const target = model({ tables: [accounts, other, events, events2024] });
    const names = (o: Partial<typeof opts> & { schemas?: string[] }) => planRestore(m, model(), target, { ...opts, ...o }).tables.map((t) => t.table);
    expect(names({ schemas: ['auth'] })).toEqual(['auth.users']);
    expect(names({ schemas: ['auth'], selection: parseSelection(['app.events']) })).toEqual(['app.events', 'auth.users']);
    expect(names({ selection: parseSelection([], ['app.*']) })).toEqual(['auth.users']);
    expect(names({ schemas: ['app'], selection: parseSelection([], ['app.events']) })).toEqual(['app.z_accounts']);
    expect(planRestore(m, model(), target, { ...opts, schemas: ['nope'] }).blockers).toEqual(['--schema nope matches no table in the archive']);
  });

  it('finds the foreign keys other tables had to a table being recreated, which the target no longer has', () => {
    const kids = table('app.kids', { columns: [id, ref], constraints: [pk('kids_pkey'), fk('kids_account', ['account_id'], 'app.z_accounts')] });
    const kidsAfterCascade = table('app.kids', { columns: [id, ref], constraints: [pk('kids_pkey')] });
    const lost = findLostForeignKeys(model({ tables: [accounts, kids] }), model({ tables: [kidsAfterCascade] }), ['app.z_accounts']);
    expect(lost.map((l) => [l.table, l.constraint])).toEqual([['app.kids', 'kids_account']]);
    expect(findLostForeignKeys(model({ tables: [accounts, kids] }), model({ tables: [kids] }), ['app.z_accounts'])).toEqual([]);
  });
});
