import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readZip, sealManifest, writeZip } from '../helpers/archives.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cliInProcess } from '../helpers/cli.js';
import { scratchDir, tableState } from '../helpers/faults.js';

/**
 * Seeded mutation fuzzing of a real archive, through the real CLI (in this process, to fit a few hundred runs in
 * CI's time). Each mutant is damaged bytes, a cut-off file, a manifest with a field changed, removed or
 * duplicated, or data lines changed with the checksums recomputed (a forgery, which gets past the checksums into
 * restore itself). For every one: `verify` and `restore` exit 0, 1 or 2; trouble is one line and no stack
 * trace; a failed restore leaves the target exactly as it was; memory stays bounded.
 * PGSNAP_FUZZ_SEED and PGSNAP_FUZZ_MUTANTS change the run; a failure names the seed and mutant to replay.
 */
const SEED = Number(process.env.PGSNAP_FUZZ_SEED ?? 15);
const MUTANTS = Number(process.env.PGSNAP_FUZZ_MUTANTS ?? 240);
const MEMORY_CEILING = 1024 * 2 ** 20;

let source: TestDatabase;
let target: TestDatabase;
let root: string;
let good: string;

const SCHEMA = `
  CREATE TABLE public.users (id int PRIMARY KEY, name text NOT NULL, born date, score numeric, tags text[], meta jsonb);
  CREATE TABLE public.posts (id bigint PRIMARY KEY, user_id int NOT NULL REFERENCES public.users, body text, at timestamptz DEFAULT now());`;

beforeAll(async () => {
  source = await createTestDatabase('rel_fuzz_src');
  target = await createTestDatabase('rel_fuzz_dst');
  await source.query(`${SCHEMA}
    INSERT INTO public.users SELECT i, 'user ' || i, date '2000-01-01' + i, i * 1.5, ARRAY['a', NULL], jsonb_build_object('k', i) FROM generate_series(1, 40) i;
    INSERT INTO public.posts SELECT i, 1 + i % 40, repeat('p', i % 7), timestamptz '2025-01-01' + i * interval '1 hour' FROM generate_series(1, 60) i;`);
  await target.query(`${SCHEMA}
    INSERT INTO public.users SELECT i, 'kept ' || i FROM generate_series(1, 20) i;`);
  root = scratchDir('rel-fuzz');
  const b = await cliInProcess(['backup', '--url', source.url, '--dir', root, '--json']);
  if (b.code !== 0) throw new Error(b.stderr);
  good = (JSON.parse(b.stdout) as { archive: string }).archive;
});

afterAll(async () => {
  await source?.drop();
  await target?.drop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

/** mulberry32: small, seeded, good enough to pick mutations */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const ODD_VALUES: Json[] = [null, -1, 0, 1e300, 2 ** 53 + 1, '', 'x'.repeat(70_000), [], {}, true, '../../etc/passwd', '"; drop table users; --', 'NaN', [1, [2, [3]]]];

/** Every path to a value in a JSON document. */
function paths(doc: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(doc)) for (const [i, v] of doc.entries()) paths(v, [...at, i], out);
  else if (doc && typeof doc === 'object') for (const [k, v] of Object.entries(doc)) paths(v, [...at, k], out);
  return out;
}

function mutateJson(doc: Json, rnd: () => number): Json {
  const all = paths(doc).filter((p) => p.length > 0);
  const p = all[Math.floor(rnd() * all.length)] as (string | number)[];
  const parent = p.slice(0, -1).reduce<Json>((o, k) => (o as Record<string, Json>)[k] as Json, doc) as Record<string, Json> | Json[];
  const key = p[p.length - 1] as string | number;
  const roll = rnd();
  if (roll < 0.6) (parent as Record<string, Json>)[key] = ODD_VALUES[Math.floor(rnd() * ODD_VALUES.length)] as Json;
  else if (roll < 0.8) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else if (Array.isArray(parent)) parent.push(structuredClone(parent[key as number] as Json));
  else (parent as Record<string, Json>)[key] = structuredClone([(parent as Record<string, Json>)[key] as Json]);
  return doc;
}

/** Change one data line and recompute what the manifest says of its entry: the checksums hold, the content lies. */
function forgeData(entries: Map<string, Buffer>, rnd: () => number): void {
  const manifest = JSON.parse((entries.get('manifest.json') as Buffer).toString('utf8'));
  const dataNames = [...entries.keys()].filter((n) => n.startsWith('data/'));
  const name = dataNames[Math.floor(rnd() * dataNames.length)] as string;
  const lines = (entries.get(name) as Buffer).toString('utf8').split('\n').slice(0, -1);
  const i = Math.floor(rnd() * lines.length);
  const row = JSON.parse(lines[i] as string) as Record<string, Json>;
  const keys = Object.keys(row);
  const roll = rnd();
  if (roll < 0.7) row[keys[Math.floor(rnd() * keys.length)] as string] = ODD_VALUES[Math.floor(rnd() * ODD_VALUES.length)] as Json;
  else if (roll < 0.85) delete row[keys[Math.floor(rnd() * keys.length)] as string];
  else row.extra = 1;
  lines[i] = rnd() < 0.1 ? '{"unterminated' : JSON.stringify(row);
  const bytes = Buffer.from(`${lines.join('\n')}\n`);
  entries.set(name, bytes);
  for (const t of manifest.tables) {
    for (const e of t.entries) {
      if (e.name !== name) continue;
      e.bytes = bytes.length;
      e.sha256 = createHash('sha256').update(bytes).digest('hex');
    }
  }
  entries.set('manifest.json', Buffer.from(JSON.stringify(manifest)));
  // manifest.sha256 too, or every such mutant would stop there and never reach the line checks
  sealManifest(entries);
}

async function makeMutant(file: string, rnd: () => number): Promise<string> {
  const kind = Math.floor(rnd() * 4);
  if (kind === 0) {
    const bytes = fs.readFileSync(good);
    const flips = 1 + Math.floor(rnd() * 4);
    for (let i = 0; i < flips; i++) {
      const at = Math.floor(rnd() * bytes.length);
      bytes[at] = Math.floor(rnd() * 256);
    }
    fs.writeFileSync(file, bytes);
    return `${flips} random bytes`;
  }
  if (kind === 1) {
    const bytes = fs.readFileSync(good);
    fs.writeFileSync(file, bytes.subarray(0, Math.floor(rnd() * bytes.length)));
    return 'cut off';
  }
  const entries = await readZip(good);
  if (kind === 2) {
    const which = rnd() < 0.75 ? 'manifest.json' : 'schema.json';
    const doc = mutateJson(JSON.parse((entries.get(which) as Buffer).toString('utf8')), rnd);
    entries.set(which, Buffer.from(JSON.stringify(doc)));
    await writeZip(file, entries);
    return `${which} field changed`;
  }
  forgeData(entries, rnd);
  await writeZip(file, entries);
  return 'data forged, checksums recomputed';
}

const oneLineTrouble = (stderr: string) => stderr.trim().split('\n').length === 1 && stderr.startsWith('pgsnap: ');

it(`[bad-input] ${MUTANTS} seeded mutants of a real archive (seed ${SEED}): exit 0/1/2, one line, target unchanged on failure, bounded memory`, async () => {
  const rnd = random(SEED);
  let before = await tableState(target, ['public']);
  const outcomes: Record<string, number> = {};
  for (let n = 0; n < MUTANTS; n++) {
    const file = path.join(root, `mutant-${n}.zip`);
    const what = await makeMutant(file, rnd);
    const label = `seed ${SEED}, mutant ${n} (${what})`;

    const v = await cliInProcess(['verify', file]);
    expect([0, 1, 2], `${label}: verify\n${v.stderr}`).toContain(v.code);
    expect(v.stderr, `${label}: verify`).not.toMatch(/\n\s+at |unexpected error/);
    if (v.code === 2) expect(oneLineTrouble(v.stderr), `${label}: verify\n${v.stderr}`).toBe(true);

    const r = await cliInProcess(['restore', file, '--url', target.url]);
    expect([0, 1, 2], `${label}: restore\n${r.stderr}`).toContain(r.code);
    expect(r.stderr, `${label}: restore`).not.toMatch(/\n\s+at |unexpected error/);
    const after = await tableState(target, ['public']);
    if (r.code === 0) before = after; // a forgery that is still valid data may restore; the next mutant starts from here
    else {
      expect(oneLineTrouble(r.stderr), `${label}: restore\n${r.stderr}`).toBe(true);
      expect(after, `${label}: a failed restore changed the target`).toEqual(before);
    }
    outcomes[`verify ${v.code} / restore ${r.code}`] = (outcomes[`verify ${v.code} / restore ${r.code}`] ?? 0) + 1;
    fs.rmSync(file, { force: true });
    expect(process.memoryUsage().rss, label).toBeLessThan(MEMORY_CEILING);
  }
  // the mutants reached more than the first check: some fail verification only, some restore anyway
  expect(Object.keys(outcomes).length, JSON.stringify(outcomes)).toBeGreaterThan(2);
});
