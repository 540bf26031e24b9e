import { describe, expect, it } from 'vitest';
import type { CatalogModel, TableDef } from '../../src/catalog/model.js';
import { captureModel } from '../../src/backup/capture-model.js';
import { selectTables } from '../../src/backup/select-tables.js';
import { platformManagedSchemas } from '../../src/catalog/filter.js';
import { parsePattern } from '../../src/patterns.js';

function table(schema: string, name: string, extra: Partial<TableDef> = {}): TableDef {
  return {
    schema, name, kind: 'table', unlogged: false, partitionOf: null, partitionBound: null, partitionKey: null,
    columns: [], constraints: [], indexes: [], triggers: [], rowSecurity: false, forceRowSecurity: false, policies: [], grants: [], comment: null,
    ...extra,
  };
}

const tables = [
  table('public', 'users'),
  table('public', 'audit_logs'),
  table('public', 'events', { kind: 'partitioned', partitionKey: 'RANGE (at)' }),
  table('public', 'events_2024', { kind: 'partition', partitionOf: 'public.events', partitionBound: "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')" }),
  table('auth', 'users'),
  table('auth', 'schema_migrations'),
  table('storage', 'objects'),
  table('storage', 'migrations'),
  table('realtime', 'subscription'),
  table('billing', 'invoices'),
];
const sel = (o: { schemas?: string[]; tables?: string[]; exclude?: string[] } = {}) => ({
  schemas: o.schemas ?? [],
  tables: (o.tables ?? []).map(parsePattern),
  exclude: (o.exclude ?? []).map(parsePattern),
});
const platform = new Set(['auth', 'storage', 'realtime']);
const names = (ts: readonly TableDef[]) => ts.map((t) => `${t.schema}.${t.name}`);

describe('selectTables', () => {
  it('takes every table outside platform schemas by default, partitioned tables once through the parent', () => {
    expect(names(selectTables(tables, sel({ exclude: ['auth.*', 'storage.*'] }), platform))).toEqual(['billing.invoices', 'public.audit_logs', 'public.events', 'public.users']);
  });

  it("takes the application's data in Supabase's auth and storage by default, not the platform's bookkeeping", () => {
    const chosen = names(selectTables(tables, sel(), platform));
    expect(chosen).toEqual(['auth.users', 'billing.invoices', 'public.audit_logs', 'public.events', 'public.users', 'storage.objects']);
    expect(names(selectTables(tables, sel({ exclude: ['auth.users'] }), platform))).not.toContain('auth.users');
  });

  it('treats a platform-named schema the application owns as its own', () => {
    expect(names(selectTables(tables, sel(), new Set()))).toContain('auth.users');
    expect(platformManagedSchemas([{ name: 'auth', owner: 'supabase_admin' }, { name: 'storage', owner: 'app' }, { name: 'public', owner: 'supabase_admin' }])).toEqual(
      new Set(['auth']),
    );
  });

  it('reaches into a platform schema when --schema or --table names it', () => {
    expect(names(selectTables(tables, sel({ schemas: ['auth'] }), platform))).toEqual(['auth.schema_migrations', 'auth.users']);
    expect(names(selectTables(tables, sel({ tables: ['users'] }), platform))).toEqual(['auth.users', 'public.users']);
    expect(names(selectTables(tables, sel({ tables: ['storage.*'], schemas: ['billing'] }), platform))).toEqual(['billing.invoices', 'storage.migrations', 'storage.objects']);
  });

  it('lets --exclude win, and maps a partition to its parent', () => {
    expect(names(selectTables(tables, sel({ exclude: ['*_logs', 'billing.*', 'auth.*', 'storage.*'] }), platform))).toEqual(['public.events', 'public.users']);
    expect(names(selectTables(tables, sel({ tables: ['events_2024'] }), platform))).toEqual(['public.events']);
    expect(names(selectTables(tables, sel({ tables: ['events_2024'], exclude: ['public.events'] }), platform))).toEqual([]);
  });
});

describe('captureModel', () => {
  const col = (name: string, type: string, typeName: string, extra = {}) => ({
    name, position: 1, type, typeName, typeCategory: 'U', isArray: false, notNull: false, default: null, collation: null, identity: null, generated: null, comment: null, ...extra,
  });
  const model: CatalogModel = {
    serverMajor: 17,
    schemas: ['public', 'app', 'unused'].map((name) => ({ name, comment: null })),
    extensions: [{ name: 'citext', schema: 'public', version: '1.6' }],
    enums: [
      { schema: 'app', name: 'mood', labels: ['a'], comment: null },
      { schema: 'app', name: 'other', labels: ['b'], comment: null },
    ],
    domains: [{ schema: 'app', name: 'pos', baseType: 'integer', notNull: false, default: null, collation: null, checks: [{ name: 'c', definition: 'CHECK (app.ok(VALUE))' }], comment: null }],
    compositeTypes: [{ schema: 'app', name: 'pair', attributes: [{ name: 'm', type: 'app.mood', collation: null }], comment: null }],
    sequences: [
      { schema: 'public', name: 't_id_seq', dataType: 'bigint', start: '1', increment: '1', min: '1', max: '9', cache: '1', cycle: false, ownedBy: 'public.t.id', identity: false },
      { schema: 'public', name: 'shared_seq', dataType: 'bigint', start: '1', increment: '1', min: '1', max: '9', cache: '1', cycle: false, ownedBy: null, identity: false },
      { schema: 'public', name: 'other_seq', dataType: 'bigint', start: '1', increment: '1', min: '1', max: '9', cache: '1', cycle: false, ownedBy: 'public.u.id', identity: false },
    ],
    tables: [
      table('public', 't', {
        columns: [
          col('id', 'bigint', 'pg_catalog.int8', { default: "nextval('public.t_id_seq'::regclass)" }),
          col('n', 'bigint', 'pg_catalog.int8', { default: "nextval('public.shared_seq'::regclass)" }),
          col('p', 'app.pair[]', 'app.pair'),
          col('q', 'app.pos', 'app.pos'),
        ],
        triggers: [{ name: 'tr', timing: 'before', events: ['insert'], level: 'row', function: 'public.touch', definition: '', enabled: 'O' }],
      }),
      table('public', 'u'),
    ],
    views: [{ schema: 'public', name: 'v', materialized: false, definition: 'SELECT 1', indexes: [], comment: null }],
    functions: ['touch', 'ok', 'unrelated'].map((name) => ({
      schema: name === 'ok' ? 'app' : 'public', name, identityArgs: '', kind: 'function' as const, returns: 'trigger', language: 'plpgsql', body: '', securityDefiner: false, volatility: 'volatile' as const, definition: '', comment: null,
    })),
  };

  it('keeps the captured tables and what they need to be recreated, and nothing else', () => {
    const m = captureModel(model, [model.tables[0] as TableDef]);
    expect(m.tables.map((t) => t.name)).toEqual(['t']);
    expect(m.compositeTypes.map((t) => t.name)).toEqual(['pair']);
    expect(m.enums.map((t) => t.name)).toEqual(['mood']); // through the composite's attribute
    expect(m.domains.map((t) => t.name)).toEqual(['pos']);
    expect(m.functions.map((f) => `${f.schema}.${f.name}`).sort()).toEqual(['app.ok', 'public.touch']);
    expect(m.sequences.map((s) => s.name).sort()).toEqual(['shared_seq', 't_id_seq']);
    expect(m.schemas.map((s) => s.name).sort()).toEqual(['app', 'public']);
    expect(m.views).toEqual([]);
  });
});
