/**
 * Tables are identified by their (schema, name) pair, never by a joined "schema.name" string: `a.b`.`c` and
 * `a`.`b.c` are two tables whose joined names are the same. `pairKey` is the key for maps and sets; `tableLabel`
 * is how messages, `list` and `--json` name a table, quoting a part (as SQL does) when it is not a plain lower-case
 * identifier, so that the label can be read back unambiguously.
 */
export interface TableId {
  readonly schema: string;
  readonly name: string;
}

export function pairKey(t: TableId): string {
  return JSON.stringify([t.schema, t.name]);
}

export function tableLabel(t: TableId): string {
  return `${labelPart(t.schema)}.${labelPart(t.name)}`;
}

export function labelPart(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}
