import type { CatalogModel, PublicationDef, PublicationTableDef } from '../catalog/model.js';
import { qualifiedName } from '../catalog/model.js';
import { renderPublication, renderPublicationTable } from '../catalog/render.js';
import { qualify, quoteIdent, quoteLiteral } from '../sql/quote.js';
import type { DriftDifference } from './difference.js';
import { NOT_FOUND, type ObjectOutcome, type ObjectStep, wholeObject } from './plan-object-step.js';

/**
 * Publications and their tables. All in one stage after the tables, ranked so that a publication first lets go
 * of what it no longer publishes (rank 0: tables dropped, publications dropped), then changes its own settings and
 * schemas (1), then takes on tables (2): a table moving from `FOR TABLE` to `FOR TABLES IN SCHEMA` is never in
 * both ways at once. A column list or row filter that changed is DROP TABLE + ADD TABLE in one step.
 */
const byName = (m: CatalogModel) => new Map((m.publications ?? []).map((p) => [p.name, p]));

function publication(rank: number, sql: string): ObjectStep {
  return { stage: 'publication', rank, sql };
}

function createPublication(p: PublicationDef): string {
  return [renderPublication(p), ...p.tables.map((t) => renderPublicationTable(p, t))].join('\n');
}

function dropTable(p: PublicationDef, t: PublicationTableDef): string {
  return `ALTER PUBLICATION ${quoteIdent(p.name)} DROP TABLE ${qualify(t.schema, t.name)};`;
}

/** FOR ALL TABLES cannot be added or taken away by ALTER PUBLICATION: the publication is created again. */
function rebuilt(want: PublicationDef, have: PublicationDef): boolean {
  return want.allTables !== have.allTables;
}

export function planPublication(d: DriftDifference, desired: CatalogModel, actual: CatalogModel): ObjectOutcome {
  const [want, have] = [byName(desired), byName(actual)];
  return wholeObject(
    d,
    want.get(d.object),
    have.get(d.object),
    (w) => [publication(1, createPublication(w))],
    (h) => [publication(0, `DROP PUBLICATION ${quoteIdent(h.name)};`)],
    (w, h) => {
      const name = quoteIdent(w.name);
      if (rebuilt(w, h)) return [publication(1, `DROP PUBLICATION ${name};\n${createPublication(w)}`)];
      const out: string[] = [];
      if (w.operations.join() !== h.operations.join() || w.viaRoot !== h.viaRoot) {
        out.push(`ALTER PUBLICATION ${name} SET (publish = ${quoteLiteral(w.operations.join(', '))}, publish_via_partition_root = ${w.viaRoot});`);
      }
      const dropped = h.schemas.filter((s) => !w.schemas.includes(s));
      const added = w.schemas.filter((s) => !h.schemas.includes(s));
      if (dropped.length > 0) out.push(`ALTER PUBLICATION ${name} DROP TABLES IN SCHEMA ${dropped.map(quoteIdent).join(', ')};`);
      if (added.length > 0) out.push(`ALTER PUBLICATION ${name} ADD TABLES IN SCHEMA ${added.map(quoteIdent).join(', ')};`);
      return [publication(1, out.join('\n'))];
    },
  );
}

/** `publication.schema.table` → the publication and its table entry */
function members(m: CatalogModel): Map<string, { pub: PublicationDef; table: PublicationTableDef }> {
  return new Map((m.publications ?? []).flatMap((pub) => pub.tables.map((table) => [`${pub.name}.${qualifiedName(table)}`, { pub, table }] as const)));
}

export function planPublicationTable(d: DriftDifference, desired: CatalogModel, actual: CatalogModel): ObjectOutcome {
  const want = members(desired).get(d.object);
  const have = members(actual).get(d.object);
  const pubs = (want ?? have)?.pub.name;
  const [wp, hp] = [pubs === undefined ? undefined : byName(desired).get(pubs), pubs === undefined ? undefined : byName(actual).get(pubs)];
  if (!wp || !hp) return NOT_FOUND;
  // The publication is created again with all its tables: nothing to do table by table.
  if (rebuilt(wp, hp)) return [];
  return wholeObject(
    d,
    want,
    have,
    (w) => [publication(2, renderPublicationTable(w.pub, w.table))],
    (h) => [publication(0, dropTable(h.pub, h.table))],
    (w, h) => [publication(2, `${dropTable(h.pub, h.table)}\n${renderPublicationTable(w.pub, w.table)}`)],
  );
}
