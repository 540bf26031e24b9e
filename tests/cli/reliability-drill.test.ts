import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../src/backup/backup.js';
import { resolveTarget } from '../../src/db/connection.js';
import { type Logger, silentLogger } from '../../src/log.js';
import { restoreDrill } from '../../src/verify/drill.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { scratchDir, spawnCli, waitFor } from '../helpers/faults.js';

/**
 * The restore drill runs an archive's definitions, and an archive can be forged: the drill must end in bounded
 * time, reach nothing outside its throwaway server, and leave no server or directory behind even when pgsnap is
 * killed. The archives here are real backups of databases built to misbehave only inside the drill database
 * (`pgsnap_restore_drill`), so the backups themselves succeed.
 */
let root: string;
const dbs: TestDatabase[] = [];

beforeAll(() => {
  root = scratchDir('rel-drill');
});

afterAll(async () => {
  for (const db of dbs) await db.drop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

async function archiveOf(prefix: string, sql: string): Promise<string> {
  const db = await createTestDatabase(prefix);
  dbs.push(db);
  await db.query(sql);
  const selection = { schemas: [], tables: [], exclude: [] };
  return (await runBackup({ target: resolveTarget(db.url), dir: path.join(root, prefix), selection, logger: silentLogger })).archive;
}

/** A CHECK that sleeps for an hour on every row, but only in the drill's database. */
const SLEEPING_CHECK = `
  CREATE FUNCTION public.slow(int) RETURNS boolean LANGUAGE sql AS
    $$ SELECT pg_sleep(CASE WHEN current_database() = 'pgsnap_restore_drill' THEN 3600 ELSE 0 END) IS NOT NULL $$;
  CREATE TABLE public.t (id int PRIMARY KEY CHECK (public.slow(id)));
  INSERT INTO public.t SELECT generate_series(1, 3);`;

function logged(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const push = (m: string) => lines.push(m);
  return { logger: { ...silentLogger, info: push, warn: push, debug: () => {} }, lines };
}

describe('the drill is bounded in time', () => {
  it('[bad-input] a CHECK calling pg_sleep: the drill stops at its time limit and fails (it hung before)', async () => {
    const archive = await archiveOf('rel_drill_sleep', SLEEPING_CHECK);
    const started = performance.now();
    const d = await restoreDrill(archive, { timeLimitMs: 4000 });
    expect(d.ok).toBe(false);
    expect(d.error).toMatch(/did not finish within 4 s and was stopped/);
    expect(performance.now() - started).toBeLessThan(30_000);
  });
});

describe('the drill reaches nothing outside its server', () => {
  it('[bad-input] an archive that needs dblink to call out: dblink is not created, nothing connects, the drill fails', async () => {
    let connections = 0;
    const listener = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as net.AddressInfo).port;
    try {
      const archive = await archiveOf(
        'rel_drill_dblink',
        `CREATE EXTENSION dblink;
         CREATE FUNCTION public.call_out() RETURNS boolean LANGUAGE plpgsql AS $$
         BEGIN
           IF current_database() = 'pgsnap_restore_drill' THEN
             PERFORM public.dblink_connect('host=127.0.0.1 port=${port} password=x connect_timeout=2');
           END IF;
           RETURN true;
         EXCEPTION WHEN sqlclient_unable_to_establish_sqlconnection THEN RETURN true;
         END $$;
         CREATE TABLE public.t (id int PRIMARY KEY CHECK (public.call_out()));
         INSERT INTO public.t VALUES (1), (2);`,
      );
      connections = 0;
      const { logger, lines } = logged();
      const d = await restoreDrill(archive, { logger, timeLimitMs: 20_000 });
      expect(lines.join('\n')).toMatch(/extension dblink is not created/);
      expect(d.ok).toBe(false);
      expect(d.error).toMatch(/dblink/);
      expect(connections).toBe(0);
    } finally {
      listener.close();
    }
  });
});

/** Processes whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}

const cmdline = (pid: number): string[] => {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
};

/** Every live process whose command line names `dataDir`. */
function processesOf(dataDir: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((pid) => cmdline(pid).includes(dataDir));
}

describe('the drill dies with pgsnap', () => {
  it('[fault] SIGKILL of pgsnap verify --restore-test: the postmaster exits and its directory is removed; it listened on no TCP port and saw none of our environment', async () => {
    const archive = await archiveOf('rel_drill_kill', SLEEPING_CHECK);
    const marker = 'pgsnap-user-variable-that-must-not-leak';
    const { child, done } = spawnCli(['verify', archive, '--restore-test'], {
      DATABASE_URL: `postgres://u:${marker}@127.0.0.1:1/x`,
      PGPASSWORD: marker,
      PGSNAP_USER_SECRET: marker,
    });
    const pgsnapPid = child.pid as number;
    let postmaster = 0;
    // the drill is running once the drill database has a session (the restore, sleeping in the CHECK)
    await waitFor(
      () => {
        for (const supervisor of childrenOf(pgsnapPid)) {
          for (const pg of childrenOf(supervisor)) {
            if (cmdline(pg)[0]?.endsWith('/postgres') && childrenOf(pg).some((b) => cmdline(b).join(' ').includes('pgsnap_restore_drill'))) {
              postmaster = pg;
            }
          }
        }
        return postmaster !== 0;
      },
      60_000,
      'the drill server',
    );
    const args = cmdline(postmaster);
    const dataDir = args[args.indexOf('-D') + 1] as string;
    const work = path.dirname(dataDir);
    expect(args).toContain('listen_addresses=');
    const socketDir = (args.find((a) => a.startsWith('unix_socket_directories=')) as string).split('=')[1] as string;
    expect(socketDir.startsWith(work)).toBe(true);
    expect(fs.statSync(socketDir).mode & 0o777).toBe(0o700);
    const environ = fs.readFileSync(`/proc/${postmaster}/environ`, 'utf8');
    expect(environ).not.toContain(marker);
    expect(environ).not.toMatch(/DATABASE_URL|PGPASSWORD|PGSNAP_USER_SECRET/);

    child.kill('SIGKILL');
    await done;
    await waitFor(() => processesOf(dataDir).length === 0 && !fs.existsSync(work), 30_000, 'the drill server to exit and its directory to go');
  });
});
