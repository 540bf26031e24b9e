/**
 * Paired CPU measurement of restore variants on the 50-table archive (not part of npm test or npm run bench):
 *   tsx bench/paired-restore.ts <rounds> <name>=<bin dir>:<extra args> …
 * (NAME=value words among the extra args set that variant's environment, e.g. `text=.:--jobs 2 PGSNAP_COPY_BINARY=0`)
 * (a <bin dir> of `pg_restore` runs /usr/lib/postgresql/15/bin/pg_restore --data-only --disable-triggers <extra>
 * on a `pg_dump -Fd` of the same tables instead)
 * Each round runs every variant once (order rotated) into a truncated schema-only copy; prints wall time, the
 * pgsnap process's user+sys (wait4 rusage through /usr/bin/time) and the server's (the postmaster's reaped
 * children: every backend adds its CPU there when it exits; autovacuum is off), and the load average.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbedded } from '../src/db/embedded.js';
import { manyTablesDataSql } from './dataset.js';
import { sql } from './measure.js';

const [roundsArg, ...specs] = process.argv.slice(2);
const rounds = Number(roundsArg);
const total = Number(process.env.PAIRED_ROWS ?? 5_000_000);
const variants = specs.map((s) => {
  const name = s.slice(0, s.indexOf('='));
  const rest = s.slice(s.indexOf('=') + 1);
  const [dir, extra] = [rest.slice(0, rest.indexOf(':')), rest.slice(rest.indexOf(':') + 1)];
  // NAME=value words among the extra arguments are the variant's environment (PGSNAP_COPY_BINARY=0)
  const words = extra.split(' ').filter(Boolean);
  const env = Object.fromEntries(words.filter((w) => /^[A-Z_]+=/.test(w)).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
  return { name, dir, extra: words.filter((w) => !/^[A-Z_]+=/.test(w)), env };
});


function serverTicks(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // fields 16 and 17 (cutime, cstime), counted from 1 with pid and comm before ") "
  return Number(f[13]) + Number(f[14]);
}

const server = await startEmbedded({ major: 15, settings: { shared_buffers: '512MB', max_wal_size: '4GB', checkpoint_timeout: '30min', autovacuum: 'off' } });
try {
  const src = await server.createDatabase('paired_src');
  const dst = await server.createDatabase('paired_dst');
  await sql(src, manyTablesDataSql(total));
  await sql(dst, manyTablesDataSql(0));
  const ckpt = (await sql(server.url, `SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'`)).rows[0].pid as number;
  const postmaster = Number(fs.readFileSync(`/proc/${ckpt}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paired-'));
  const first = variants.find((v) => v.dir !== 'pg_restore') as (typeof variants)[number];
  execFileSync(process.execPath, [path.join(first.dir, 'bin/pgsnap.js'), 'backup', '--url', src, '--dir', dir, '--schema', 'bench_many', '--jobs', '2'], { stdio: 'ignore' });
  const archive = path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith('.zip')) as string);
  const tools = '/usr/lib/postgresql/15/bin';
  const dumpDir = path.join(dir, 'many.dir');
  if (variants.some((v) => v.dir === 'pg_restore')) execFileSync(path.join(tools, 'pg_dump'), ['-Fd', '-j', '2', '-n', 'bench_many', '-f', dumpDir, '-d', src]);
  const tables = (await sql(dst, `SELECT string_agg(format('%I.%I', schemaname, tablename), ', ') AS t FROM pg_tables WHERE schemaname = 'bench_many'`)).rows[0].t as string;
  const results = new Map<string, { wall: number; client: number; server: number; load: number }[]>(variants.map((v) => [v.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(r + k) % variants.length] as (typeof variants)[number];
      await sql(dst, `TRUNCATE ${tables}; CHECKPOINT`);
      await new Promise((res) => setTimeout(res, 300));
      const s0 = serverTicks(postmaster);
      const load = os.loadavg()[0] as number;
      const t0 = performance.now();
      const command =
        v.dir === 'pg_restore'
          ? [path.join(tools, 'pg_restore'), '--data-only', '--disable-triggers', ...v.extra, '-d', dst, dumpDir]
          : [process.execPath, path.join(v.dir, 'bin/pgsnap.js'), 'restore', archive, '--url', dst, ...v.extra, '--json'];
      const out = spawnSync('/usr/bin/time', ['-f', '%U %S', ...command], { encoding: 'utf8', env: { ...process.env, ...v.env } });
      const wall = (performance.now() - t0) / 1000;
      if (out.status !== 0) throw new Error(`${v.name}: ${out.stderr}`);
      // the backends exit after the client hung up: wait for them before reading the postmaster's counters
      for (let i = 0; i < 100; i++) {
        const n = (await sql(dst, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)).rows[0].n as number;
        if (n === 0) break;
        await new Promise((res) => setTimeout(res, 50));
      }
      await new Promise((res) => setTimeout(res, 200));
      const [u, sy] = (out.stderr.trim().split('\n').at(-1) ?? '').split(' ').map(Number) as [number, number];
      results.get(v.name)?.push({ wall, client: u + sy, server: (serverTicks(postmaster) - s0) / 100, load });
      process.stderr.write(`round ${r + 1} ${v.name}: wall ${wall.toFixed(2)} s, pgsnap cpu ${(u + sy).toFixed(2)} s, server cpu ${((serverTicks(postmaster) - s0) / 100).toFixed(2)} s, load ${load.toFixed(2)}\n`);
    }
  }
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
  };
  for (const [name, rs] of results) {
    console.log(
      `${name}: median wall ${median(rs.map((x) => x.wall)).toFixed(2)} s, pgsnap cpu ${median(rs.map((x) => x.client)).toFixed(2)} s, server cpu ${median(rs.map((x) => x.server)).toFixed(2)} s, load ${median(rs.map((x) => x.load)).toFixed(2)} (${rs.length} runs)`,
    );
  }
} finally {
  await server.stop();
}
