import type { CatalogModel, ForeignServerDef, ForeignTableDef } from '../catalog/model.js';
import { qualifiedName } from '../catalog/model.js';
import { renderComment, renderForeignServer, renderForeignTable } from '../catalog/render.js';
import { qualify, quoteIdent, quoteLiteral } from '../sql/quote.js';
import type { DriftDifference } from './difference.js';
import { NOT_FOUND, type ObjectOutcome, roleSql, wholeObject } from './plan-object-step.js';

/**
 * Foreign servers, user mappings and foreign tables. A server and a foreign table are changed in place (ALTER
 * SERVER / ALTER FOREIGN TABLE … OPTIONS (ADD | SET | DROP …), columns one by one), so grants and views on them
 * stay. A user mapping is never created: its options (user, password) are never read, so pgsnap cannot write
 * them, and a mapping without them would be a silent wrong answer. Dropping one loses those options for good:
 * that is data loss.
 */
const MAPPING_LOSS = 'drops a user mapping and its options (user, password), which pgsnap never reads and cannot put back';

const servers = (m: CatalogModel) => new Map((m.foreignServers ?? []).map((s) => [s.name, s]));

function dropMapping(server: string, role: string): string {
  return `DROP USER MAPPING FOR ${roleSql(role)} SERVER ${quoteIdent(server)};`;
}

const pairs = (list: readonly string[]) => new Map(list.map((o) => [o.slice(0, o.indexOf('=')), o.slice(o.indexOf('=') + 1)]));

/** `key=value` lists → ` OPTIONS (ADD k 'v', SET k 'v', DROP k)` for an ALTER, or '' when they are the same */
function optionChanges(have: readonly string[], want: readonly string[]): string {
  const [h, w] = [pairs(have), pairs(want)];
  const out: string[] = [];
  for (const [k, v] of w) if (h.get(k) !== v) out.push(`${h.has(k) ? 'SET' : 'ADD'} ${quoteIdent(k)} ${quoteLiteral(v)}`);
  for (const k of h.keys()) if (!w.has(k)) out.push(`DROP ${quoteIdent(k)}`);
  return out.length > 0 ? ` OPTIONS (${out.join(', ')})` : '';
}

/** ` OPTIONS (k 'v', …)` as a definition (ADD COLUMN) writes them, or '' */
function options(list: readonly string[]): string {
  return list.length > 0 ? ` OPTIONS (${[...pairs(list)].map(([k, v]) => `${quoteIdent(k)} ${quoteLiteral(v)}`).join(', ')})` : '';
}

export function planForeignServer(d: DriftDifference, desired: CatalogModel, actual: CatalogModel): ObjectOutcome {
  return wholeObject(
    d,
    servers(desired).get(d.object),
    servers(actual).get(d.object),
    // Its user mappings are not created (see above): the proof then lists them as still missing.
    (w) => [{ stage: 'server', sql: renderForeignServer(w) }],
    (h) => [
      {
        stage: 'drop_server',
        sql: [...h.userMappings.map((r) => dropMapping(h.name, r)), `DROP SERVER ${quoteIdent(h.name)};`].join('\n'),
        ...(h.userMappings.length > 0 ? { dataLoss: MAPPING_LOSS } : {}),
      },
    ],
    (w, h) => serverChange(w, h),
  );
}

function serverChange(w: ForeignServerDef, h: ForeignServerDef): ObjectOutcome {
  if (w.wrapper !== h.wrapper || w.type !== h.type) {
    return {
      skip: 'no plan for a foreign server whose wrapper or type changed: ALTER SERVER cannot change them; drop and create it (its foreign tables and user mappings) by hand',
    };
  }
  const name = `ALTER SERVER ${quoteIdent(w.name)}`;
  const out: string[] = [];
  if (w.version !== h.version) out.push(`${name} VERSION ${w.version === null ? 'NULL' : quoteLiteral(w.version)};`);
  const changes = optionChanges(h.options, w.options);
  if (changes) out.push(`${name}${changes};`);
  return [{ stage: 'server', sql: out.join('\n') }];
}

export function planUserMapping(d: DriftDifference, desired: CatalogModel, actual: CatalogModel): ObjectOutcome {
  const mapping = (m: CatalogModel) =>
    (m.foreignServers ?? []).flatMap((s) => s.userMappings.map((role) => ({ server: s.name, role }))).find((x) => `${x.server}.${x.role}` === d.object);
  const [want, have] = [mapping(desired), mapping(actual)];
  if (d.change === 'missing') {
    return want
      ? {
          skip: `no plan for a user mapping: its options (user, password) are never read, so pgsnap cannot write them; run CREATE USER MAPPING FOR ${roleSql(want.role)} SERVER ${quoteIdent(want.server)} OPTIONS (…) by hand`,
        }
      : NOT_FOUND;
  }
  if (d.change === 'extra' && have) return [{ stage: 'drop_server', sql: dropMapping(have.server, have.role), dataLoss: MAPPING_LOSS }];
  return NOT_FOUND;
}

export function planForeignTable(d: DriftDifference, desired: CatalogModel, actual: CatalogModel): ObjectOutcome {
  const tables = (m: CatalogModel) => new Map((m.foreignTables ?? []).map((t) => [qualifiedName(t), t]));
  return wholeObject(
    d,
    tables(desired).get(d.object),
    tables(actual).get(d.object),
    (w) => [
      {
        stage: 'table',
        sql: [renderForeignTable(w), ...(w.comment === null ? [] : [renderComment(`FOREIGN TABLE ${qualify(w.schema, w.name)}`, w.comment)])].join('\n'),
      },
    ],
    // Its rows live on the other server: dropping the local definition loses none.
    (h) => [{ stage: 'drop_table', sql: `DROP FOREIGN TABLE ${qualify(h.schema, h.name)};` }],
    foreignTableChange,
  );
}

function foreignTableChange(w: ForeignTableDef, h: ForeignTableDef): ObjectOutcome {
  if (w.server !== h.server)
    return { skip: 'no plan for a foreign table moved to another server: ALTER FOREIGN TABLE cannot change it; drop and create it by hand' };
  const wanted = new Map(w.columns.map((c) => [c.name, c]));
  const had = new Map(h.columns.map((c) => [c.name, c]));
  // Columns are only dropped and added at the end: a new order cannot be reached in place.
  const after = [...h.columns.filter((c) => wanted.has(c.name)), ...w.columns.filter((c) => !had.has(c.name))].map((c) => c.name);
  if (after.join('\u0000') !== w.columns.map((c) => c.name).join('\u0000')) {
    return { skip: 'no plan for a foreign table whose columns changed order: drop and create it by hand' };
  }
  const name = `ALTER FOREIGN TABLE ${qualify(w.schema, w.name)}`;
  const out: string[] = [];
  const tableOptions = optionChanges(h.options, w.options);
  if (tableOptions) out.push(`${name}${tableOptions};`);
  for (const c of h.columns) if (!wanted.has(c.name)) out.push(`${name} DROP COLUMN ${quoteIdent(c.name)};`);
  for (const c of w.columns) {
    const col = quoteIdent(c.name);
    const old = had.get(c.name);
    if (!old) {
      const rest = `${options(c.options)}${c.default !== null ? ` DEFAULT ${c.default}` : ''}${c.notNull ? ' NOT NULL' : ''}`;
      out.push(`${name} ADD COLUMN ${col} ${c.type}${rest};`);
      continue;
    }
    if (old.type !== c.type) out.push(`${name} ALTER COLUMN ${col} TYPE ${c.type};`);
    if (old.default !== c.default) out.push(`${name} ALTER COLUMN ${col} ${c.default === null ? 'DROP DEFAULT' : `SET DEFAULT ${c.default}`};`);
    if (old.notNull !== c.notNull) out.push(`${name} ALTER COLUMN ${col} ${c.notNull ? 'SET' : 'DROP'} NOT NULL;`);
    const columnOptions = optionChanges(old.options, c.options);
    if (columnOptions) out.push(`${name} ALTER COLUMN ${col}${columnOptions};`);
  }
  return [{ stage: 'column', sql: out.join('\n') }];
}
