// Runs dist/cli.cjs with a V8 code cache, so that a command does not compile the same JavaScript on every run.
// Node 20 has no compile cache for ES modules (and Node 22's module.enableCompileCache() saves a module's code as
// compiled when it loads, i.e. without the functions V8 compiles lazily while the command runs), so the bundle is
// one CommonJS file compiled here with vm.Script: the first run of a command saves script.createCachedData() after
// the command ran (the functions it used are in it), and later runs of that command hand it back to V8.
//
// The cache is code that will run, so it is used only from a directory that is the user's own: $XDG_CACHE_HOME/
// pgsnap/code-cache or ~/.cache/pgsnap/code-cache, created 0700, refused when it (or a cache file) is a link, belongs to another user
// or is writable by group or others. A file's name holds the command and a hash of the bundle's bytes, Node's
// version and the V8 flags, so a rebuilt, upgraded or differently started pgsnap never reads another build's
// cache (V8 checks its own version and flags again and rejects a mismatch). Files are written to a temporary
// name and renamed. A missing, corrupt or rejected cache is rewritten; any trouble with the directory (no HOME,
// a read-only home, another user's directory) means running without a cache, silently: the cache only saves
// time. PGSNAP_CODE_CACHE=0 turns it off. docs/performance.md has the figures.
'use strict';
const { isAscii } = require('node:buffer');
const crypto = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

/** The cache directory to use, or why there is none: turned off, no usable home, or not safely the user's own. */
function cacheDir(env) {
  if (/^(0|off|false|no)$/i.test(env.PGSNAP_CODE_CACHE ?? '')) return { why: 'off (PGSNAP_CODE_CACHE)' };
  // relative values are ignored, as the XDG base directory spec says
  const xdg = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : null;
  const home = env.HOME && path.isAbsolute(env.HOME) ? env.HOME : null;
  const base = xdg ?? (home ? path.join(home, '.cache') : null);
  if (!base) return { why: 'not used (no HOME or XDG_CACHE_HOME)' };
  if (typeof process.getuid !== 'function') return { why: 'not used (no user ids on this platform)' };
  const dir = path.join(base, 'pgsnap', 'code-cache');
  try {
    // `sudo pgsnap` that kept the user's HOME: no root-owned directory left in someone else's home
    const mine = xdg ?? home;
    const owner = fs.statSync(mine, { throwIfNoEntry: false })?.uid;
    if (owner !== undefined && owner !== process.getuid()) return { why: `not used (${mine} belongs to another user)` };
    // one level at a time, never a HOME itself that is missing (and `recursive: true` spins forever on some
    // paths, such as one under /proc)
    for (const d of [base, path.dirname(dir), dir]) {
      try {
        fs.mkdirSync(d, { mode: 0o700 });
      } catch (e) {
        if (e.code !== 'EEXIST') throw e;
      }
    }
    if (!ownedPrivately(fs.lstatSync(dir), true)) return { why: `not used (${dir} is not a directory of this user's that only it can use)` };
    return { dir };
  } catch (e) {
    return { why: `not used (${dir}: ${e.code ?? e.message})` };
  }
}

/** A directory or file that is the running user's and nobody else can write to (a directory: nor read). */
function ownedPrivately(stat, isDir) {
  if (stat.uid !== process.getuid()) return false;
  return isDir ? stat.isDirectory() && (stat.mode & 0o077) === 0 : stat.isFile() && (stat.mode & 0o022) === 0;
}

/**
 * The command's cache name: its first word (`backup`, `drift`…), `backup-help` for its help (a cache made by the
 * help would hold none of the command's own functions, and is never rewritten once accepted), `help` for a bare
 * `pgsnap`, `other` for odd words.
 */
function commandOf(args) {
  const word = args.find((a) => !a.startsWith('-'));
  const help = args.includes('--help') || args.includes('-h') || word === 'help';
  if (word === undefined || word === 'help') return 'help';
  if (!/^[a-z][a-z-]{0,19}$/.test(word)) return 'other';
  return help ? `${word}-help` : word;
}

function readCache(file) {
  let fd;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    const stat = fs.fstatSync(fd);
    return ownedPrivately(stat, false) ? fs.readFileSync(fd) : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function writeCache(dir, file, data) {
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`);
  try {
    fs.writeFileSync(temp, data, { mode: 0o600, flag: 'wx' });
    fs.renameSync(temp, file);
    // earlier builds' caches of this command are of no more use
    const [command, key] = path.basename(file).split('.');
    for (const name of fs.readdirSync(dir)) {
      if (name.startsWith(`${command}.`) && name.endsWith('.v8') && !name.includes(key)) fs.rmSync(path.join(dir, name), { force: true });
    }
  } catch {
    fs.rmSync(temp, { force: true });
  }
}

/**
 * Compile and run the bundle (as Node runs a CommonJS module) and return its exports, with `done(exitCode)` to
 * call when the command has finished: that saves the cache when there was none or V8 rejected it.
 */
function loadBundle(file, argv, env) {
  const bytes = fs.readFileSync(file);
  const { dir, why } = cacheDir(env);
  let cacheFile;
  let cached;
  if (dir) {
    const key = crypto
      .createHash('sha256')
      .update(`${process.version}\0${process.arch}\0${process.execArgv.join(' ')}\0${env.NODE_OPTIONS ?? ''}\0`)
      .update(bytes)
      .digest('hex')
      .slice(0, 32);
    cacheFile = path.join(dir, `${commandOf(argv.slice(2))}.${key}.v8`);
    cached = readCache(cacheFile);
  }
  // Node's CommonJS wrapper, and `__pgsnapImport` for the bundle's import() of a package (scripts/build.mjs,
  // hostImports): a bare name resolves from bin/ as from dist/, in the same package
  // the build writes the bundle in ASCII (scripts/build.mjs asciiOnly): latin1 then reads the same text, several
  // times faster than UTF-8 and into a one-byte string
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  const wrapped = `(function (exports, require, module, __filename, __dirname, __pgsnapImport) {${source}\n});`;
  const script = new vm.Script(wrapped, { filename: file, cachedData: cached });
  const state = !dir ? why : cached === undefined ? 'missing' : script.cachedDataRejected ? 'rejected' : 'accepted';
  // `--debug` says how the code was compiled (the tests read this line; it is not a timing)
  if (argv.includes('--debug')) process.stderr.write(`pgsnap: code cache ${state}${cacheFile ? ` (${cacheFile})` : ''}\n`);
  const module = { exports: {}, filename: file, id: file, loaded: false };
  const hostImport = (specifier) => import(specifier);
  script.runInThisContext().call(module.exports, module.exports, Module.createRequire(file), module, file, path.dirname(file), hostImport);
  module.loaded = true;
  const done = (exitCode) => {
    // a run that stopped in trouble (exit 2) compiled too little of the command to be worth saving
    if ((state !== 'missing' && state !== 'rejected') || exitCode > 1) return;
    // the command has finished: nothing here may change its outcome
    try {
      writeCache(dir, cacheFile, script.createCachedData());
    } catch {}
  };
  return { exports: module.exports, done };
}

module.exports = { loadBundle };
