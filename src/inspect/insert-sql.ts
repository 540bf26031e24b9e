import type { ArchivedTable } from '../archive/format.js';
import { qualify, quoteIdent, quoteLiteral } from '../sql/quote.js';
import { type ArchivedValue, valueText } from './values.js';

/**
 * Rows as INSERT statements a psql session can run (like `pg_dump --inserts`). Values are text literals the
 * columns' input functions read back; dates, intervals and money are parsed according to the session, so the
 * script first sets the settings the archive's values were printed under.
 */
export function insertPreamble(settings: Readonly<Record<string, string>>): string {
  const lines = ['SET standard_conforming_strings = on;'];
  for (const [name, value] of Object.entries(settings)) {
    // search_path stays the caller's: the INSERTs name their tables in full
    if (name !== 'search_path') lines.push(`SELECT pg_catalog.set_config(${quoteLiteral(name)}, ${quoteLiteral(value)}, false);`);
  }
  return `${lines.join('\n')}\n`;
}

export function insertStatement(table: ArchivedTable, values: readonly ArchivedValue[]): string {
  const cols = table.columns.map((c) => quoteIdent(c.name)).join(', ');
  const overriding = table.columns.some((c) => c.identity === 'always') ? ' OVERRIDING SYSTEM VALUE' : '';
  const literals = values.map((v) => {
    const text = valueText(v);
    if (text === null) return 'NULL';
    return typeof v === 'number' ? text : quoteLiteral(text);
  });
  return `INSERT INTO ${qualify(table.schema, table.name)} (${cols})${overriding} VALUES (${literals.join(', ')});\n`;
}
