import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveTarget } from '../../src/db/index.js';
import { checkDrift } from '../../src/drift/check.js';
import { pullDrift } from '../../src/drift/pull.js';
import { adminUrl, createTestDatabase, serverMajor, type TestDatabase } from '../helpers/db.js';
import { fixtureCases, readFixture, requiredMajor } from './catalog-fixture-cases.js';

/**
 * `drift pull` converges, on every catalog fixture: a live database built from one side of the pair, an empty
 * schema directory, pull (everything is live-only), then check must find nothing — so the pulled file applies
 * and recreates every object the catalog compares.
 */
const cases = fixtureCases();

/** Each case cleans up after itself: 200+ cases would not drop their databases within one afterAll hook. */
async function pullThenCheck(sql: string, files?: string): Promise<{ file: string | null; text: string; findings: string[]; extra: string[] }> {
  const live: TestDatabase = await createTestDatabase('pullfix');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-pullfix-'));
  try {
    await live.query(sql);
    fs.mkdirSync(path.join(work, 'schemas'));
    // A directory without any *.sql is a usage error (the reader's rule); one file with nothing in it is "empty".
    fs.writeFileSync(path.join(work, 'schemas', '010_files.sql'), files ?? '-- nothing yet\n');
    const options = { live: resolveTarget(live.url, {}), schemaDir: 'schemas', cwd: work, shadow: { kind: 'url' as const, url: adminUrl() } };
    const pulled = await pullDrift(options, new Date('2026-01-01T00:00:00Z'));
    const text = pulled.file ? fs.readFileSync(path.join(work, pulled.file), 'utf8') : '';
    const after = await checkDrift(options);
    const show = (f: (typeof after.findings)[number]) => `${f.kind} ${f.object}: ${f.message}`;
    const extra = after.differences.filter((d) => d.change === 'extra').map((d) => `${d.kind} ${d.object}`);
    return { file: pulled.file, text, findings: after.findings.map(show), extra };
  } finally {
    await live.drop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

describe('drift pull from an empty schema directory converges on every fixture pair', () => {
  it.for(cases.flatMap((c) => [`${c}/a.sql`, `${c}/b.sql`]))('%s', async (side, ctx) => {
    const [name = '', file = ''] = side.split('/');
    const needs = requiredMajor(name);
    if (serverMajor() < needs) ctx.skip(`needs PostgreSQL ${needs}+ (server is ${serverMajor()})`);
    const r = await pullThenCheck(readFixture(name, file));
    expect(r.findings, r.text).toEqual([]);
    // user mapping options (the foreign-table case sets passwords) are never read, so never written
    expect(r.text).not.toMatch(/hunter2|other-secret/);
  });
});

describe('drift pull over schema files that differ converges on the live-only objects of every fixture pair', () => {
  // files: one side; live: the other. The pulled file must apply after the files, and leave nothing live-only.
  it.for(cases.flatMap((c) => [`${c}: files a.sql, live b.sql`, `${c}: files b.sql, live a.sql`]))('%s', async (label, ctx) => {
    const [name = '', rest = ''] = label.split(': ');
    const needs = requiredMajor(name);
    if (serverMajor() < needs) ctx.skip(`needs PostgreSQL ${needs}+ (server is ${serverMajor()})`);
    const [files, live] = rest.startsWith('files a') ? ['a.sql', 'b.sql'] : ['b.sql', 'a.sql'];
    const r = await pullThenCheck(readFixture(name, live), readFixture(name, files));
    expect(r.extra, r.text).toEqual([]);
  });
});
