import type { ArchivedTable, Manifest } from '../../src/archive/format.js';

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
