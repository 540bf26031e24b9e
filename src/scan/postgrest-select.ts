import { isIdentifier } from './hit.js';

/**
 * A PostgREST select list as supabase-js sends it: `id, name:display_name, meta->>x, at::text, owner:profiles!fk(id,
 * name), ...prices(amount), count()`. Columns belong to the table they are listed under: the top level is the
 * `.from()` table, `profiles(…)` is an embedded resource (a use of the table `profiles`).
 */
export interface SelectItem {
  readonly kind: 'column' | 'embed';
  /** the column, or the embedded resource's name */
  readonly name: string;
  /** offset of the name in the list */
  readonly index: number;
  /** for a column: the embedded resource it is listed under (undefined at the top level) */
  readonly embed?: string;
}

export function selectItems(list: string, embed?: string, offset = 0): SelectItem[] {
  const out: SelectItem[] = [];
  let depth = 0;
  let start = 0;
  const item = (end: number) => {
    const raw = list.slice(start, end);
    let index = start + raw.length - raw.trimStart().length;
    let text = raw.trim();
    if (text.startsWith('...')) {
      text = text.slice(3);
      index += 3;
    }
    const paren = text.indexOf('(');
    // alias:name — the alias is what the response calls it, the name is what the database has
    const colon = /^[A-Za-z_][\w$]*\s*:(?!:)/.exec(text);
    if (colon) {
      const skip = colon[0].length;
      const after = text.slice(skip);
      index += skip + (after.length - after.trimStart().length);
      text = after.trim();
    }
    if (paren !== -1) {
      const open = text.indexOf('(');
      const head = text.slice(0, open).split('!')[0]?.trim() ?? '';
      const close = text.lastIndexOf(')');
      if (!isIdentifier(head)) return; // count(), amount.sum() and other aggregates
      if (head === 'count' && text.slice(open + 1, close).trim() === '') return;
      out.push({ kind: 'embed', name: head, index: offset + index });
      const inner = text.slice(open + 1, close === -1 ? text.length : close);
      out.push(...selectItems(inner, head, offset + index + open + 1));
      return;
    }
    if (text.includes('*')) return;
    const cast = text.indexOf('::');
    if (cast !== -1) text = text.slice(0, cast);
    const arrow = text.indexOf('->');
    if (arrow !== -1) text = text.slice(0, arrow);
    text = text.trim();
    if (isIdentifier(text)) out.push({ kind: 'column', name: text, index: offset + index, ...(embed ? { embed } : {}) });
  };
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      item(i);
      start = i + 1;
    }
  }
  item(list.length);
  return out;
}
