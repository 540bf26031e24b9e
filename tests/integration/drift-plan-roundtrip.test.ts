import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveTarget } from '../../src/db/index.js';
import { checkDrift } from '../../src/drift/check.js';
import { applyDriftPlan, planDrift } from '../../src/drift/plan-run.js';
import { type TestDatabase, adminUrl, createFixtureDatabase, repoRoot } from '../helpers/db.js';

/**
 * The migra round trip over every drift fixture pair, in both directions:
 *   forward: schema files = schemas/, live = the app with live.sql applied by hand;
 *   reverse: schema files = schemas/ + live.sql as a last file, live = the app as the files make it.
 * Each time: plan (with --allow-data-loss, so every repair is in the plan), proof in the shadow, apply to a
 * second live copy holding the seed rows, drift check → clean. Pairs that do not converge are listed here with
 * the reason, and the test fails if that list changes in either direction.
 */
const casesDir = path.join(repoRoot, 'tests', 'fixtures', 'drift');
const cases = fs
  .readdirSync(casesDir, { withFileTypes: true })
  .filter((e) => e.isDirectory() && fs.existsSync(path.join(casesDir, e.name, 'live.sql')))
  .filter((e) => fs.readFileSync(path.join(casesDir, e.name, 'live.sql'), 'utf8').trim() !== '')
  .map((e) => e.name)
  .sort();

/** pair → why it does not converge (a limit of the planner, documented in docs/drift.md) */
const KNOWN_NOT_CONVERGING: Record<string, RegExp> = {};

const databases: TestDatabase[] = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-plan-rt-'));
afterAll(async () => {
  for (const db of databases) await db.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function liveCopy(name: string, sql: string): Promise<TestDatabase> {
  const db = await createFixtureDatabase(`rt_${name.replace(/-/g, '_')}`.slice(0, 40));
  databases.push(db);
  if (sql !== '') await db.query(sql);
  return db;
}

/** schemas/ plus live.sql as the last file */
function schemasWith(name: string, sql: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  for (const f of fs.readdirSync(path.join(repoRoot, 'schemas'))) fs.copyFileSync(path.join(repoRoot, 'schemas', f), path.join(dir, f));
  fs.writeFileSync(path.join(dir, '999_live.sql'), sql);
  return dir;
}

const outcomes = new Map<string, string>();

describe('drift plan round trip over the fixture pairs', () => {
  it('has fixture pairs', () => expect(cases.length).toBeGreaterThanOrEqual(20));

  for (const name of cases) {
    for (const direction of ['forward', 'reverse'] as const) {
      const pair = `${name} ${direction}`;
      it(pair, async () => {
        const sql = fs.readFileSync(path.join(casesDir, name, 'live.sql'), 'utf8');
        const schemaDir = direction === 'forward' ? 'schemas' : schemasWith(name, sql);
        const liveSql = direction === 'forward' ? sql : '';
        const [planned, target] = [await liveCopy(name, liveSql), await liveCopy(name, liveSql)];
        const opts = (db: TestDatabase) => ({ live: resolveTarget(db.url, {}), schemaDir, cwd: repoRoot, shadow: { kind: 'url', url: adminUrl() } as const });
        const r = await planDrift({ ...opts(planned), allowDataLoss: true });
        expect(r.differences.length, 'the pair drifts').toBeGreaterThan(0);
        const known = KNOWN_NOT_CONVERGING[pair];
        if (!r.proof.proven) {
          const why = r.proof.error ?? `left: ${r.proof.remaining.map((d) => `${d.change} ${d.kind} ${d.object}`).join(', ')}`;
          outcomes.set(pair, why);
          expect(known, `${pair} did not converge: ${why}\n${r.text}`).toBeDefined();
          expect(why).toMatch(known as RegExp);
          return;
        }
        expect(known, `${pair} converges now: take it off KNOWN_NOT_CONVERGING`).toBeUndefined();
        expect(r.plan.skipped).toEqual([]);
        await applyDriftPlan({ live: resolveTarget(target.url, {}), text: r.text, file: `${pair}.sql`, lockTimeoutMs: 5000 });
        const after = await checkDrift(opts(target));
        expect(after.differences, r.text).toEqual([]);
        outcomes.set(pair, 'converges');
      });
    }
  }

  it('lists the pairs that do not converge', () => {
    const notConverging = [...outcomes].filter(([, o]) => o !== 'converges').map(([p]) => p);
    expect(notConverging.sort()).toEqual(Object.keys(KNOWN_NOT_CONVERGING).sort());
  });
});
