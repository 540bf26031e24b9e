import type { ArchivedTable, Manifest } from '../../src/archive/format.js';
import type { TableDef } from '../../src/catalog/model.js';

/** A manifest around these tables, for the restore planner's unit tests (not a test file itself). */
export function manifest(tables: ArchivedTable[], sequences: Manifest['sequences'] = []): Manifest {
  return {
    format: 'pgsnap-archive',
    formatVersion: 1,
    toolVersion: '0.1.0',
    database: 'app',
    server: { version: '17', major: 17 },
    startedAt: '',
    finishedAt: '',
    snapshotId: null,
    tables,
    sequences,
    schemaSha256: '',
  };
}

/** The archive's entry for a table of a catalog model: its columns, one row. */
export function archived(t: TableDef): ArchivedTable {
  return {
    schema: t.schema,
    name: t.name,
    partitioned: t.kind === 'partitioned',
    columns: t.columns.map((c) => ({ name: c.name, type: c.type, notNull: c.notNull, identity: c.identity })),
    key: null,
    rows: 1,
    entries: [{ name: `data/${t.schema}.${t.name}.0.ndjson`, rows: 1, bytes: 10, sha256: 'x' }],
    fingerprint: '',
  };
}
