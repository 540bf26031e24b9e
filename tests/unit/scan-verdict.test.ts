import { describe, expect, it } from 'vitest';
import type { CatalogModel, TableDef } from '../../src/catalog/model.js';
import { schemaSourceOf } from '../../src/schema-files/source.js';
import type { TableReference } from '../../src/scan/reference.js';
import { judge } from '../../src/scan/verdict.js';

const defs = schemaSourceOf([
  {
    file: 'schemas/001.sql',
    text: `CREATE TABLE projects (id int, name text);
CREATE TABLE never_applied (id int);
CREATE VIEW summaries AS SELECT 1 AS one;
CREATE FUNCTION bump() RETURNS int LANGUAGE sql AS 'select 1';
CREATE SCHEMA auth;
CREATE TABLE auth.users (id uuid);`,
  },
]).definitions;

const ref = (r: Partial<TableReference> & { name: string }, line = 1): TableReference => ({ kind: 'table', file: 'src/a.ts', line, column: 3, via: '.from()', ...r });

function table(schema: string, name: string): TableDef {
  return {
    schema, name, kind: 'table', unlogged: false, partitionOf: null, partitionBound: null, partitionKey: null, columns: [], constraints: [],
    indexes: [], triggers: [], rowSecurity: false, forceRowSecurity: false, policies: [], grants: [], comment: null,
  };
}

function model(tables: [string, string][], functions: [string, string][] = []): CatalogModel {
  return {
    serverMajor: 17, schemas: [], extensions: [], enums: [], domains: [], compositeTypes: [], sequences: [], views: [],
    tables: tables.map(([s, n]) => table(s, n)),
    functions: functions.map(([schema, name]) => ({
      schema, name, identityArgs: '', kind: 'function', returns: 'integer', language: 'sql', body: '', securityDefiner: false, volatility: 'volatile', definition: '', comment: null,
    })),
  };
}

describe('judge', () => {
  it('without a live database: a table no schema file defines is an error listing every reference', () => {
    const j = judge([ref({ name: 'auth_configs' }, 4), ref({ name: 'auth_configs', file: 'src/b.ts' }, 9), ref({ name: 'projects' }), ref({ name: 'summaries' })], defs, null);
    expect(j.tables.map((t) => [t.object, t.verdict, t.live])).toEqual([
      ['public.auth_configs', 'undefined', null],
      ['public.projects', 'ok', null],
      ['public.summaries', 'ok', null],
    ]);
    expect(j.findings).toEqual([
      {
        kind: 'code.undefined-table',
        object: 'public.auth_configs',
        severity: 'error',
        message: 'public.auth_configs is used by the code (2 places in 2 files) but no schema file defines it',
        references: [{ file: 'src/a.ts', line: 4, column: 3 }, { file: 'src/b.ts', line: 9, column: 3 }],
      },
    ]);
    expect(j.tables[1]?.definition).toEqual({ file: 'schemas/001.sql', line: 1, column: 14 });
  });

  it('resolves unqualified names against public only, and explicit schemas as written', () => {
    const j = judge([ref({ name: 'users' }), ref({ name: 'users', schema: 'auth' })], defs, null);
    expect(j.tables.map((t) => [t.object, t.verdict])).toEqual([['auth.users', 'ok'], ['public.users', 'undefined']]);
  });

  it('with a live database: undefined stays an error even when live has it; missing live is an error; live-only unused is a warning', () => {
    const live = model([['public', 'auth_configs'], ['public', 'projects'], ['public', 'legacy_stuff'], ['storage', 'objects']], [['public', 'bump']]);
    const j = judge([ref({ name: 'auth_configs' }), ref({ name: 'projects' }), ref({ name: 'never_applied' }, 7)], defs, live, { ignore: { schemas: ['storage'] } });
    const byObject = Object.fromEntries(j.findings.map((f) => [f.object, f]));
    expect(byObject['public.auth_configs']).toMatchObject({ kind: 'code.undefined-table', severity: 'error' });
    expect(byObject['public.auth_configs']?.message).toMatch(/the live database has it/);
    expect(byObject['public.never_applied']).toMatchObject({
      kind: 'code.missing-live-table',
      severity: 'error',
      location: { file: 'schemas/001.sql', line: 2 },
      references: [{ file: 'src/a.ts', line: 7, column: 3 }],
    });
    expect(byObject['public.legacy_stuff']).toMatchObject({ kind: 'code.unused-live-table', severity: 'warning' });
    expect(byObject['storage.objects']).toBeUndefined();
    expect(byObject['public.projects']).toBeUndefined();
    expect(j.tables.find((t) => t.object === 'public.legacy_stuff')).toMatchObject({ usedByCode: false, live: true, verdict: 'unused-live-only' });
  });

  it('functions called with .rpc() must be defined, and live when there is a live database', () => {
    const f = (name: string, schema?: string) => ref({ kind: 'function', name, via: '.rpc()', ...(schema ? { schema } : {}) });
    const offline = judge([f('bump'), f('nope')], defs, null);
    expect(offline.findings.map((x) => [x.kind, x.object])).toEqual([['code.undefined-function', 'public.nope']]);
    const online = judge([f('bump')], defs, model([], []));
    expect(online.findings.map((x) => [x.kind, x.object])).toEqual([['code.missing-live-function', 'public.bump']]);
  });

  it('columns: an error only when the schema files list the table’s columns and this one is not among them', () => {
    const col = (table: string, name: string) => ref({ kind: 'column', table, name, via: '.select()' });
    const j = judge([ref({ name: 'projects' }), col('projects', 'name'), col('projects', 'nmae'), col('summaries', 'anything'), ref({ name: 'auth_configs' }), col('auth_configs', 'x')], defs, null);
    expect(j.findings.map((x) => [x.kind, x.object, x.severity])).toEqual([
      ['code.undefined-table', 'public.auth_configs', 'error'],
      ['code.undefined-column', 'public.projects.nmae', 'error'],
    ]);
    expect(j.findings[1]).toMatchObject({ table: 'public.projects', location: { file: 'schemas/001.sql', line: 1 } });
  });

  it('a table only defined in code (drizzle) is still undefined, and says so', () => {
    const j = judge([ref({ name: 'auth_configs', via: 'pgTable()', definition: true })], defs, null);
    expect(j.findings[0]?.message).toBe('public.auth_configs is defined in code (pgTable()) but no schema file defines it');
  });

  it('external tables may be used undefined; they are not live leftovers either', () => {
    const live = model([['graphile_worker', 'jobs'], ['auth', 'sessions']]);
    const refs = [ref({ name: 'jobs', schema: 'graphile_worker' }), ref({ name: 'sessions', schema: 'auth' }), ref({ name: 'other', schema: 'auth' })];
    const j = judge(refs, defs, live, { external: ['graphile_worker.*', 'auth.sessions'] });
    expect(j.tables.map((t) => `${t.object} ${t.verdict}`)).toEqual(['auth.other undefined', 'auth.sessions external', 'graphile_worker.jobs external']);
    expect(j.findings.map((f) => f.object)).toEqual(['auth.other']);
  });

  it('drift.ignore applies to code findings, and an ignored schema is never "missing live"', () => {
    // the live model of drift check has no auth tables when auth is ignored: auth.users is not missing there
    const live = model([['public', 'projects']]);
    const j = judge([ref({ name: 'users', schema: 'auth' }), ref({ name: 'projects' })], defs, live, { ignore: { schemas: ['auth'] } });
    expect(j.tables.find((t) => t.object === 'auth.users')).toMatchObject({ verdict: 'ok', live: null });
    expect(j.findings).toEqual([]);
    const col = (table: string, name: string) => ref({ kind: 'column', table, name, via: '.select()' });
    const refs = [ref({ name: 'auth_configs' }), col('projects', 'nmae')];
    expect(judge(refs, defs, null, { ignore: { objects: ['public.auth_*'] } }).findings.map((f) => f.object)).toEqual(['public.projects.nmae']);
    expect(judge(refs, defs, null, { ignore: { kinds: ['code.undefined-column'] } }).findings.map((f) => f.object)).toEqual(['public.auth_configs']);
  });
});
