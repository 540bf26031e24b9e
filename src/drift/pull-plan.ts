import path from 'node:path';
import type { CatalogModel, TableDef } from '../catalog/model.js';
import {
  renderColumn,
  renderCompositeType,
  renderConstraint,
  renderDomain,
  renderEnum,
  renderExtension,
  renderFunction,
  renderGrant,
  renderIndex,
  renderPolicy,
  renderRowSecurity,
  renderSchema,
  renderSequence,
  renderSequenceOwner,
  renderTable,
  renderTrigger,
  renderView,
  tableName,
} from '../catalog/render.js';
import type { DriftDifference } from './difference.js';

/**
 * What `drift pull` writes: for every live-only object, the DDL that creates it, from the live model, in an
 * order that applies cleanly after the existing schema files (schemas and types before the tables that use
 * them, tables before their indexes, functions before triggers, …). A live-only table brings everything on it
 * (renderTable), so its columns, indexes and triggers are not written twice. Pure: the caller writes the file.
 */
export interface PullPlan {
  /** statements in apply order */
  readonly statements: readonly string[];
  /** the objects written */
  readonly objects: readonly string[];
  /** differences that are not live-only (changed, or missing live): a human decides those */
  readonly skipped: readonly DriftDifference[];
}

const STAGES = [
  'schema',
  'extension',
  'type',
  'sequence',
  'function',
  'table',
  'column',
  'constraint',
  'foreign',
  'index',
  'view',
  'trigger',
  'rls',
  'policy',
  'grant',
] as const;
type Stage = (typeof STAGES)[number];

const q = (o: { schema: string; name: string }) => `${o.schema}.${o.name}`;

function hint(kind: string, word: string): boolean {
  return kind.toLowerCase().includes(word);
}

/** Find the live object a difference names, and the statement that creates it. */
function statementFor(d: DriftDifference, live: CatalogModel, newTables: ReadonlySet<string>): { stage: Stage; sql: string } | 'covered' | undefined {
  const o = d.object;
  const bare = o.replace(/\(.*\)$/, '');
  if (d.kind === 'schema') {
    const s = live.schemas.find((x) => x.name === o);
    return s ? { stage: 'schema', sql: renderSchema(s) } : undefined;
  }
  if (hint(d.kind, 'extension')) {
    const e = live.extensions.find((x) => x.name === o);
    return e ? { stage: 'extension', sql: renderExtension(e) } : undefined;
  }
  const table = live.tables.find((t) => q(t) === o);
  if (table) return { stage: 'table', sql: renderTable(table, live).trimEnd() };

  const view = live.views.find((v) => q(v) === o);
  if (view) return { stage: 'view', sql: [renderView(view), ...view.indexes.map(renderIndex)].join('\n') };
  const en = live.enums.find((x) => q(x) === o);
  if (en) return { stage: 'type', sql: renderEnum(en) };
  const dom = live.domains.find((x) => q(x) === o);
  if (dom) return { stage: 'type', sql: renderDomain(dom) };
  const comp = live.compositeTypes.find((x) => q(x) === o);
  if (comp) return { stage: 'type', sql: renderCompositeType(comp) };
  const seq = live.sequences.find((x) => q(x) === o && !x.identity);
  if (seq) return { stage: 'sequence', sql: renderSequence(seq) };
  const fns = live.functions.filter((f) => q(f) === bare && (bare === o || `${q(f)}(${f.identityArgs})` === o));
  if (fns.length > 0) return { stage: 'function', sql: fns.map(renderFunction).join('\n') };
  return subObject(d, live, newTables);
}

function subObject(d: DriftDifference, live: CatalogModel, newTables: ReadonlySet<string>): { stage: Stage; sql: string } | 'covered' | undefined {
  for (const t of live.tables) {
    const prefix = `${q(t)}.`;
    const indexHit = t.indexes.find((i) => `${t.schema}.${i.name}` === d.object || `${prefix}${i.name}` === d.object);
    if (!d.object.startsWith(prefix) && !indexHit) continue;
    if (newTables.has(q(t))) return 'covered';
    const name = d.object.slice(prefix.length);
    const pick = tableSubObject(d.kind, t, name, indexHit?.name);
    if (pick) return pick.stage === 'column' ? withSerialSequence(pick, t, name, live) : pick;
  }
  return undefined;
}

/** A serial column comes with its sequence (drift reports them as one finding): create it first, own it after. */
function withSerialSequence(pick: { stage: Stage; sql: string }, t: TableDef, column: string, live: CatalogModel): { stage: Stage; sql: string } {
  const seq = live.sequences.find((s) => !s.identity && s.ownedBy === `${q(t)}.${column}`);
  return seq ? { ...pick, sql: [renderSequence(seq), pick.sql, renderSequenceOwner(seq, t, column)].join('\n') } : pick;
}

function tableSubObject(kind: string, t: TableDef, name: string, indexName: string | undefined): { stage: Stage; sql: string } | undefined {
  if (kind === 'grant') {
    // schema.table.grantee.PRIVILEGE (grantee names may contain dots; the privilege never does)
    const cut = name.lastIndexOf('.');
    const g = t.grants.find((x) => x.grantee === name.slice(0, cut) && x.privilege === name.slice(cut + 1));
    return g ? { stage: 'grant', sql: renderGrant(t, g) } : undefined;
  }
  if (kind === 'comment') return undefined;
  const order: Stage[] = hint(kind, 'index')
    ? ['index']
    : hint(kind, 'trigger')
      ? ['trigger']
      : hint(kind, 'polic')
        ? ['policy']
        : hint(kind, 'rls') || hint(kind, 'row')
          ? ['rls']
          : hint(kind, 'column')
            ? ['column']
            : ['constraint', 'column', 'index', 'trigger', 'policy'];
  for (const stage of order) {
    if (stage === 'index') {
      const i = t.indexes.find((x) => x.name === (indexName ?? name));
      if (i && !i.constraint) return { stage, sql: renderIndex(i) };
    } else if (stage === 'trigger') {
      const tr = t.triggers.find((x) => x.name === name);
      if (tr) return { stage, sql: renderTrigger(t, tr) };
    } else if (stage === 'policy') {
      const p = t.policies.find((x) => x.name === name);
      if (p) return { stage, sql: renderPolicy(t, p) };
    } else if (stage === 'rls') {
      const sql = renderRowSecurity(t);
      if (sql) return { stage, sql };
    } else if (stage === 'column') {
      const c = t.columns.find((x) => x.name === name);
      if (c) return { stage, sql: `ALTER TABLE ${tableName(t)} ADD COLUMN ${renderColumn(c)};` };
    } else if (stage === 'constraint') {
      const c = t.constraints.find((x) => x.name === name);
      if (c) return { stage: c.kind === 'foreign' ? 'foreign' : 'constraint', sql: renderConstraint(t, c) };
    }
  }
  return undefined;
}

export function planPull(differences: readonly DriftDifference[], live: CatalogModel): PullPlan {
  const extra = differences.filter((d) => d.change === 'extra');
  const skipped: DriftDifference[] = differences.filter((d) => d.change !== 'extra');
  const newTables = new Set(live.tables.filter((t) => extra.some((d) => d.object === q(t))).map(q));
  const staged: { stage: Stage; sql: string; object: string }[] = [];
  for (const d of extra) {
    const s = statementFor(d, live, newTables);
    if (s === 'covered') continue;
    if (s === undefined) {
      skipped.push(d);
    } else if (s.stage === 'table') {
      // Foreign keys wait until every pulled table exists (they may point at one written further down).
      const lines = s.sql.split('\n');
      const isFk = (l: string) => /^ALTER TABLE .* ADD CONSTRAINT .* FOREIGN KEY .*;$/.test(l);
      staged.push({ stage: 'table', sql: lines.filter((l) => !isFk(l)).join('\n'), object: d.object });
      for (const fk of lines.filter(isFk)) staged.push({ stage: 'foreign', sql: fk, object: d.object });
    } else {
      staged.push({ ...s, object: d.object });
    }
  }
  staged.sort((a, b) => STAGES.indexOf(a.stage) - STAGES.indexOf(b.stage) || a.object.localeCompare(b.object, 'en'));
  const statements: string[] = [];
  const hasFunctions = staged.some((s) => s.stage === 'function');
  for (const s of staged) {
    if (s.stage === 'function' && statements.every((x) => !x.startsWith('SET check_function_bodies'))) {
      // Bodies may mention objects written further down; PostgreSQL checks them only when this is on.
      statements.push('SET check_function_bodies = off;');
    }
    statements.push(s.sql);
  }
  if (hasFunctions) statements.push('RESET check_function_bodies;');
  return { statements, objects: [...new Set(staged.map((s) => s.object))], skipped };
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

