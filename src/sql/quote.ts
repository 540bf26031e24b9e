import { internalError } from '../errors.js';

/**
 * SQL quoting, pure: the catalog renderer, the diff and restore's statements all quote through here, and none of
 * them needs the driver for it (this module loads nothing but the error type).
 */

/** Quote an identifier for SQL text. Every identifier that reaches SQL goes through here. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** schema.table, both quoted */
export function qualify(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/** Quote a literal for SQL text (standard_conforming_strings on, which every supported server has). */
export function quoteLiteral(value: string): string {
  // PostgreSQL text cannot hold NUL, so a NUL here means pgsnap built the value wrongly
  if (value.includes('\0')) throw internalError('NUL byte in SQL literal');
  return `'${value.replace(/'/g, "''")}'`;
}
