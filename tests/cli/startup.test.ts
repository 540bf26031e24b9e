import { isAscii } from 'node:buffer';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { repoRoot } from '../helpers/db.js';

/**
 * Start-up cost is asserted by what a command loads, never by timing (docs/performance.md has the figures).
 * dist/ is one CommonJS file (scripts/build.mjs) in which every module but the entry is wrapped in an init
 * function named by its path (`"src/backup/run.ts"() {…}`, `"node_modules/pg/lib/index.js"(exports, module)`,
 * `"lazy:node:zlib"` for a built-in or external package); the entry calls the ones it imports statically, a
 * command's `await import()` the rest. V8's coverage (NODE_V8_COVERAGE) says which of those functions ran; a
 * module whose code is not wrapped (the `//! path` markers esbuild writes before each module, minus the wrapped
 * ones) runs whenever the bundle does. tests/helpers/load-recorder.mjs lists the ES modules Node itself loads
 * (bin's scripts, a package loaded with import()) and the first read of the global Response.
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-startup-'));
const recorder = path.join(repoRoot, 'tests', 'helpers', 'load-recorder.mjs');
const bundle = path.join(repoRoot, 'dist', 'cli.cjs');

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

interface Loaded {
  code: number | null;
  stdout: string;
  /** every ES module file of the clone Node loaded, relative to it: bin/…, node_modules/libpg-query/… */
  files: string[];
  /** the modules of dist/cli.cjs that ran: src/cli.ts, node_modules/commander, lazy:node:zlib, … */
  sources: Set<string>;
  /** lazily built globals the process read (`Response`: Node's fetch implementation) */
  globals: string[];
}

/** src/x.ts as is; a package's file as its package (node_modules/pg); kept from node_modules/ on when linked */
const sourceOf = (p: string) => p.replace(/^.*?(?=node_modules\/)/, '').replace(/^(node_modules\/(?:@[^/]+\/)?[^/]+)\/.*$/, '$1');

let runs = 0;
async function loadsOf(args: string[]): Promise<Loaded> {
  const log = path.join(work, `loads-${++runs}.txt`);
  const coverage = path.join(work, `coverage-${runs}`);
  // without the code cache: what runs does not depend on it, and the test's NODE_OPTIONS would key a cache of its own
  const env = { NODE_OPTIONS: `--import=${recorder}`, LOAD_RECORDER_FILE: log, NODE_V8_COVERAGE: coverage, PGSNAP_CODE_CACHE: '0' };
  const r = await runCli(args, { cwd: work, env });
  const lines = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n') : [];
  const urls = lines.filter((u) => u.startsWith('file:'));
  const globals = lines.filter((u) => u.startsWith('global ')).map((u) => u.slice('global '.length));
  const files = urls.map((u) => path.relative(repoRoot, fileURLToPath(u)));
  const wrapped = new Map<string, number>();
  for (const f of fs.existsSync(coverage) ? fs.readdirSync(coverage) : []) {
    const { result } = JSON.parse(fs.readFileSync(path.join(coverage, f), 'utf8')) as {
      result: Array<{ url: string; functions: Array<{ functionName: string; ranges: Array<{ count: number }> }> }>;
    };
    for (const script of result.filter((s) => s.url.startsWith('file:') && fileURLToPath(s.url) === bundle)) {
      for (const fn of script.functions.filter((x) => /^(src\/|lazy:|\S*node_modules\/)/.test(x.functionName))) {
        wrapped.set(fn.functionName, Math.max(wrapped.get(fn.functionName) ?? 0, fn.ranges[0]?.count ?? 0));
      }
    }
  }
  const sources = new Set<string>();
  if (wrapped.size > 0) {
    for (const [name, count] of wrapped) if (count > 0) sources.add(sourceOf(name));
    for (const m of fs.readFileSync(bundle, 'utf8').matchAll(/^\/\/! (\S+)$/gm)) {
      if (!wrapped.has(m[1] as string)) sources.add(sourceOf(m[1] as string));
    }
  }
  return { code: r.code, stdout: r.stdout, files, sources, globals };
}

const heavy = (sources: Set<string>) =>
  [...sources].filter(
    (s) => s.startsWith('src/commands/actions/') || (s.startsWith('node_modules/') && s !== 'node_modules/commander') || /^lazy:(?!node:)/.test(s),
  );

describe('start-up: what a command loads before it runs', () => {
  it('dist/cli.cjs is ASCII only, so bin/code-cache.js reads it as latin1 (scripts/build.mjs asciiOnly)', () => {
    expect(isAscii(fs.readFileSync(bundle))).toBe(true);
  });

  it('pgsnap --version loads nothing of dist/ and skips the staleness check (bin answers from package.json)', async () => {
    const r = await loadsOf(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version);
    expect(r.files).toEqual(['bin/pgsnap.js']);
    expect(r.sources.size).toBe(0);
  });

  it('pgsnap backup --help loads the spec of backup only: no action module, no pg, no other package but commander', async () => {
    const r = await loadsOf(['backup', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: pgsnap backup');
    // in a clone the staleness check ran, as CommonJS: no ES module of the clone, so Node's ES module loader never
    // started (12-15 ms of every command when it was scripts/dist-stale.mjs)
    expect(r.files).toEqual(['bin/pgsnap.js']);
    // the markers were read (else the checks below would pass on nothing)
    expect(r.sources).toContain('src/cli.ts');
    expect(r.sources).toContain('src/commands/backup.ts');
    expect(heavy(r.sources)).toEqual([]);
    // built-ins the archive code imports stay as lazy as it (scripts/build.mjs, lazyImports)
    expect(r.sources).not.toContain('lazy:node:zlib');
    expect([...r.sources].filter((s) => /^src\/(backup|archive|db\/client|restore|drift|storage|verify)\b/.test(s))).toEqual([]);
  });

  it('no --help of any command loads an action module or a package but commander', async () => {
    for (const args of [['--help'], ['drift', 'check', '--help'], ['restore', '--help'], ['types', '--help'], ['demo', '--help']]) {
      const r = await loadsOf(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(heavy(r.sources), args.join(' ')).toEqual([]);
    }
  });

  it('backup without --encrypt-to and restore without --where / --create-missing load no age library, no SQL parser, no fetch', async () => {
    // nothing listens on port 1: each command loads what it loads, then fails to connect (or to find the archive)
    const unreachable = 'postgres://pgsnap@127.0.0.1:1/none';
    const backup = await loadsOf(['backup', '--url', unreachable, '--dir', path.join(work, 'backups')]);
    expect(backup.code).toBe(2);
    // pg was loaded, so its runtime check ran (scripts/build.mjs answers it without building a Response)
    expect(backup.sources).toContain('node_modules/pg');
    expect(backup.sources).toContain('src/archive/age.ts');
    expect(backup.sources).not.toContain('node_modules/age-encryption');
    expect(backup.sources).not.toContain('lazy:libpg-query');
    expect(backup.sources).not.toContain('lazy:oxc-parser');
    expect(backup.globals).toEqual([]);
    const restore = await loadsOf(['restore', path.join(work, 'missing.zip'), '--url', unreachable]);
    expect(restore.code).toBe(2);
    expect(restore.sources).toContain('src/restore/ddl-guard.ts');
    expect(restore.sources).toContain('node_modules/pg');
    // libpg-query instantiates its WASM when imported
    expect(restore.files.filter((f) => f.includes('libpg-query'))).toEqual([]);
    expect(restore.sources).not.toContain('lazy:libpg-query');
    expect(restore.globals).toEqual([]);
  });

  it('running a command does load its action (the recorder sees lazy chunks)', async () => {
    fs.mkdirSync(path.join(work, 'archives'));
    const r = await loadsOf(['list', '--dir', path.join(work, 'archives')]);
    expect(r.code).toBe(0);
    expect(r.sources).toContain('src/commands/actions/list.ts');
  });

  it('scan loads the code parser, an ES-module-only package, when it runs (lazy imports are seen, and they work)', async () => {
    fs.mkdirSync(path.join(work, 'app', 'schemas'), { recursive: true });
    fs.writeFileSync(path.join(work, 'app', 'schemas', '001.sql'), 'CREATE TABLE public.notes (id bigint PRIMARY KEY);\n');
    fs.writeFileSync(path.join(work, 'app', 'notes.ts'), "export const q = sql`SELECT id FROM public.notes`;\n");
    const r = await loadsOf(['scan', path.join(work, 'app'), '--schemas', path.join(work, 'app', 'schemas')]);
    expect(r.code).toBe(0);
    expect(r.sources).toContain('lazy:oxc-parser');
    expect(r.sources).toContain('lazy:libpg-query');
    expect(r.files.some((f) => f.includes('node_modules/oxc-parser/'))).toBe(true);
  });
});
