import { describe, expect, it } from 'vitest';
import type { ArchivedTable } from '../../src/archive/format.js';
import { columnDisagreements } from '../../src/archive/manifest-schema.js';
import type { ColumnDef, TableDef } from '../../src/catalog/model.js';

const col = (name: string, type: string, position: number, generated: string | null = null): ColumnDef =>
  ({ name, type, position, generated }) as unknown as ColumnDef;
const described = (columns: ColumnDef[]): TableDef => ({ schema: 'public', name: 'projects', columns }) as unknown as TableDef;
const archived = (columns: [string, string][]): ArchivedTable =>
  ({
    schema: 'public',
    name: 'projects',
    columns: columns.map(([name, type]) => ({ name, type, notNull: false, identity: null })),
  }) as unknown as ArchivedTable;

describe('columnDisagreements (manifest.json vs schema.json)', () => {
  const schema = described([col('id', 'bigint', 1), col('slug', 'text', 3, 'lower(name)'), col('name', 'text', 2), col('metadata', 'jsonb', 4)]);

  it('agrees when the manifest lists the stored columns in position order (generated ones left out)', () => {
    expect(
      columnDisagreements(
        [
          archived([
            ['id', 'bigint'],
            ['name', 'text'],
            ['metadata', 'jsonb'],
          ]),
        ],
        [schema],
      ),
    ).toEqual([]);
  });

  it('names a column one side lacks, a changed type, and a changed order', () => {
    expect(
      columnDisagreements(
        [
          archived([
            ['id', 'bigint'],
            ['name', 'text'],
          ]),
        ],
        [schema],
      ),
    ).toEqual(['the columns of public.projects differ between manifest.json and schema.json: schema.json has "metadata" jsonb, the manifest does not']);
    expect(
      columnDisagreements(
        [
          archived([
            ['id', 'bigint'],
            ['name', 'text'],
            ['metadata', 'json'],
          ]),
        ],
        [schema],
      )[0],
    ).toMatch(/schema\.json has "metadata" jsonb, the manifest does not; the manifest has "metadata" json, schema\.json does not/);
    expect(
      columnDisagreements(
        [
          archived([
            ['name', 'text'],
            ['id', 'bigint'],
            ['metadata', 'jsonb'],
          ]),
        ],
        [schema],
      )[0],
    ).toMatch(/not in the same order$/);
  });

  it('leaves a table schema.json does not describe to verify, and reports one described without columns', () => {
    expect(columnDisagreements([archived([['id', 'bigint']])], [])).toEqual([]);
    expect(columnDisagreements([archived([['id', 'bigint']])], [{ schema: 'public', name: 'projects' } as unknown as TableDef])).toEqual([
      'schema.json describes public.projects without its columns',
    ]);
  });
});
