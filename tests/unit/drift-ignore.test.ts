import { describe, expect, it } from 'vitest';
import { model as buildModel, table as buildTable } from '../fixtures/catalog/builders.js';
import type { CatalogModel, TableDef, TriggerDef } from '../../src/catalog/model.js';
import type { DriftDifference } from '../../src/drift/difference.js';
import { tableIndex, tableOf } from '../../src/drift/difference.js';
import { type PlatformProfile, applyIgnoreRules } from '../../src/drift/ignore.js';

function trigger(name: string, fn: string): TriggerDef {
  return { name, timing: 'after', events: ['insert'], level: 'row', function: fn, definition: '', enabled: 'O' };
}

/** a table as these tests need it; the shared builders fill in the rest */
function table(schema: string, name: string, extra: Partial<TableDef> = {}): TableDef {
  return buildTable(`${schema}.${name}`, { columns: [], ...extra });
}

function model(tables: TableDef[]): CatalogModel {
  return buildModel({ schemas: [], tables });
}

const d = (kind: string, change: DriftDifference['change'], object: string): DriftDifference => ({ kind, change, object });

describe('table membership', () => {
  it('finds the table of columns, indexes and triggers', () => {
    const t = table('public', 'projects', {
      indexes: [{ name: 'idx_p', definition: '', unique: false, method: 'btree', predicate: null, constraint: false }],
    });
    const idx = tableIndex(model([t]));
    expect(tableOf(idx, 'public.projects.status')).toBe('public.projects');
    expect(tableOf(idx, 'public.idx_p')).toBe('public.projects');
    expect(tableOf(idx, 'public.projects')).toBe('public.projects');
    expect(tableOf(idx, 'public.other.x')).toBeUndefined();
  });
});

describe('ignore rules from the config', () => {
  const desired = model([table('public', 'projects'), table('public', 'legacy_orders')]);
  const actual = model([table('public', 'projects'), table('public', 'legacy_orders'), table('audit', 'log')]);
  const diffs = [
    d('column', 'changed', 'public.projects.status'),
    d('column.type', 'changed', 'public.projects.name'),
    d('index', 'extra', 'public.legacy_orders.idx_x'),
    d('table', 'extra', 'audit.log'),
    d('grant', 'extra', 'public.projects.app_reader.SELECT'),
  ];

  it('drops kinds (and their sub-kinds), schemas and object globs, and keeps the rest', () => {
    const objects = (r: { kept: readonly DriftDifference[] }) => r.kept.map((x) => x.object);
    expect(objects(applyIgnoreRules(diffs, { rules: { kinds: ['column'] }, desired, actual }))).toEqual([
      'public.legacy_orders.idx_x',
      'audit.log',
      'public.projects.app_reader.SELECT',
    ]);
    expect(objects(applyIgnoreRules(diffs, { rules: { schemas: ['aud*'] }, desired, actual }))).not.toContain('audit.log');
    // An ignored table takes its sub-objects with it.
    expect(objects(applyIgnoreRules(diffs, { rules: { objects: ['public.legacy_*'] }, desired, actual }))).not.toContain(
      'public.legacy_orders.idx_x',
    );
    expect(applyIgnoreRules(diffs, { rules: {}, desired, actual }).kept).toHaveLength(5);
    expect(applyIgnoreRules(diffs, { rules: { kinds: ['grant'] }, desired, actual }).ignored.map((x) => x.kind)).toEqual(['grant']);
  });

  it('never reads a database-wide object name as a schema: a publication called audit survives ignoring schema audit', () => {
    const desired = model([]);
    const wide = [d('publication', 'extra', 'audit'), d('event_trigger', 'extra', 'audit.ddl'), d('default_privilege', 'extra', 'owner.*.tables.audit.SELECT')];
    const kept = applyIgnoreRules(wide, { rules: { schemas: ['audit'] }, desired, actual: desired }).kept;
    expect(kept.map((x) => x.object)).toEqual(wide.map((x) => x.object));
  });
});

describe('--profile supabase', () => {
  const users = (triggers: TriggerDef[] = []) => table('auth', 'users', { triggers });
  const desired = model([users([trigger('on_auth_user_created', 'public.handle_new_user')]), table('auth', 'my_table'), table('public', 'profiles')]);
  const actual = model([
    users([trigger('on_auth_user_created', 'public.handle_new_user'), trigger('platform_trigger', 'auth.internal'), trigger('mine', 'public.f')]),
    table('auth', 'my_table'),
    table('auth', 'sessions'),
    table('storage', 'objects'),
    table('public', 'profiles'),
  ]);
  const profile: PlatformProfile = {
    name: 'supabase',
    schemas: ['auth', 'storage'],
    platformOwned: new Set(['auth.users', 'auth.sessions', 'auth.uid', 'storage.objects']),
  };
  const keep = (diffs: DriftDifference[]) =>
    applyIgnoreRules(diffs, { rules: {}, profile, desired, actual }).kept.map((x) => `${x.change} ${x.object}`);

  it('ignores what the platform owns: its tables, their columns, its functions, its schemas', () => {
    expect(
      keep([
        d('schema', 'extra', 'storage'),
        d('extension', 'extra', 'pg_graphql'),
        d('table', 'extra', 'auth.sessions'),
        d('column', 'extra', 'auth.users.phone'),
        d('column', 'changed', 'auth.users.email'),
        d('column', 'missing', 'auth.users.raw_user_meta_data'),
        d('function', 'changed', 'auth.uid()'),
        d('policy', 'extra', 'storage.objects.public_read'),
      ]),
    ).toEqual(['extra storage.objects.public_read']);
  });

  it("compares the user's own objects inside platform schemas", () => {
    expect(
      keep([
        d('trigger', 'missing', 'auth.users.on_auth_user_created'),
        d('trigger', 'extra', 'auth.users.mine'),
        d('trigger', 'extra', 'auth.users.platform_trigger'),
        d('column', 'changed', 'auth.my_table.x'),
        d('table', 'missing', 'auth.user_settings'),
        d('extension', 'missing', 'citext'),
        d('table', 'extra', 'public.stray'),
      ]),
    ).toEqual([
      'missing auth.users.on_auth_user_created',
      'extra auth.users.mine',
      'changed auth.my_table.x',
      'missing auth.user_settings',
      'missing citext',
      'extra public.stray',
    ]);
  });

  it('ignores live-only objects in platform schemas the schema files never mention', () => {
    expect(keep([d('table', 'extra', 'storage.buckets'), d('table', 'extra', 'auth.user_notes')])).toEqual(['extra auth.user_notes']);
  });
});
