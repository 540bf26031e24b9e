import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readZip, sealManifest, writeZip } from '../helpers/archives.js';
import type { CliResult } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cliInProcess } from '../helpers/cli.js';
import { expectOneLine, scratchDir, spawnCli, tableState, withManifest } from '../helpers/faults.js';
import { bombEntry, samplePeakRss, withRawEntries } from '../helpers/hostile-zip.js';

/**
 * Archives built to exhaust the reader: entries that inflate to gigabytes, rows longer than anything pgsnap
 * holds in memory, names that made a backtracking regex take minutes. Each run is a real CLI process whose peak
 * resident memory is sampled from /proc; every one must end in one line (restore) or a report (verify), within
 * a fixed memory ceiling and a few seconds.
 */
const CEILING = 512 * 2 ** 20;
let db: TestDatabase;
let root: string;
let good: string;

beforeAll(async () => {
  db = await createTestDatabase('rel_hostile');
  await db.query(`CREATE TABLE public.users (id int PRIMARY KEY, name text NOT NULL);
                  INSERT INTO public.users SELECT i, 'user ' || i FROM generate_series(1, 30) i;`);
  root = scratchDir('rel-hostile');
  const b = await cliInProcess(['backup', '--url', db.url, '--dir', root, '--json']);
  if (b.code !== 0) throw new Error(b.stderr);
  good = (JSON.parse(b.stdout) as { archive: string }).archive;
  await db.query(`DELETE FROM public.users WHERE id > 20`);
});

afterAll(async () => {
  await db?.drop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

async function measured(args: string[]): Promise<CliResult & { rss: number; ms: number }> {
  const started = performance.now();
  const { child, done } = spawnCli(args);
  const rss = await samplePeakRss(child.pid as number, done);
  return { ...(await done), rss, ms: performance.now() - started };
}

/** restore (--create-missing, so schema.json is read) and verify of `file`: both refuse, bounded, nothing changed. */
async function refusedBoth(file: string, says: RegExp): Promise<void> {
  const before = await tableState(db, ['public']);
  const restored = await measured(['restore', file, '--url', db.url, '--create-missing']);
  expectOneLine(restored, 2, says);
  expect(restored.rss, 'restore peak RSS').toBeLessThan(CEILING);
  expect(await tableState(db, ['public'])).toEqual(before);
  const verified = await measured(['verify', file]);
  expect(verified.code, verified.stderr).toBe(1);
  expect(verified.stderr).toMatch(says);
  expect(verified.stderr).not.toMatch(/\n\s+at /);
  expect(verified.rss, 'verify peak RSS').toBeLessThan(CEILING);
}

/** public.users' one data entry, as the good archive's manifest lists it */
async function usersEntry(): Promise<{ name: string; bytes: number }> {
  const manifest = JSON.parse(((await readZip(good)).get('manifest.json') as Buffer).toString('utf8')) as ManifestShape;
  const entry = manifest.tables.find((t) => t.name === 'users')?.entries[0];
  if (!entry) throw new Error('no public.users entry in the archive');
  return entry;
}

interface ManifestShape {
  tables: { name: string; entries: { name: string; bytes: number }[] }[];
}

describe('zip bombs', () => {
  it('[bad-input] schema.json inflating to 1 GiB, declared honestly: refused before it is inflated', async () => {
    const file = path.join(root, 'schema-bomb.zip');
    await withRawEntries(good, file, [bombEntry('schema.json', 1024)]);
    await refusedBoth(file, /schema\.json is larger than 64 MiB/);
  });

  it('[bad-input] schema.json inflating to 1 GiB while the zip says 2 KB: refused at 2 KB', async () => {
    const file = path.join(root, 'schema-bomb-lying.zip');
    await withRawEntries(good, file, [bombEntry('schema.json', 1024, 0x20, 2048)]);
    await refusedBoth(file, /schema\.json: too many bytes in the stream/);
  });

  it('[bad-input] manifest.json inflating to 1 GiB: refused before it is inflated', async () => {
    const file = path.join(root, 'manifest-bomb.zip');
    await withRawEntries(good, file, [bombEntry('manifest.json', 1024)]);
    const r = await measured(['verify', file]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/manifest\.json is larger than 64 MiB/);
    expect(r.rss).toBeLessThan(CEILING);
  });

  it('[bad-input] a data entry inflating to 1 GiB where the manifest says a few hundred bytes: refused before it is inflated', async () => {
    const file = path.join(root, 'data-bomb.zip');
    await withRawEntries(good, file, [bombEntry((await usersEntry()).name, 1024, 0x0a)]);
    await refusedBoth(file, /holds 1073741824 bytes, the manifest says \d+/);
  });

  it('[bad-input] a data entry the zip and the manifest both declare small that inflates to 1 GiB: stopped at the declared size', async () => {
    const file = path.join(root, 'data-bomb-lying.zip');
    const { name, bytes } = await usersEntry();
    await withRawEntries(good, file, [bombEntry(name, 1024, 0x0a, bytes)]);
    await refusedBoth(file, /too many bytes in the stream|longer than the manifest says/);
  });
});

describe('rows and names of hostile size', () => {
  it('[bad-input] one 400 MiB row, declared consistently everywhere: refused at 128 MiB, in bounded memory', async () => {
    const mib = 400;
    const entry = bombEntry('data/public.users.0001.ndjson', mib, 0x20);
    const hash = createHash('sha256');
    const block = Buffer.alloc(2 ** 20, 0x20);
    for (let i = 0; i < mib; i++) hash.update(block);
    const forged = path.join(root, 'long-row-manifest.zip');
    await withManifest(good, forged, (m) => {
      const t = m.tables.find((x) => x.name === 'users');
      if (!t?.entries[0]) throw new Error('no users');
      t.entries = [{ name: entry.name, rows: 1, bytes: mib * 2 ** 20, sha256: hash.digest('hex') }];
      t.rows = 1;
    });
    const file = path.join(root, 'long-row.zip');
    await withRawEntries(forged, file, [entry]);
    await refusedBoth(file, /holds a row longer than 128 MiB/);
  });

  it('[bad-input] a 256 KB column name: verify reports it in seconds (a backtracking regex took 118 s)', async () => {
    const file = path.join(root, 'long-name.zip');
    await withManifest(good, file, (m) => {
      const t = m.tables.find((x) => x.name === 'users');
      if (!t?.columns[1]) throw new Error('no users');
      t.columns[1].name = 'c'.repeat(256 * 1024);
    });
    const r = await measured(['verify', file]);
    expect(r.code, r.stderr.slice(0, 500)).toBe(1);
    expect(r.stderr).toMatch(/missing column "c{100}/);
    expect(r.ms).toBeLessThan(20_000);
  });
});

describe('legitimate archives with unusual text', () => {
  it('[bad-input] definitions holding the text $pgsnap$ (the dollar quote restore wraps them in) restore with --create-missing', async () => {
    const src = await createTestDatabase('rel_dollar_src');
    const dst = await createTestDatabase('rel_dollar_dst');
    try {
      await src.query(`CREATE DOMAIN public.tag AS text CHECK (VALUE <> '$pgsnap$' AND VALUE <> '$pgsnap1$');
        CREATE FUNCTION public.mark(t text) RETURNS text LANGUAGE sql AS $f$ SELECT t || '$pgsnap$' $f$;
        CREATE TABLE public.notes (id int PRIMARY KEY, tag public.tag, body text DEFAULT public.mark('x'));
        INSERT INTO public.notes VALUES (1, 'a', '$pgsnap$ in a value'), (2, 'b', DEFAULT);`);
      const b = await cliInProcess(['backup', '--url', src.url, '--dir', path.join(root, 'dollar'), '--json']);
      expect(b.code, b.stderr).toBe(0);
      const archive = (JSON.parse(b.stdout) as { archive: string }).archive;
      const r = await cliInProcess(['restore', archive, '--url', dst.url, '--create-missing']);
      expect(r.code, r.stderr).toBe(0);
      expect(await dst.query(`SELECT id, tag::text, body FROM public.notes ORDER BY id`)).toEqual([
        { id: 1, tag: 'a', body: '$pgsnap$ in a value' },
        { id: 2, tag: 'b', body: 'x$pgsnap$' },
      ]);
    } finally {
      await src.drop();
      await dst.drop();
    }
  });
});

/** A copy of `src` with schema.json changed by `edit`, its checksum in the manifest updated to match. */
async function withSchema(src: string, dst: string, edit: (schema: { tables: Record<string, unknown>[] }) => void): Promise<void> {
  const entries = await readZip(src);
  const schema = JSON.parse((entries.get('schema.json') as Buffer).toString('utf8'));
  edit(schema);
  const bytes = Buffer.from(JSON.stringify(schema));
  entries.set('schema.json', bytes);
  const manifest = JSON.parse((entries.get('manifest.json') as Buffer).toString('utf8'));
  manifest.schemaSha256 = createHash('sha256').update(bytes).digest('hex');
  entries.set('manifest.json', Buffer.from(JSON.stringify(manifest)));
  await writeZip(dst, sealManifest(entries));
}

describe('no endless loops', () => {
  it('[bad-input] a manifest listing a table twice (the second time without entries): one line at once (restore looped forever)', async () => {
    const file = path.join(root, 'table-twice.zip');
    await withManifest(good, file, (m) => {
      const t = m.tables.find((x) => x.name === 'users');
      if (!t) throw new Error('no users');
      m.tables.push({ ...t, entries: [], rows: 0 });
    });
    const before = await tableState(db, ['public']);
    const restored = await measured(['restore', file, '--url', db.url, '--create-missing']);
    expectOneLine(restored, 2, /table public\.users is listed twice/);
    expect(restored.ms).toBeLessThan(20_000);
    expect(await tableState(db, ['public'])).toEqual(before);
    const verified = await measured(['verify', file]);
    expect(verified.code, verified.stderr).toBe(1);
    expect(verified.stderr).toMatch(/table public\.users is listed twice/);
  });

  it('[bad-input] schema.json describing a table twice, or partitions whose parents lead back to themselves: one line', async () => {
    const twice = path.join(root, 'schema-twice.zip');
    await withSchema(good, twice, (schema) => {
      schema.tables.push({ ...(schema.tables[0] as Record<string, unknown>) });
    });
    const cycle = path.join(root, 'schema-cycle.zip');
    await withSchema(good, cycle, (schema) => {
      const t = schema.tables.find((x) => x.name === 'users');
      if (!t) throw new Error('no users');
      t.partitionOf = 'public.users';
    });
    const before = await tableState(db, ['public']);
    for (const [file, says] of [
      [twice, /table public\.users is described twice/],
      [cycle, /the partitions of public\.users lead back to it/],
    ] as const) {
      const r = await measured(['restore', file, '--url', db.url, '--create-missing']);
      expectOneLine(r, 2, says);
      expect(r.ms).toBeLessThan(20_000);
    }
    expect(await tableState(db, ['public'])).toEqual(before);
  });
});
