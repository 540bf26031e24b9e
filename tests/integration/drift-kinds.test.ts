import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveTarget } from '../../src/db/index.js';
import { checkDrift } from '../../src/drift/check.js';
import { type TestDatabase, adminUrl, createFixtureDatabase, repoRoot } from '../helpers/db.js';

/**
 * One fixture folder per kind of drift: the fixture app is applied to a live test database, `live.sql` changes
 * one thing by hand, and the check must report exactly `expected.json` (kind, change, object) — nothing more.
 */
const casesDir = path.join(repoRoot, 'tests', 'fixtures', 'drift');
const cases = fs
  .readdirSync(casesDir, { withFileTypes: true })
  .filter((e) => e.isDirectory() && fs.existsSync(path.join(casesDir, e.name, 'live.sql')))
  .map((e) => e.name)
  .sort();

const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const db of databases) await db.drop();
});

describe('drift check detects each kind of drift with the right object', () => {
  it('has fixtures', () => expect(cases.length).toBeGreaterThanOrEqual(20));

  for (const name of cases) {
    it(name, async () => {
      const dir = path.join(casesDir, name);
      const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')) as { kind: string; change: string; object: string }[];
      const live = await createFixtureDatabase(`drift_${name.replace(/-/g, '_')}`);
      databases.push(live);
      await live.query(fs.readFileSync(path.join(dir, 'live.sql'), 'utf8'));
      const r = await checkDrift({
        live: resolveTarget(live.url, {}),
        schemaDir: 'schemas',
        cwd: repoRoot,
        shadow: { kind: 'url', url: adminUrl() },
      });
      expect(r.differences.map((d) => ({ kind: d.kind, change: d.change, object: d.object }))).toEqual(expected);
      expect(r.findings.map((f) => f.object)).toEqual(expected.map((e) => e.object));
      for (const f of r.findings) {
        expect(f.severity).toBe(r.differences.find((d) => d.object === f.object)?.change === 'extra' ? 'warning' : 'error');
        // Whatever the schema files define is located in them (file and line exist).
        if (expected.find((e) => e.object === f.object)?.change !== 'extra' || f.location) {
          expect(f.location, `${f.object} has a location`).toBeDefined();
          const lines = fs.readFileSync(path.join(repoRoot, f.location!.file), 'utf8').split('\n');
          expect(f.location!.line).toBeGreaterThan(0);
          expect(f.location!.line).toBeLessThanOrEqual(lines.length);
        }
        if (r.differences.find((d) => d.object === f.object)?.change === 'changed') expect(f.diff).toMatch(/^--- schema files\n\+\+\+ live database\n@@/);
      }
    });
  }
});
