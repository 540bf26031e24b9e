import { describe, expect, it } from 'vitest';
import type { ConstraintDef, TableDef } from '../../src/catalog/model.js';
import { parseSelection } from '../../src/patterns.js';
import { planRestore } from '../../src/restore/plan.js';
import { column, constraint, fk, model, table } from '../fixtures/catalog/builders.js';
import { archived, manifest } from './restore-manifest.js';

/**
 * ForeignKeyRef.heldInArchive and TablePlan.writesElsewhere: what lets the replica-mode orphan check skip a key
 * (execute.ts checkForeignKeys). A key counts as held only when the archived schema has the very same key,
 * validated, over columns restored unchanged; anything that differs must leave the check on.
 */

const id = column('id', { position: 1, type: 'integer', typeName: 'pg_catalog.int4', notNull: true });
const ownerId = column('owner_id', { position: 2, type: 'integer', typeName: 'pg_catalog.int4' });
const pk = (name: string) => constraint(name, 'primary', { columns: ['id'] });
const users = table('app.users', { columns: [id], constraints: [pk('users_pkey')] });
const teams = table('app.teams', { columns: [id], constraints: [pk('teams_pkey')] });
const toUsers = fk('docs_owner_fk', ['owner_id'], 'app.users');
const docs = (over: Partial<TableDef> = {}, key: ConstraintDef = toUsers) =>
  table('app.docs', { columns: [id, ownerId], constraints: [pk('docs_pkey'), key], ...over });

const opts = { onConflict: 'nothing' as const, selection: parseSelection(), createMissing: false };

/** the plan of app.docs: archived with `then`, restored into `now` */
function docsPlan(then: readonly TableDef[], now: readonly TableDef[], tables?: string[]) {
  const p = planRestore(manifest(then.filter((t) => t.kind !== 'partition').map(archived)), model({ tables: [...then] }), model({ tables: [...now] }), {
    ...opts,
    selection: parseSelection(tables),
  });
  return p.tables.find((t) => t.table === 'app.docs');
}
const held = (then: readonly TableDef[], now: readonly TableDef[], tables?: string[]) => docsPlan(then, now, tables)?.foreignKeys.map((k) => k.heldInArchive);

describe('planRestore: which foreign keys held over the archived rows', () => {
  it('the same validated key, both tables restored: held', () => {
    expect(held([users, docs()], [users, docs()])).toEqual([true]);
  });

  it('not held when the referenced table is not restored (--table app.docs)', () => {
    expect(held([users, docs()], [users, docs()], ['app.docs'])).toEqual([false]);
  });

  it('not held when the key was NOT VALID in the archive, or references another table or columns, or another MATCH type', () => {
    expect(held([users, docs({}, { ...toUsers, notValid: true })], [users, docs()])).toEqual([false]);
    expect(held([users, teams, docs()], [users, teams, docs({}, fk('docs_owner_fk', ['owner_id'], 'app.teams'))])).toEqual([false]);
    const refs = toUsers.references as NonNullable<ConstraintDef['references']>;
    expect(held([users, docs()], [users, docs({}, { ...toUsers, references: { ...refs, match: 'full' } })])).toEqual([false]);
    expect(held([users, docs()], [users, docs({}, fk('docs_owner_fk', ['id'], 'app.users'))])).toEqual([false]);
  });

  it('not held when a key column changed type or collation, or is not restored (generated in the target)', () => {
    const retyped = docs({ columns: [id, { ...ownerId, type: 'bigint', typeName: 'pg_catalog.int8' }] });
    expect(held([users, docs()], [users, retyped])).toEqual([false]);
    const textUsers = table('app.users', { columns: [column('id', { position: 1, notNull: true })], constraints: [pk('users_pkey')] });
    const collated = table('app.users', { columns: [column('id', { position: 1, notNull: true, collation: 'und-x-icu' })], constraints: [pk('users_pkey')] });
    const textDocs = docs({ columns: [id, column('owner_id', { position: 2 })] });
    expect(held([textUsers, textDocs], [textUsers, textDocs])).toEqual([true]);
    expect(held([textUsers, textDocs], [collated, textDocs])).toEqual([false]);
    const generated = docs({ columns: [id, { ...ownerId, generated: '(id + 1)' }] });
    expect(held([users, docs()], [users, generated])).toEqual([false]);
  });

  it('a key declared on a partition is held only when the archived partition declares the same key', () => {
    const parent = table('app.docs', { kind: 'partitioned', columns: [id, ownerId], constraints: [pk('docs_pkey')] });
    const part = (key: ConstraintDef[]) => table('app.docs_1', { kind: 'partition', partitionOf: 'app.docs', columns: [id, ownerId], constraints: key });
    expect(held([users, parent, part([toUsers])], [users, parent, part([toUsers])])).toEqual([true]);
    expect(held([users, parent, part([])], [users, parent, part([toUsers])])).toEqual([false]);
  });
});

describe('planRestore: tables whose writes may reach other tables', () => {
  it('a rule on the table, or an ALWAYS trigger of a partition of its own', () => {
    expect(docsPlan([users, docs()], [users, docs()])?.writesElsewhere).toBe(false);
    const ruled = docs({ rules: [{ name: 'log_docs', definition: 'CREATE RULE log_docs AS ON INSERT TO app.docs DO ALSO NOTIFY docs', enabled: 'O' }] });
    expect(docsPlan([users, docs()], [users, ruled])?.writesElsewhere).toBe(true);
    const disabledRule = docs({ rules: [{ name: 'log_docs', definition: '', enabled: 'D' }] });
    expect(docsPlan([users, docs()], [users, disabledRule])?.writesElsewhere).toBe(false);
    const parent = table('app.docs', { kind: 'partitioned', columns: [id, ownerId], constraints: [pk('docs_pkey')] });
    const trigger = { name: 'audit', timing: 'after', events: ['insert'], enabled: 'A' } as unknown as TableDef['triggers'][number];
    const part = table('app.docs_1', { kind: 'partition', partitionOf: 'app.docs', columns: [id, ownerId], triggers: [trigger] });
    expect(docsPlan([users, parent], [users, parent, part])?.writesElsewhere).toBe(true);
  });
});
