import { describe, expect, it } from 'vitest';
import { column, model as buildModel, table as buildTable } from '../fixtures/catalog/builders.js';
import type { CatalogModel, TableDef } from '../../src/catalog/model.js';
import type { DriftDifference } from '../../src/drift/difference.js';
import { tableIndex } from '../../src/drift/difference.js';
import { differenceToFinding, unifiedDiff } from '../../src/drift/findings.js';
import { nextPullFileName, planPull } from '../../src/drift/pull-plan.js';
import { schemaSourceOf } from '../../src/schema-files/source.js';

/** a table as these tests need it; the shared builders fill in the rest */
function table(schema: string, name: string, extra: Partial<TableDef> = {}): TableDef {
  return buildTable(`${schema}.${name}`, { columns: [column('id', { type: 'bigint', typeName: 'pg_catalog.int8', typeCategory: 'N', notNull: true })], ...extra });
}

function model(tables: TableDef[]): CatalogModel {
  return buildModel({ schemas: [], tables });
}

describe('differences as findings', () => {
  const projects = table('public', 'projects');
  const ctx = {
    definitions: schemaSourceOf([
      { file: 'schemas/030_projects.sql', text: '-- projects\n\nCREATE TABLE projects (\n  id bigint,\n  a int,\n  b int,\n  c int,\n  d int,\n  status text NOT NULL\n);\n' },
    ]).definitions,
    tables: tableIndex(model([projects])),
  };

  it('a changed definition is an error at its defining line, with a unified diff schema files → live', () => {
    const f = differenceToFinding(
      { kind: 'column', change: 'changed', object: 'public.projects.status', desired: '"status" text NOT NULL', actual: '"status" text' },
      ctx,
    );
    expect(f.severity).toBe('error');
    expect(f.location).toEqual({ file: 'schemas/030_projects.sql', line: 9, column: 3 });
    expect(f.table).toBe('public.projects');
    expect(f.diff).toBe('--- schema files\n+++ live database\n@@ -1,1 +1,1 @@\n-"status" text NOT NULL\n+"status" text\n');
    expect(f.message).toMatch(/differs/);
    // every renderer prints the kind and object beside the message: it does not repeat them
    expect(f.message).not.toContain('public.projects.status');
    expect(f.message).not.toMatch(/^column/);
  });

  it('a live-only column is a warning located at its table; a live-only table has no location', () => {
    const col = differenceToFinding({ kind: 'column', change: 'extra', object: 'public.projects.notes' }, ctx);
    expect(col.severity).toBe('warning');
    expect(col.location?.line).toBe(3);
    const t = differenceToFinding({ kind: 'table', change: 'extra', object: 'public.audit' }, ctx);
    expect(t.location).toBeUndefined();
    expect(t.message).toMatch(/drift pull/);
  });

  it('a missing object is an error', () => {
    expect(differenceToFinding({ kind: 'trigger', change: 'missing', object: 'public.projects.t' }, ctx).severity).toBe('error');
  });

  it('unifiedDiff handles definitions without trailing newlines', () => {
    expect(unifiedDiff('a\nb', 'a\nc')).toContain('-b\n+c\n');
  });
});

describe('drift pull', () => {
  it('names the new file after the last numbered one', () => {
    const now = new Date('2025-07-11T19:46:34Z');
    expect(nextPullFileName(['001_extensions.sql', '040_sessions.sql'], now)).toBe('050_pulled_20250711.sql');
    expect(nextPullFileName(['001_x.sql', '045_y.sql', '050_pulled_20250711.sql'], now)).toBe('060_pulled_20250711.sql');
    expect(nextPullFileName(['schema.sql'], now)).toBe('zz_pulled_20250711.sql');
  });

  it('writes live-only objects in dependency order, once per table, and leaves changed ones to a human', () => {
    const audit = table('public', 'audit', {
      constraints: [
        { name: 'audit_project_fk', kind: 'foreign', definition: 'FOREIGN KEY (id) REFERENCES public.zzz(id)', columns: ['id'], deferrable: false, initiallyDeferred: false, references: { schema: 'public', table: 'zzz', columns: ['id'], onUpdate: 'no action', onDelete: 'no action', match: 'simple' }, notValid: false },
      ],
    });
    const zzz = table('public', 'zzz', {
      constraints: [{ name: 'zzz_pkey', kind: 'primary', definition: 'PRIMARY KEY (id)', columns: ['id'], deferrable: false, initiallyDeferred: false, references: null, notValid: false }],
    });
    const projects = table('public', 'projects', {
      columns: [
        ...table('x', 'y').columns,
        { name: 'notes', position: 2, type: 'text', typeName: 'pg_catalog.text', typeCategory: 'S', isArray: false, notNull: false, default: null, collation: null, identity: null, generated: null, comment: null },
      ],
    });
    const live = model([audit, projects, zzz]);
    const diffs: DriftDifference[] = [
      { kind: 'table', change: 'extra', object: 'public.audit' },
      { kind: 'foreign key', change: 'extra', object: 'public.audit.audit_project_fk' },
      { kind: 'column', change: 'extra', object: 'public.projects.notes' },
      { kind: 'table', change: 'extra', object: 'public.zzz' },
      { kind: 'column', change: 'changed', object: 'public.projects.id' },
    ];
    const plan = planPull(diffs, live);
    expect(plan.objects).toEqual(['public.audit', 'public.zzz', 'public.projects.notes']);
    expect(plan.skipped.map((x) => x.object)).toEqual(['public.projects.id']);
    const sql = plan.statements.join('\n');
    expect(sql.indexOf('CREATE TABLE "public"."zzz"')).toBeLessThan(sql.indexOf('ADD CONSTRAINT "audit_project_fk" FOREIGN KEY'));
    expect(sql).toContain('ALTER TABLE "public"."projects" ADD COLUMN "notes" text;');
    expect(sql.match(/audit_project_fk/g)).toHaveLength(1);
  });
});

describe('--code findings merged into drift findings', () => {
  it('keeps one finding for a live table in no schema file, and keeps the scan-only findings', async () => {
    const { mergeCodeFindings } = await import('../../src/drift/merge-code.js');
    const merged = mergeCodeFindings(
      [{ kind: 'table', object: 'public.stray', severity: 'warning', message: 'table public.stray exists in the live database but in no schema file' }],
      [
        { kind: 'code.unused-live-table', object: 'public.stray', severity: 'warning', message: 'x' },
        { kind: 'code.undefined-table', object: 'public.auth_configs', severity: 'error', message: 'y', references: [{ file: 'a.ts', line: 1 }] },
      ],
    );
    expect(merged.map((f) => `${f.kind} ${f.object}`)).toEqual(['table public.stray', 'code.undefined-table public.auth_configs']);
    expect(merged[0]?.message).toMatch(/; no code uses it$/);
  });
});
