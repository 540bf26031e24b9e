import type { CatalogModel } from '../catalog/model.js';
import { renderConstraint } from '../catalog/render-object.js';
import type { Session } from '../db/client.js';
import { checkArchivedDdl } from './ddl-guard.js';

/**
 * `DROP TABLE parent CASCADE` also drops the foreign keys other tables had to it. When --create-missing brings
 * the parent back, those keys are put back too, once every row is in (adding one checks the rows it covers).
 * One that cannot be added — a row that now points at nothing, or a table the role does not own — is listed with
 * the DDL to run, and the restore goes on: the rows are what the user asked for.
 */

export interface LostForeignKey {
  /** the table that had the key, "schema.name" */
  readonly table: string;
  readonly constraint: string;
  /** the statement that puts it back */
  readonly ddl: string;
}

export interface ForeignKeyOutcome extends LostForeignKey {
  readonly restored: boolean;
  /** why it could not be added */
  readonly reason?: string;
}

/** Pure: archived foreign keys from tables the target has to the tables just created, missing in the target. */
export function findLostForeignKeys(archived: CatalogModel, target: Pick<CatalogModel, 'tables'>, created: readonly string[]): LostForeignKey[] {
  const createdSet = new Set(created);
  const out: LostForeignKey[] = [];
  for (const t of archived.tables) {
    const name = `${t.schema}.${t.name}`;
    if (createdSet.has(name)) continue;
    const live = target.tables.find((x) => x.schema === t.schema && x.name === t.name);
    if (!live) continue;
    for (const c of t.constraints) {
      if (c.kind !== 'foreign' || !c.references) continue;
      if (!createdSet.has(`${c.references.schema}.${c.references.table}`)) continue;
      if (live.constraints.some((x) => x.name === c.name)) continue;
      out.push({ table: name, constraint: c.name, ddl: renderConstraint(t, c) });
    }
  }
  return out;
}

/** Add each key in a savepoint of its own, so one that fails leaves the restore (and the others) intact. */
export async function restoreLostForeignKeys(s: Session, lost: readonly LostForeignKey[]): Promise<ForeignKeyOutcome[]> {
  const out: ForeignKeyOutcome[] = [];
  for (const fk of lost) {
    // archived text: checked like the rest of --create-missing's DDL
    const { problems } = checkArchivedDdl(fk.ddl);
    if (problems.length > 0) {
      out.push({ ...fk, restored: false, reason: problems.join('; ') });
      continue;
    }
    await s.query('SAVEPOINT pgsnap_foreign_key');
    try {
      await s.query(fk.ddl);
      await s.query('RELEASE SAVEPOINT pgsnap_foreign_key');
      out.push({ ...fk, restored: true });
    } catch (e) {
      await s.query('ROLLBACK TO SAVEPOINT pgsnap_foreign_key');
      const message = (e as Error).message;
      out.push({ ...fk, restored: false, reason: message.startsWith(`${s.where}: `) ? message.slice(s.where.length + 2) : message });
    }
  }
  return out;
}
