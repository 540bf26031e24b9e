import path from 'node:path';
import { defaultPrivilegeObject } from '../catalog/diff.js';
import type { CatalogModel, FunctionDef } from '../catalog/model.js';
import {
  RENDER_STAGES,
  type RenderStage,
  renderColumn,
  renderConstraint,
  renderGrant,
  renderIndex,
  renderPolicy,
  renderStages,
  renderSequenceOwner,
  renderTrigger,
  tableName,
} from '../catalog/render.js';
import type { DriftDifference } from './difference.js';

/**
 * What `drift pull` writes: for every live-only object, the DDL that creates it, from the live model, in an
 * order that applies cleanly after the existing schema files. Whole live-only objects (schemas, types, tables,
 * views, functions, …) are gathered into a sub-model of the live one and rendered with renderStages, the same
 * order a full schema dump uses (types before tables, parents before partitions, views before the materialized
 * views that read them, serial sequences OWNED BY their column); single live-only parts of objects the files
 * already define (a column, an index, a grant, a comment) are slotted into the matching stage. A live-only
 * table brings everything on it, so its columns, indexes and triggers are not written twice. A name whose kind
 * changed (a table in the files, a view live) is dropped first. Pure: the caller writes the file.
 */
export interface PullPlan {
  /** statements in apply order */
  readonly statements: readonly string[];
  /** the objects written */
  readonly objects: readonly string[];
  /** differences that are not live-only (changed, or missing live): a human decides those */
  readonly skipped: readonly DriftDifference[];
}

const q = (o: { schema: string; name: string }) => `${o.schema}.${o.name}`;
const fnKey = (f: FunctionDef) => `${q(f)}(${f.identityArgs})`;

/** Kinds whose `object` names a whole object of the model (the rest are parts of a table or view). */
const RELATION_KINDS: Readonly<Record<string, string>> = { table: 'TABLE', view: 'VIEW', materialized_view: 'MATERIALIZED VIEW', sequence: 'SEQUENCE' };

/** The live-only whole objects, as a model of their own. */
function liveOnlyModel(live: CatalogModel, extra: ReadonlySet<string>): CatalogModel {
  const has = (k: string) => extra.has(k);
  const byName = <T extends { schema: string; name: string }>(xs: readonly T[]) => xs.filter((x) => has(q(x)));
  return {
    ...live,
    schemas: live.schemas.filter((s) => has(s.name)),
    extensions: live.extensions.filter((e) => has(e.name)),
    enums: byName(live.enums),
    domains: byName(live.domains),
    compositeTypes: byName(live.compositeTypes),
    sequences: live.sequences.filter((s) => !s.identity && has(q(s))).concat(live.sequences.filter((s) => s.identity)),
    tables: byName(live.tables),
    views: byName(live.views),
    functions: live.functions.filter((f) => has(fnKey(f))),
    collations: byName(live.collations ?? []),
    rangeTypes: byName(live.rangeTypes ?? []),
    defaultPrivileges: (live.defaultPrivileges ?? []).filter((p) => has(defaultPrivilegeObject(p))),
    publications: (live.publications ?? []).filter((p) => has(p.name)),
    eventTriggers: (live.eventTriggers ?? []).filter((e) => has(e.name)),
    foreignServers: (live.foreignServers ?? []).filter((s) => has(s.name)),
    foreignTables: byName(live.foreignTables ?? []),
  };
}

/** Every object key the sub-model covers, so their parts are not written again. */
function coveredObjects(m: CatalogModel): Set<string> {
  return new Set([
    ...m.schemas.map((s) => s.name),
    ...m.extensions.map((e) => e.name),
    ...[...m.enums, ...m.domains, ...m.compositeTypes, ...m.tables, ...m.views, ...(m.collations ?? []), ...(m.rangeTypes ?? [])].map(q),
    ...(m.defaultPrivileges ?? []).map(defaultPrivilegeObject),
    ...[...(m.publications ?? []), ...(m.eventTriggers ?? []), ...(m.foreignServers ?? [])].map((x) => x.name),
    ...(m.foreignTables ?? []).map(q),
    ...m.sequences.filter((s) => !s.identity).map(q),
    ...m.functions.map(fnKey),
  ]);
}

/** Which stage a live-only part of an existing object belongs in. */
function stageOfPart(kind: string): RenderStage {
  if (kind === 'column' || kind.startsWith('column.')) return 'tables';
  if (kind === 'foreign_key' || kind === 'foreign key') return 'foreign_keys';
  if (['primary_key', 'unique', 'check', 'exclusion'].includes(kind) || kind.startsWith('constraint')) return 'constraints';
  if (kind === 'index') return 'indexes';
  if (kind.startsWith('trigger') || kind === 'rule' || kind === 'event_trigger') return 'triggers';
  if (kind.startsWith('publication')) return 'publications';
  if (kind === 'user_mapping') return 'servers';
  if (kind.startsWith('rls')) return 'row_security';
  if (kind.startsWith('polic')) return 'policies';
  if (kind.includes('grant')) return 'grants';
  return 'comments';
}

export function planPull(differences: readonly DriftDifference[], live: CatalogModel): PullPlan {
  const extra = differences.filter((d) => d.change === 'extra');
  const extraKeys = new Set(extra.map((d) => d.object));
  // A serial column's sequence is reported with its column (catalog/serial.ts), never on its own: pull it with
  // the live-only table or column that owns it, so the column default's nextval() has a sequence to call.
  const ownedByNewColumn: string[] = [];
  for (const s of live.sequences) {
    if (s.identity || s.ownedBy === null) continue;
    const dot = s.ownedBy.lastIndexOf('.');
    const table = s.ownedBy.slice(0, dot);
    if (extraKeys.has(table)) extraKeys.add(q(s));
    else if (extraKeys.has(s.ownedBy)) {
      extraKeys.add(q(s));
      // the table is not pulled whole, so the render of the sub-model cannot say OWNED BY: say it here
      const t = live.tables.find((x) => q(x) === table);
      if (t) ownedByNewColumn.push(renderSequenceOwner(s, t, s.ownedBy.slice(dot + 1)));
    }
  }
  // A name that is one kind in the files and another live: the files' object has to go before the live one is created.
  const kindChanges = differences.filter(
    (d) => d.change === 'missing' && RELATION_KINDS[d.kind] && extra.some((x) => x.object === d.object && x.kind !== d.kind && RELATION_KINDS[x.kind]),
  );
  const skipped: DriftDifference[] = differences.filter((d) => d.change !== 'extra' && !kindChanges.includes(d));
  const sub = liveOnlyModel(live, extraKeys);
  const covered = coveredObjects(sub);
  const relations = [...sub.tables, ...sub.views].map(q);
  const rendered = renderStages(sub);
  const stages = new Map<RenderStage, string[]>(RENDER_STAGES.map((s) => [s, [...rendered[s]]]));
  stages.get('ownership')?.push(...ownedByNewColumn);
  const objects = extra.filter((d) => covered.has(d.object)).map((d) => d.object);
  const parts: string[] = [];
  for (const d of extra) {
    if (covered.has(d.object)) continue;
    // a part of a table or view pulled whole is already in that table's or view's script
    if (relations.some((r) => d.object.startsWith(`${r}.`))) continue;
    const sql = d.actual ?? statementForPart(d, live);
    if (sql === undefined) {
      skipped.push(d);
      continue;
    }
    stages.get(stageOfPart(d.kind))?.push(sql);
    parts.push(d.object);
  }
  const drops = kindChanges.map((d) => `-- ${d.object} is a ${d.kind.replace('_', ' ')} in the schema files and something else live\nDROP ${RELATION_KINDS[d.kind]} ${quoteName(d.object)};`);
  const body = RENDER_STAGES.flatMap((s) => stages.get(s) ?? []);
  if (body.length === 0) return { statements: [], objects: [], skipped };
  const hasFunctions = (stages.get('functions')?.length ?? 0) + (stages.get('late_functions')?.length ?? 0) > 0;
  const statements = [
    ...drops,
    ...RENDER_STAGES.flatMap((s) => {
      const list = stages.get(s) ?? [];
      // Bodies may mention objects written further down; PostgreSQL checks them only when this is on.
      return s === 'functions' && hasFunctions ? ['SET check_function_bodies = off;', ...list] : list;
    }),
    ...(hasFunctions ? ['RESET check_function_bodies;'] : []),
  ];
  return { statements, objects: [...new Set([...objects, ...parts])], skipped };
}

function quoteName(object: string): string {
  const dot = object.indexOf('.');
  return tableName({ schema: object.slice(0, dot), name: object.slice(dot + 1) });
}

/** A difference without rendered DDL (a caller's own list): find the part in the live model. */
function statementForPart(d: DriftDifference, live: CatalogModel): string | undefined {
  for (const t of live.tables) {
    const prefix = `${q(t)}.`;
    const index = t.indexes.find((i) => `${t.schema}.${i.name}` === d.object || `${prefix}${i.name}` === d.object);
    if (index && !index.constraint) return renderIndex(index);
    if (!d.object.startsWith(prefix)) continue;
    const name = d.object.slice(prefix.length);
    const c = t.columns.find((x) => x.name === name);
    if (c && d.kind.startsWith('column')) return `ALTER TABLE ${tableName(t)} ADD COLUMN ${renderColumn(c)};`;
    const k = t.constraints.find((x) => x.name === name);
    if (k) return renderConstraint(t, k);
    const tr = t.triggers.find((x) => x.name === name);
    if (tr) return renderTrigger(t, tr);
    const p = t.policies.find((x) => x.name === name);
    if (p) return renderPolicy(t, p);
    const cut = name.lastIndexOf('.');
    const g = t.grants.find((x) => x.grantee === name.slice(0, cut) && x.privilege === name.slice(cut + 1));
    if (g) return renderGrant(t, g);
  }
  return undefined;
}

/**
 * The next file name that sorts after every existing schema file: `<number>_pulled_<YYYYMMDD>.sql`, where the
 * number continues the directory's numbering (040 → 050, same width), or `pulled_<date>` without numbering.
 */
export function nextPullFileName(existing: readonly string[], now: Date): string {
  const date = now.toISOString().slice(0, 10).replace(/-/g, '');
  const numbered = existing.map((f) => /^(\d+)_/.exec(path.basename(f))).filter((m): m is RegExpExecArray => m !== null);
  let name: string;
  if (numbered.length === 0) {
    name = `zz_pulled_${date}`;
  } else {
    const width = Math.max(...numbered.map((m) => (m[1] as string).length));
    const max = Math.max(...numbered.map((m) => Number(m[1])));
    const next = (Math.floor(max / 10) + 1) * 10;
    name = `${String(next).padStart(width, '0')}_pulled_${date}`;
  }
  let candidate = `${name}.sql`;
  for (let i = 2; existing.some((f) => path.basename(f) === candidate); i++) candidate = `${name}_${i}.sql`;
  return candidate;
}

