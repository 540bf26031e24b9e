import { usageError } from './errors.js';

/**
 * Table patterns, as users type them: `schema.table`, `table` (any schema), globs (`public.*`, `*_logs`,
 * `audit_?`), and double-quoted parts for names with dots or capitals (`"My.Schema"."Orders"`).
 */
export interface TablePattern {
  readonly source: string;
  readonly schema: RegExp | undefined;
  readonly table: RegExp;
}

function splitParts(pattern: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '"') {
      if (quoted && pattern[i + 1] === '"') {
        current += '"';
        i++;
      } else {
        quoted = !quoted;
      }
    } else if (ch === '.' && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (quoted) throw usageError(`malformed table pattern ${JSON.stringify(pattern)}: unbalanced double quote`);
  parts.push(current);
  return parts;
}

/** `*` any run of characters, `?` one character, everything else literal; anchored at both ends. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (const ch of glob) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

export function parsePattern(source: string): TablePattern {
  const trimmed = source.trim();
  if (!trimmed) throw usageError('empty table pattern', 'use schema.table, table, or a glob such as public.*');
  const parts = splitParts(trimmed);
  if (parts.length > 2 || parts.some((p) => p === '')) {
    throw usageError(`malformed table pattern ${JSON.stringify(source)}`, 'use schema.table, table, or a glob such as public.*');
  }
  if (parts.length === 2) return { source, schema: globToRegExp(parts[0] as string), table: globToRegExp(parts[1] as string) };
  return { source, schema: undefined, table: globToRegExp(parts[0] as string) };
}

export function matchesPattern(p: TablePattern, schema: string, table: string): boolean {
  return (p.schema === undefined || p.schema.test(schema)) && p.table.test(table);
}

/**
 * Include/exclude selection: with no include patterns everything is included; an exclude always wins.
 */
export interface TableSelection {
  readonly include: readonly TablePattern[];
  readonly exclude: readonly TablePattern[];
}

export function parseSelection(include: readonly string[] = [], exclude: readonly string[] = []): TableSelection {
  return { include: include.map(parsePattern), exclude: exclude.map(parsePattern) };
}

export function selects(sel: TableSelection, schema: string, table: string): boolean {
  if (sel.exclude.some((p) => matchesPattern(p, schema, table))) return false;
  return sel.include.length === 0 || sel.include.some((p) => matchesPattern(p, schema, table));
}
