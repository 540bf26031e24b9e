import type { ReferenceKind, TableReference } from './reference.js';
import type { LineIndex } from '../position.js';

/** A reference before it has a file and line: an offset into the scanned text. */
export interface Hit {
  readonly kind: ReferenceKind;
  readonly schema?: string;
  readonly name: string;
  readonly table?: string;
  readonly offset: number;
  readonly via: string;
  readonly definition?: boolean;
}

export function toReferences(hits: readonly Hit[], file: string, lines: LineIndex): TableReference[] {
  const seen = new Set<string>();
  const out: TableReference[] = [];
  for (const h of [...hits].sort((a, b) => a.offset - b.offset)) {
    const { line, column } = lines.at(h.offset);
    const key = `${h.kind}|${h.schema ?? ''}|${h.table ?? ''}|${h.name}|${line}|${column}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      kind: h.kind,
      ...(h.schema === undefined ? {} : { schema: h.schema }),
      name: h.name,
      ...(h.table === undefined ? {} : { table: h.table }),
      file,
      line,
      column,
      via: h.via,
      ...(h.definition ? { definition: true } : {}),
    });
  }
  return out;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/**
 * A table name as query builders take it: `t`, `s.t`, `t as a`, `s.t as a` (knex, kysely). Anything else (a
 * sentence, a URL, base64) is not a table name.
 */
export function parseTableName(value: string): { schema?: string; name: string } | undefined {
  const [target] = value.trim().split(/\s+as\s+/i);
  const parts = (target ?? '').split('.');
  if (parts.length > 2 || !parts.every((p) => IDENT.test(p))) return undefined;
  return parts.length === 2 ? { schema: parts[0] as string, name: parts[1] as string } : { name: parts[0] as string };
}

export function isIdentifier(value: string): boolean {
  return IDENT.test(value);
}
