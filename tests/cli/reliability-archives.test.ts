import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rewriteZip, writeZip } from '../helpers/archives.js';
import { cliInProcess, type CliResult } from '../helpers/cli.js';
import { createFixtureDatabase, createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { expectOneLine, filesBelow, flipByteInEntry, scratchDir, tableState as state, withClimbingEntry, withEntryLines, withManifest } from '../helpers/faults.js';

/**
 * Bad archives through the real CLI, for `pgsnap restore` and `pgsnap verify` alike: every kind of damage or
 * forgery gives exit 1 or 2 with one clear line, runs no SQL carried in names, leaves the target as it was, and
 * writes nothing anywhere (the archive directory sits two levels below the test's root, so an entry named
 * `../../etc/x` would land inside what `filesBelow(root)` watches).
 */
const INJECTION = `x"; drop table users; --`;

let app: TestDatabase;
let root: string;
let cwd: string;
let good: string;

beforeAll(async () => {
  app = await createFixtureDatabase('rel_arch');
  await app.query(`CREATE TABLE public.users (id int PRIMARY KEY, name text NOT NULL);
                   INSERT INTO public.users SELECT i, 'user ' || i FROM generate_series(1, 30) i;`);
  root = scratchDir('rel-archives');
  cwd = path.join(root, 'work', 'here');
  fs.mkdirSync(cwd, { recursive: true });
  const b = await cliInProcess(['backup', '--url', app.url, '--dir', cwd, '--json']);
  if (b.code !== 0) throw new Error(b.stderr);
  good = (JSON.parse(b.stdout) as { archive: string }).archive;
  // rows restore would put back if it ran: every case below must leave them missing
  await app.query(`DELETE FROM public.error_logs WHERE level = 'fatal'; DELETE FROM public.users WHERE id > 20;`);
});

afterAll(async () => {
  await app?.drop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

const variant = (name: string) => path.join(cwd, name);

interface Case {
  readonly name: string;
  readonly make: (file: string) => Promise<void> | void;
  /** exit codes verify may give: 1 (damaged, a finding) or 2 (not ours / from a newer pgsnap) */
  readonly verify: 1 | 2;
  /** what the one line (restore) or the report (verify) says */
  readonly says: RegExp;
}

const cases: Case[] = [
  { name: 'an empty file', make: (f) => fs.writeFileSync(f, ''), verify: 2, says: /not a pgsnap archive|not a zip/ },
  {
    name: 'a truncated file',
    make: (f) => {
      const bytes = fs.readFileSync(good);
      fs.writeFileSync(f, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    },
    verify: 1,
    says: /damaged|not a zip|central directory|truncated/i,
  },
  {
    name: 'a byte flipped inside a data entry',
    make: (f) => flipByteInEntry(good, f, 'data/public.error_logs.0001.ndjson', 300),
    verify: 1,
    says: /error_logs/,
  },
  { name: 'a zip that is not a pgsnap archive', make: (f) => writeZip(f, [['readme.txt', 'hello'], ['data.csv', 'a,b\n1,2\n']]), verify: 2, says: /not a pgsnap archive/ },
  {
    name: 'a newer format version',
    make: (f) =>
      withManifest(good, f, (m) => {
        m.formatVersion = 2;
      }),
    verify: 2,
    says: /format 2; this pgsnap reads up to 1 — upgrade pgsnap/,
  },
  {
    name: 'row counts edited in the manifest',
    make: (f) =>
      withManifest(good, f, (m) => {
        const t = m.tables.find((x) => x.name === 'users' && x.schema === 'public');
        if (!t?.entries[0]) throw new Error('no public.users in the archive');
        t.rows += 5;
        t.entries[0].rows += 5;
      }),
    verify: 1,
    says: /public\.users\.0001\.ndjson holds 30 rows, the manifest says 35/,
  },
  {
    name: 'a column name carrying SQL in the manifest',
    make: (f) =>
      withManifest(good, f, (m) => {
        const t = m.tables.find((x) => x.name === 'users' && x.schema === 'public');
        if (!t?.columns[1]) throw new Error('no public.users in the archive');
        t.columns[1].name = INJECTION;
      }),
    verify: 1,
    says: /users/,
  },
  {
    // the rows still carry the column: restore loaded the deleted fatal rows with context silently NULL
    name: 'a column lost from the manifest that the rows still hold',
    make: (f) =>
      withManifest(good, f, (m) => {
        const t = m.tables.find((x) => x.name === 'error_logs' && x.schema === 'public');
        if (!t?.columns.some((c) => c.name === 'context')) throw new Error('no public.error_logs.context in the archive');
        t.columns = t.columns.filter((c) => c.name !== 'context');
      }),
    verify: 1,
    // restore refuses it when it reads schema.json, whose description still has the column; verify says both
    says: /columns of public\.error_logs differ between manifest\.json and schema\.json: schema\.json has "context" [a-z]+, the manifest does not/,
  },
  {
    name: 'rows without a column the manifest lists (entry checksums recomputed)',
    make: (f) =>
      withEntryLines(good, f, 'data/public.error_logs.0001.ndjson', (line) => {
        const without = line.replace(/,"context":(null|"(?:[^"\\]|\\.)*")/, '');
        if (without === line) throw new Error(`no context in ${line}`);
        return without;
      }),
    verify: 1,
    says: /public\.error_logs\.0001\.ndjson line 1: missing column "context"/,
  },
  {
    // a harmless edit (a trailing space) that only manifest.sha256 shows: restore loaded the rows
    name: 'a manifest that no longer matches manifest.sha256',
    make: (f) => rewriteZip(good, f, (name, data) => (name === 'manifest.json' ? Buffer.concat([data, Buffer.from(' ')]) : data)),
    verify: 1,
    says: /manifest\.json does not match manifest\.sha256/,
  },
  {
    name: 'an entry whose name climbs out of the directory',
    make: (f) => withClimbingEntry(good, f, '../../etc/x'),
    verify: 1,
    says: /leaves the archive|invalid relative path|\.\.\/\.\.\/etc\/x/,
  },
];

describe('bad archives through pgsnap restore and pgsnap verify', () => {
  for (const c of cases) {
    it(`[bad-input] ${c.name}: restore exits 2 with one line and changes nothing; verify exits ${c.verify}`, async () => {
      const file = variant(`${c.name.replace(/\W+/g, '-')}.zip`);
      await c.make(file);
      const before = await state(app);
      const files = filesBelow(root);

      const restored = await cliInProcess(['restore', file, '--url', app.url], { cwd });
      expectOneLine(restored, 2, c.says);
      expect(await state(app)).toEqual(before);

      const verified = await cliInProcess(['verify', file], { cwd });
      expectVerifyFailure(verified, c.verify, c.says);
      expect(filesBelow(root)).toEqual(files);
    });
  }

  it('[bad-input] a table name carrying SQL in the manifest: refused, with and without --create-missing; never run', async () => {
    const file = variant('sql-table-name.zip');
    await withManifest(good, file, (m) => {
      const t = m.tables.find((x) => x.name === 'users' && x.schema === 'public');
      if (!t) throw new Error('no public.users in the archive');
      t.name = INJECTION;
    });
    const before = await state(app);
    const plain = await cliInProcess(['restore', file, '--url', app.url], { cwd });
    expectOneLine(plain, 2, /no table public\.x""?; drop table users; --|x"; drop table users/);
    // the forged name is in no schema.json: --create-missing must refuse it, not report it created and skip it
    const create = await cliInProcess(['restore', file, '--url', app.url, '--create-missing'], { cwd });
    expectOneLine(create, 2, /schema\.json does not describe public\.x"; drop table users; --.* — nothing was changed/);
    expect(await state(app)).toEqual(before);
    const users = await app.query<{ n: string }>(`SELECT count(*) AS n FROM public.users`);
    expect(Number(users[0]?.n)).toBe(20);
    const verified = await cliInProcess(['verify', file], { cwd });
    // verify names the table as SQL would spell it (archive/table-id.ts tableLabel)
    expectVerifyFailure(verified, 1, /schema\.json does not describe table public\."x""; drop table users; --"/);
  });
});

describe('names that carry SQL are data end to end', () => {
  it('[bad-input] a manifest whose settings point search_path at a planted operator cannot make restore run it', async () => {
    const db = await createTestDatabase('rel_hijack');
    try {
      await db.query(`CREATE TABLE public.users (id int PRIMARY KEY, name text NOT NULL);
                      INSERT INTO public.users SELECT i, 'user ' || i FROM generate_series(1, 30) i;`);
      const dir = path.join(root, 'hijack');
      const b = await cliInProcess(['backup', '--url', db.url, '--dir', dir, '--json']);
      expect(b.code, b.stderr).toBe(0);
      const archive = (JSON.parse(b.stdout) as { archive: string }).archive;
      const forged = path.join(dir, 'forged.zip');
      await withManifest(archive, forged, (m) => {
        m.settings = { ...(m.settings as Record<string, string>), search_path: 'hijack, pg_catalog', transaction_read_only: 'on' };
      });
      // Someone who may create objects in the target plants an int = int that drops users when evaluated.
      await db.query(`DELETE FROM public.users WHERE id > 20;
        CREATE SCHEMA hijack;
        CREATE FUNCTION hijack.eq(int, int) RETURNS boolean LANGUAGE plpgsql AS
          $$ BEGIN EXECUTE 'DROP TABLE IF EXISTS public.users'; RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
        CREATE OPERATOR hijack.= (leftarg = int, rightarg = int, function = hijack.eq);`);
      // settings pgsnap does not print values under are refused before anything runs (archive/manifest.ts)
      const r = await cliInProcess(['restore', forged, '--url', db.url, '--json']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/settings\.search_path is "hijack, pg_catalog"/);
      const users = await db.query<{ n: string }>(`SELECT count(*) AS n FROM public.users`);
      expect(Number(users[0]?.n)).toBe(20);
    } finally {
      await db.drop();
    }
  });


  it('[bad-input] backs up and restores a table and column literally named like an injection; users survives', async () => {
    const src = await createTestDatabase('rel_inject_src');
    const dst = await createTestDatabase('rel_inject_dst');
    try {
      const setup = `CREATE TABLE public.users (id int PRIMARY KEY, name text);
                     INSERT INTO public.users VALUES (1, 'alice'), (2, 'bob');`;
      await src.query(`${setup}
        CREATE TABLE public."${INJECTION.replace(/"/g, '""')}" (id int PRIMARY KEY, "${INJECTION.replace(/"/g, '""')}" text);
        INSERT INTO public."${INJECTION.replace(/"/g, '""')}" VALUES (1, '''); drop table users; --'), (2, E'\\\\x00');`);
      await dst.query(setup);
      const dir = path.join(root, 'inject');
      const b = await cliInProcess(['backup', '--url', src.url, '--dir', dir, '--json']);
      expect(b.code, b.stderr).toBe(0);
      const archive = (JSON.parse(b.stdout) as { archive: string }).archive;
      const v = await cliInProcess(['verify', archive]);
      expect(v.code, v.stderr).toBe(0);
      const r = await cliInProcess(['restore', archive, '--url', dst.url, '--create-missing', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const rows = await dst.query<{ v: string }>(`SELECT "${INJECTION.replace(/"/g, '""')}" AS v FROM public."${INJECTION.replace(/"/g, '""')}" ORDER BY id`);
      expect(rows.map((x) => x.v)).toEqual(["'); drop table users; --", '\\x00']);
      expect(await dst.query(`SELECT id, name FROM public.users ORDER BY id`)).toEqual([
        { id: 1, name: 'alice' },
        { id: 2, name: 'bob' },
      ]);
    } finally {
      await src.drop();
      await dst.drop();
    }
  });
});

function expectVerifyFailure(r: CliResult, code: 1 | 2, says: RegExp): void {
  const label = `exit ${r.code}\nstderr: ${r.stderr}`;
  expect(r.code, label).toBe(code);
  expect(r.stdout, label).toBe('');
  expect(r.stderr, label).not.toMatch(/\n\s+at /);
  if (code === 2) expectOneLine(r, 2, says);
  else {
    // exit 1 is a finding: the report names the archive and what is wrong with it
    expect(r.stderr.split('\n')[0], label).toMatch(/^FAILED verification: /);
    expect(r.stderr, label).toMatch(says);
  }
}
