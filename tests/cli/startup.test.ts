import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { repoRoot } from '../helpers/db.js';

/**
 * Start-up cost is asserted by what a command loads, never by timing (docs/performance.md has the figures).
 * tests/helpers/load-recorder.mjs lists every ES module the process loads; for the bundle chunks of dist/, the
 * sources each holds are read from the paths esbuild writes before each module it bundles.
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-startup-'));
const recorder = path.join(repoRoot, 'tests', 'helpers', 'load-recorder.mjs');

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

interface Loaded {
  code: number | null;
  stdout: string;
  /** every loaded file of the clone, relative to it: bin/pgsnap.js, dist/cli.js, … */
  files: string[];
  /** the sources inside the loaded chunks of dist/: src/cli.ts, node_modules/commander, … */
  sources: Set<string>;
  /** lazily built globals the process read (`Response`: Node's fetch implementation) */
  globals: string[];
}

let runs = 0;
async function loadsOf(args: string[]): Promise<Loaded> {
  const log = path.join(work, `loads-${++runs}.txt`);
  const r = await runCli(args, { cwd: work, env: { NODE_OPTIONS: `--import=${recorder}`, LOAD_RECORDER_FILE: log } });
  const lines = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n') : [];
  const urls = lines.filter((u) => u.startsWith('file:'));
  const globals = lines.filter((u) => u.startsWith('global ')).map((u) => u.slice('global '.length));
  const files = urls.map((u) => path.relative(repoRoot, fileURLToPath(u)));
  const sources = new Set<string>();
  for (const f of files.filter((x) => x.startsWith('dist/'))) {
    // an ES module's code follows a `// path` comment; a CommonJS one (pg, yauzl…) is wrapped as `"path"(exports, module) {`
    const text = fs.readFileSync(path.join(repoRoot, f), 'utf8');
    // (a package's path starts above the clone when node_modules is a link: it is kept from node_modules/ on)
    for (const m of text.matchAll(/^(?:\/\/ |\s*")(src\/[^\s"]+|(?:[^\s"]*\/)?node_modules\/(?:@[^/\s"]+\/)?[^/\s"]+)/gm)) {
      sources.add((m[1] as string).replace(/^.*?(?=node_modules\/)/, ''));
    }
  }
  return { code: r.code, stdout: r.stdout, files, sources, globals };
}

const heavy = (sources: Set<string>) =>
  [...sources].filter((s) => s.startsWith('src/commands/actions/') || (s.startsWith('node_modules/') && s !== 'node_modules/commander'));

describe('start-up: what a command loads before it runs', () => {
  it('pgsnap --version loads nothing of dist/ and skips the staleness check (bin answers from package.json)', async () => {
    const r = await loadsOf(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version);
    expect(r.files).toEqual(['bin/pgsnap.js']);
  });

  it('pgsnap backup --help loads the spec of backup only: no action module, no pg, no other package but commander', async () => {
    const r = await loadsOf(['backup', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: pgsnap backup');
    // the markers were read (else the checks below would pass on nothing)
    expect(r.sources).toContain('src/cli.ts');
    expect(r.sources).toContain('src/commands/backup.ts');
    expect(heavy(r.sources)).toEqual([]);
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
    expect(backup.globals).toEqual([]);
    const restore = await loadsOf(['restore', path.join(work, 'missing.zip'), '--url', unreachable]);
    expect(restore.code).toBe(2);
    expect(restore.sources).toContain('src/restore/ddl-guard.ts');
    expect(restore.sources).toContain('node_modules/pg');
    // libpg-query instantiates its WASM when imported
    expect(restore.files.filter((f) => f.includes('libpg-query'))).toEqual([]);
    expect(restore.globals).toEqual([]);
  });

  it('running a command does load its action (the recorder sees lazy chunks)', async () => {
    fs.mkdirSync(path.join(work, 'archives'));
    const r = await loadsOf(['list', '--dir', path.join(work, 'archives')]);
    expect(r.code).toBe(0);
    expect(r.sources).toContain('src/commands/actions/list.ts');
  });
});
