import type { Manifest } from '../archive/format.js';
import { formatBytes, formatCount, formatSeconds, plural } from '../report/numbers.js';

/** What `pgsnap show` reports: the manifest, summarized per table, with nothing read but the manifest. */
export interface ArchiveContents {
  readonly archive: string;
  readonly fileBytes: number;
  readonly database: string;
  readonly formatVersion: number;
  readonly toolVersion: string;
  readonly server: { readonly version: string; readonly major: number };
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly seconds: number;
  readonly snapshotId: string | null;
  readonly tables: readonly {
    readonly table: string;
    readonly rows: number;
    /** uncompressed bytes of its data entries */
    readonly bytes: number;
    readonly entries: number;
    readonly columns: number;
    readonly key: string | null;
    readonly partitioned: boolean;
  }[];
  readonly sequences: readonly { readonly sequence: string; readonly value: string; readonly isCalled: boolean }[];
  readonly rows: number;
  readonly bytes: number;
}

export function archiveContents(archive: string, fileBytes: number, m: Manifest): ArchiveContents {
  const tables = m.tables.map((t) => ({
    table: `${t.schema}.${t.name}`,
    rows: t.rows,
    bytes: t.entries.reduce((n, e) => n + e.bytes, 0),
    entries: t.entries.length,
    columns: t.columns.length,
    key: t.key ? `${t.key.kind === 'primary' ? 'primary key' : 'unique'} (${t.key.columns.join(', ')})` : null,
    partitioned: t.partitioned ?? false,
  }));
  return {
    archive,
    fileBytes,
    database: m.database,
    formatVersion: m.formatVersion,
    toolVersion: m.toolVersion,
    server: m.server,
    startedAt: m.startedAt,
    finishedAt: m.finishedAt,
    seconds: Math.round(Date.parse(m.finishedAt) - Date.parse(m.startedAt)) / 1000,
    snapshotId: m.snapshotId,
    tables,
    sequences: m.sequences.map((s) => ({ sequence: `${s.schema}.${s.name}`, value: s.value, isCalled: s.isCalled })),
    rows: tables.reduce((n, t) => n + t.rows, 0),
    bytes: tables.reduce((n, t) => n + t.bytes, 0),
  };
}

/** Like `pg_restore -l`: a header, then one line per table and per sequence. */
export function renderContents(c: ArchiveContents): string {
  const lines = [
    `${c.archive}`,
    `  database ${c.database}, PostgreSQL ${c.server.version}, pgsnap ${c.toolVersion} (archive format ${c.formatVersion})`,
    `  taken ${c.startedAt} – ${c.finishedAt} (${formatSeconds(c.seconds)})${c.snapshotId ? `, snapshot ${c.snapshotId}` : ''}`,
    `  ${plural(c.tables.length, 'table')}, ${plural(c.rows, 'row')}, ${formatBytes(c.bytes)} of data in ${formatBytes(c.fileBytes)}`,
  ];
  if (c.tables.length > 0) {
    const width = Math.max(...c.tables.map((t) => t.table.length));
    const rowsWidth = Math.max(...c.tables.map((t) => formatCount(t.rows).length));
    lines.push('', 'tables:');
    for (const t of c.tables) {
      const extra = [t.key ?? 'no key', t.partitioned ? 'partitioned' : '', t.entries > 1 ? `${t.entries} entries` : ''].filter(Boolean).join(', ');
      lines.push(`  ${t.table.padEnd(width)}  ${formatCount(t.rows).padStart(rowsWidth)} rows  ${formatBytes(t.bytes).padStart(8)}  ${extra}`);
    }
  }
  if (c.sequences.length > 0) {
    lines.push('', 'sequences:');
    for (const s of c.sequences) lines.push(`  ${s.sequence}  ${s.value}${s.isCalled ? '' : ' (not yet called)'}`);
  }
  return lines.join('\n');
}
