import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { diff } from '../../src/catalog/diff.js';
import { introspect } from '../../src/catalog/introspect.js';
import type { CatalogModel } from '../../src/catalog/model.js';
import { withSession } from '../../src/db/client.js';
import { resolveTarget } from '../../src/db/connection.js';
import { planMigration } from '../../src/drift/plan.js';
import { renderStatements } from '../../src/drift/plan-file.js';
import { runPlanBody } from '../../src/drift/plan-prove.js';
import { type TestDatabase, createTestDatabase, repoRoot } from '../helpers/db.js';
import { renderDifference } from '../../src/catalog/render-difference.js';

/**
 * The planner's round trip over the catalog fixture pairs (tests/fixtures/catalog/<case>/a.sql, b.sql), both
 * directions: plan(desired, actual) with data loss allowed, run it on the actual database in one transaction,
 * read it again, diff against desired → nothing. The pairs the planner cannot repair are listed with the
 * reason; the list must stay exactly what it is.
 */
const root = path.join(repoRoot, 'tests/fixtures/catalog');
const cases = readdirSync(root)
  .filter((d) => existsSync(path.join(root, d, 'a.sql')))
  .sort();

/**
 * What the planner does not repair yet, by pair, with the reason (the proof fails honestly for each).
 */
const KNOWN_NOT_CONVERGING: Record<string, RegExp> = {
  // a user mapping's options (user, password) are never read, so it is never created
  'foreign-table a→b': /user_mapping warehouse\.pgsnap_catalog_case_reader: no plan for a user mapping/,
};

const major = inject('pgMajor');
/** `-- requires PostgreSQL N` in a.sql: the feature does not exist on older servers (as in catalog-fixtures). */
const requiredMajor = (name: string) => Number(/-- requires PostgreSQL (\d+)/.exec(readFileSync(path.join(root, name, 'a.sql'), 'utf8'))?.[1] ?? 0);
// ALTER COLUMN … SET EXPRESSION exists from PostgreSQL 17; before that the planner says it has no plan.
if (major < 17) {
  KNOWN_NOT_CONVERGING['column-generated a→b'] = /no plan for this generated-column change/;
  KNOWN_NOT_CONVERGING['column-generated b→a'] = /no plan for this generated-column change/;
}
const runnable = cases.filter((name) => requiredMajor(name) <= major);
for (const name of cases) {
  if (requiredMajor(name) > major) for (const d of ['a→b', 'b→a']) delete KNOWN_NOT_CONVERGING[`${name} ${d}`];
}

const databases: TestDatabase[] = [];
// two databases per direction: dropping them all outlasts the default hook timeout on a loaded machine
afterAll(async () => {
  for (const db of databases) await db.drop();
}, 600_000);

async function database(sql: string): Promise<{ db: TestDatabase; model: CatalogModel }> {
  const db = await createTestDatabase('plancase');
  databases.push(db);
  await db.query(sql);
  return { db, model: await withSession(resolveTarget(db.url), (s) => introspect(s)) };
}

const outcomes = new Map<string, string>();

describe('planner round trip over the catalog fixture pairs', () => {
  for (const name of runnable) {
    for (const direction of ['a→b', 'b→a'] as const) {
      const pair = `${name} ${direction}`;
      it(pair, async () => {
        const read = (f: string) => readFileSync(path.join(root, name, f), 'utf8');
        const [wantFile, haveFile] = direction === 'a→b' ? ['a.sql', 'b.sql'] : ['b.sql', 'a.sql'];
        const desired = (await database(read(wantFile))).model;
        const actual = await database(read(haveFile));
        const plan = planMigration(desired, actual.model, diff(desired, actual.model).map(renderDifference), { allowDataLoss: true });
        let why: string | undefined;
        if (plan.skipped.length > 0) why = plan.skipped.map((s) => `${s.fixes.kind} ${s.fixes.object}: ${s.reason}`).join('; ');
        else {
          try {
            await withSession(resolveTarget(actual.db.url), (s) => runPlanBody(s, renderStatements(plan)));
            const left = diff(desired, await withSession(resolveTarget(actual.db.url), (s) => introspect(s)));
            if (left.length > 0) why = `left: ${left.map((d) => `${d.change} ${d.kind} ${d.object}`).join(', ')}`;
          } catch (e) {
            why = (e as Error).message;
          }
        }
        outcomes.set(pair, why ?? 'converges');
        const known = KNOWN_NOT_CONVERGING[pair];
        if (why === undefined) expect(known, `${pair} converges now: take it off KNOWN_NOT_CONVERGING`).toBeUndefined();
        else {
          expect(known, `${pair} does not converge: ${why}\n${renderStatements(plan)}`).toBeDefined();
          expect(why).toMatch(known as RegExp);
        }
      });
    }
  }

  it('lists the pairs that do not converge', () => {
    const notConverging = [...outcomes].filter(([, o]) => o !== 'converges').map(([p]) => p);
    expect(notConverging.sort()).toEqual(Object.keys(KNOWN_NOT_CONVERGING).sort());
  });
});
