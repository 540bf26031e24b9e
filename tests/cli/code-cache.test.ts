import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli } from '../helpers/cli.js';

/**
 * bin/code-cache.js: the V8 code cache of dist/cli.cjs, per user and per command. What it saves is a timing
 * (docs/performance.md); these tests check what it does by the line `--debug` writes (`pgsnap: code cache
 * accepted (…)`), the files in the cache directory and the command's output, which must not change.
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-code-cache-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const archives = path.join(work, 'archives');
fs.mkdirSync(archives);

let homes = 0;
function freshHome(): string {
  const home = path.join(work, `home-${++homes}`);
  fs.mkdirSync(home);
  return home;
}

const cacheDirOf = (home: string) => path.join(home, '.cache', 'pgsnap', 'code-cache');

async function list(env: NodeJS.ProcessEnv): Promise<CliResult & { cache: string }> {
  const r = await runCli(['list', '--dir', archives, '--json', '--debug'], { cwd: work, env: { XDG_CACHE_HOME: undefined, PGSNAP_CODE_CACHE: undefined, ...env } });
  expect(r.code, r.stderr).toBe(0);
  return { ...r, cache: /^pgsnap: code cache (.*)$/m.exec(r.stderr)?.[1] ?? '(no code cache line)' };
}

const cacheFiles = (home: string) => (fs.existsSync(cacheDirOf(home)) ? fs.readdirSync(cacheDirOf(home)).filter((f) => f.endsWith('.v8')) : []);

describe('the code cache (bin/code-cache.js)', () => {
  it('is written on the first run of a command, 0600 in a 0700 directory, and accepted on the second, with the same output', async () => {
    const home = freshHome();
    const first = await list({ HOME: home });
    expect(first.cache).toMatch(/^missing \(/);
    const files = cacheFiles(home);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^list\.[0-9a-f]{32}\.v8$/);
    expect(fs.statSync(cacheDirOf(home)).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(cacheDirOf(home), files[0] as string)).mode & 0o777).toBe(0o600);
    const second = await list({ HOME: home });
    expect(second.cache).toBe(`accepted (${path.join(cacheDirOf(home), files[0] as string)})`);
    expect(second.stdout).toBe(first.stdout);
    // another command, and a command's help, have caches of their own (each holds the functions its run compiled:
    // a `list --help` cache would hold none of list's own)
    for (const args of [['--debug', 'restore', '--help'], ['list', '--help', '--debug']]) {
      const help = await runCli(args, { cwd: work, env: { HOME: home, XDG_CACHE_HOME: undefined } });
      expect(help.code).toBe(0);
      expect(help.stderr).toMatch(/^pgsnap: code cache missing \(/m);
    }
    expect(cacheFiles(home).map((f) => f.split('.')[0]).sort()).toEqual(['list', 'list-help', 'restore-help']);
    expect((await list({ HOME: home })).cache).toMatch(/^accepted \(/);
  });

  it('a command that imports a package at run time works from the cache too (scan: the code parser, an ES module)', async () => {
    // a vm.Script made from a code cache has no loader for import() of its own: the bundle calls bin's instead
    const home = freshHome();
    const app = path.join(work, 'app');
    fs.mkdirSync(path.join(app, 'schemas'), { recursive: true });
    fs.writeFileSync(path.join(app, 'schemas', '001.sql'), 'CREATE TABLE public.notes (id bigint PRIMARY KEY);\n');
    fs.writeFileSync(path.join(app, 'notes.ts'), 'export const q = sql`SELECT id FROM public.notes JOIN public.missing USING (id)`;\n');
    const scan = () => runCli(['scan', app, '--schemas', path.join(app, 'schemas'), '--json', '--debug'], { cwd: work, env: { HOME: home, XDG_CACHE_HOME: undefined } });
    const first = await scan();
    expect(first.code, first.stderr).toBe(1);
    expect(first.stderr).toMatch(/^pgsnap: code cache missing \(/m);
    const second = await scan();
    expect(second.stderr).toMatch(/^pgsnap: code cache accepted \(/m);
    expect(second.code, second.stderr).toBe(1);
    const withoutTime = (s: string) => s.replace(/"durationMs": \d+/, '');
    expect(withoutTime(second.stdout)).toBe(withoutTime(first.stdout));
    expect(second.stdout).toContain('public.missing');
  });

  it('uses $XDG_CACHE_HOME when it is an absolute path, and ignores a relative one', async () => {
    const home = freshHome();
    const xdg = path.join(work, `xdg-${homes}`);
    const r = await list({ HOME: home, XDG_CACHE_HOME: xdg });
    expect(r.cache).toContain(`(${path.join(xdg, 'pgsnap', 'code-cache')}/list.`);
    const relative = await list({ HOME: home, XDG_CACHE_HOME: 'relative/cache' });
    expect(relative.cache).toContain(`(${cacheDirOf(home)}/list.`);
  });

  it('ignores a corrupt cache file, gives the same output, and rewrites it', async () => {
    const home = freshHome();
    const clean = await list({ HOME: home });
    const file = path.join(cacheDirOf(home), cacheFiles(home)[0] as string);
    const size = fs.statSync(file).size;
    for (const garbage of [Buffer.alloc(size, 0x5a), Buffer.from('not a code cache'), Buffer.alloc(0)]) {
      fs.writeFileSync(file, garbage);
      const r = await list({ HOME: home });
      expect(r.cache).toMatch(/^rejected \(/);
      expect(r.stdout).toBe(clean.stdout);
      expect(fs.readFileSync(file).equals(garbage)).toBe(false);
      expect((await list({ HOME: home })).cache).toMatch(/^accepted \(/);
    }
  });

  it('refuses a cache directory that group or others can write to, or that is a link, and a cache file others can write', async () => {
    const home = freshHome();
    await list({ HOME: home });
    const dir = cacheDirOf(home);
    const file = path.join(dir, cacheFiles(home)[0] as string);
    fs.chmodSync(file, 0o666);
    const writable = await list({ HOME: home });
    // not read, and replaced by a private one
    expect(writable.cache).toMatch(/^missing \(/);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    for (const mode of [0o770, 0o707, 0o755]) {
      fs.chmodSync(dir, mode);
      const r = await list({ HOME: home });
      expect(r.cache, mode.toString(8)).toMatch(/^not used \(.*is not a directory of this user's/);
      expect(r.stdout).toBe(writable.stdout);
    }
    fs.chmodSync(dir, 0o700);
    // a link to a private directory is not the directory itself (whoever could make the link chose its target)
    const elsewhere = path.join(work, `elsewhere-${homes}`);
    fs.renameSync(dir, elsewhere);
    fs.symlinkSync(elsewhere, dir);
    expect((await list({ HOME: home })).cache).toMatch(/^not used \(/);
  });

  it.runIf(process.getuid?.() === 0)('refuses a cache directory or file owned by another user (as root)', async () => {
    const home = freshHome();
    await list({ HOME: home });
    const dir = cacheDirOf(home);
    const file = path.join(dir, cacheFiles(home)[0] as string);
    fs.chownSync(file, 65534, 65534);
    expect((await list({ HOME: home })).cache).toMatch(/^missing \(/);
    // replaced by root's own file
    expect(fs.statSync(file).uid).toBe(0);
    fs.chownSync(dir, 65534, 65534);
    expect((await list({ HOME: home })).cache).toMatch(/^not used \(.*is not a directory of this user's/);
    // another user's home (`sudo pgsnap` keeping HOME): nothing is created in it
    const theirs = freshHome();
    fs.chownSync(theirs, 65534, 65534);
    expect((await list({ HOME: theirs })).cache).toBe(`not used (${theirs} belongs to another user)`);
    expect(fs.readdirSync(theirs)).toEqual([]);
  });

  it('runs without a cache, silently, when HOME is unset or cannot hold one', async () => {
    const plain = await runCli(['list', '--dir', archives, '--json'], { cwd: work, env: { HOME: undefined, XDG_CACHE_HOME: undefined } });
    expect(plain.code).toBe(0);
    expect(plain.stderr).toBe('');
    expect((await list({ HOME: undefined })).cache).toBe('not used (no HOME or XDG_CACHE_HOME)');
    // a file where the directory would be, a home that does not exist, and a path no one can create (as root too)
    for (const home of ['/dev/null', path.join(work, 'no-such-home'), '/proc/self/no-such-home']) {
      const r = await list({ HOME: home });
      expect(r.cache).toMatch(/^not used \(/);
      expect(r.stdout).toBe(plain.stdout);
      const quiet = await runCli(['list', '--dir', archives, '--json'], { cwd: work, env: { HOME: home, XDG_CACHE_HOME: undefined } });
      expect(quiet.stderr).toBe('');
      expect(quiet.stdout).toBe(plain.stdout);
    }
  });

  it('PGSNAP_CODE_CACHE=0 turns it off: nothing read or written', async () => {
    const home = freshHome();
    const r = await list({ HOME: home, PGSNAP_CODE_CACHE: '0' });
    expect(r.cache).toBe('off (PGSNAP_CODE_CACHE)');
    expect(cacheFiles(home)).toEqual([]);
  });

  it('a rebuilt bundle gets a new cache and the old one is removed', async () => {
    // the key hashes the bundle's bytes: a copy of the package with one byte more in dist/cli.cjs is another build
    const home = freshHome();
    const pkg = path.join(work, 'pkg');
    fs.mkdirSync(pkg);
    const repo = path.resolve(import.meta.dirname, '..', '..');
    fs.cpSync(path.join(repo, 'bin'), path.join(pkg, 'bin'), { recursive: true });
    fs.cpSync(path.join(repo, 'dist'), path.join(pkg, 'dist'), { recursive: true });
    fs.copyFileSync(path.join(repo, 'package.json'), path.join(pkg, 'package.json'));
    fs.symlinkSync(path.join(repo, 'node_modules'), path.join(pkg, 'node_modules'));
    const { execFileSync } = await import('node:child_process');
    const run = () =>
      execFileSync(process.execPath, [path.join(pkg, 'bin', 'pgsnap.js'), 'list', '--dir', archives, '--debug'], {
        env: { ...process.env, HOME: home, XDG_CACHE_HOME: '', PGSNAP_CODE_CACHE: '' },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    run();
    const before = cacheFiles(home);
    expect(before).toHaveLength(1);
    fs.appendFileSync(path.join(pkg, 'dist', 'cli.cjs'), '\n');
    run();
    const after = cacheFiles(home);
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(before[0]);
  });
});
