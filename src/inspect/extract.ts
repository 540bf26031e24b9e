import { once } from 'node:events';
import { OUTPUT_SETTINGS } from '../archive/format.js';
import type { OpenArchive } from '../archive/reader.js';
import { csvHeader, csvRow } from './csv.js';
import { insertPreamble, insertStatement } from './insert-sql.js';
import { findTable } from './table-ref.js';
import { lineValues } from './values.js';

export type ExtractFormat = 'csv' | 'ndjson' | 'sql';

/**
 * One table's rows to `out`, streaming (one line in memory at a time) and verified as they are read: a damaged
 * entry fails the stream with archive_corrupt at its end (the reader checks sha256 and row count), so the
 * command exits 2 even though rows were already written — a pipe's reader must check the exit code.
 */
export async function extractTable(archive: OpenArchive, ref: string, format: ExtractFormat, out: NodeJS.WritableStream): Promise<number> {
  const table = findTable(archive.manifest, ref);
  const columns = table.columns.map((c) => c.name);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  if (format === 'csv') await write(csvHeader(columns));
  if (format === 'sql') await write(insertPreamble(archive.manifest.settings ?? OUTPUT_SETTINGS));
  let rows = 0;
  for (const entry of table.entries) {
    for await (const line of archive.readLines(entry.name)) {
      if (format === 'ndjson') await write(`${line}\n`);
      else {
        const values = lineValues(line, columns);
        await write(format === 'csv' ? csvRow(values) : insertStatement(table, values));
      }
      rows++;
    }
  }
  return rows;
}
