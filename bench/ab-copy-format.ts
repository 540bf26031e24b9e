/**
 * Paired A/B of restore into an empty bench.mixed (not part of npm test or npm run bench):
 *   ROWS=2000000 ROUNDS=5 tsx bench/ab-copy-format.ts
 * Each round runs pg_restore --data-only, pgsnap restore with PGSNAP_COPY_BINARY=0 (text COPY) and with binary COPY,
 * order rotated, each into the truncated table after a CHECKPOINT; prints each round, the medians and the
 * binary/text ratio of each round (the pair shares the machine state, which on a shared host drifts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbedded } from '../src/db/embedded.js';
import { mixedTableSql } from './dataset.js';
import { measure, sql } from './measure.js';
const pgsnapBin = path.resolve(import.meta.dirname, '..', 'bin', 'pgsnap.js');
const rows = Number(process.env.ROWS ?? 2_000_000);
const rounds = Number(process.env.ROUNDS ?? 4);
const tools = '/usr/lib/postgresql/15/bin';
const server = await startEmbedded({ major: 15, settings: { shared_buffers: '512MB', max_wal_size: '4GB', checkpoint_timeout: '30min', autovacuum: 'off' } });
try {
  const src = await server.createDatabase('ab_src');
  const dst = await server.createDatabase('ab_dst');
  await sql(src, mixedTableSql(rows));
  await sql(dst, mixedTableSql(0));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ab-'));
  const b = await measure('node', [pgsnapBin, 'backup', '--url', src, '--dir', work, '--json']);
  const archive = JSON.parse(b.stdout).archive;
  const dump = path.join(work, 'd.dump');
  await measure(path.join(tools, 'pg_dump'), ['-Fc', '--data-only', '-f', dump, src]);
  const variants: Record<string, () => Promise<{ seconds: number }>> = {
    pg_restore: () => measure(path.join(tools, 'pg_restore'), ['--data-only', '-d', dst, dump]),
    text: () => measure('node', [pgsnapBin, 'restore', archive, '--url', dst, '--json'], { ...process.env, PGSNAP_COPY_BINARY: '0' }),
    binary: () => measure('node', [pgsnapBin, 'restore', archive, '--url', dst, '--json'], { ...process.env, PGSNAP_COPY_BINARY: '1' }),
  };
  const names = Object.keys(variants);
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    const order = names.slice(r % names.length).concat(names.slice(0, r % names.length));
    for (const n of order) {
      await sql(dst, 'TRUNCATE bench.mixed');
      await sql(dst, 'CHECKPOINT');
      const m = await variants[n]!();
      times[n]!.push(m.seconds);
    }
    console.log(`round ${r + 1}: ` + names.map((n) => `${n} ${times[n]!.at(-1)!.toFixed(2)}`).join('  ') + `  load ${(os.loadavg()[0] ?? 0).toFixed(2)}`);
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
  console.log(names.map((n) => `${n} median ${med(times[n]!).toFixed(2)} s (${(med(times[n]!) / med(times.pg_restore!)).toFixed(2)}×)`).join('\n'));
  console.log('pairs binary/text: ' + times.binary!.map((b, i) => (b / times.text![i]!).toFixed(2)).join(' '));
} finally {
  await server.stop();
}
