import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { close, connect, type Session } from './db/client.js';
import { resolveTarget } from './db/connection.js';
import { startEmbedded } from './db/embedded.js';
import type { Logger } from './log.js';

/**
 * `pgsnap demo`: the whole story on a throwaway embedded PostgreSQL. It seeds the fixture application (the
 * schema files in schemas/ and fixtures/seed.sql), then walks through what pgsnap is for. Each step runs the real
 * CLI in-process, exactly as a user would type it.
 */
export interface DemoOptions {
  major?: number | undefined;
  logger: Logger;
  out: NodeJS.WritableStream;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function loadFixtureApp(s: Session): Promise<void> {
  const dir = path.join(repoRoot, 'schemas');
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) {
    await s.query(fs.readFileSync(path.join(dir, file), 'utf8'));
  }
  await s.query(fs.readFileSync(path.join(repoRoot, 'fixtures', 'seed.sql'), 'utf8'));
}

export async function tableCounts(s: Session): Promise<Array<{ table: string; rows: number }>> {
  const tables = await s.query<{ t: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS t
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
      ORDER BY 1`,
  );
  const out: Array<{ table: string; rows: number }> = [];
  for (const { t } of tables.rows) {
    const r = await s.query<{ n: string }>(`SELECT count(*) AS n FROM ${t}`);
    out.push({ table: t, rows: Number(r.rows[0]?.n) });
  }
  return out;
}

export async function runDemo(options: DemoOptions): Promise<number> {
  const say = (line = '') => options.out.write(`${line}\n`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-demo-'));
  say('pgsnap demo: the whole story on a throwaway PostgreSQL');
  say();
  say('1. Start an embedded PostgreSQL and create the sample app database from schemas/ and fixtures/seed.sql');
  const server = await startEmbedded(options.major === undefined ? {} : { major: options.major });
  try {
    const url = await server.createDatabase('app');
    const s = await connect(resolveTarget(url));
    try {
      await loadFixtureApp(s);
      say(`   PostgreSQL ${server.major} on 127.0.0.1:${server.port}, database "app"`);
      for (const { table, rows } of await tableCounts(s)) say(`   ${table.padEnd(24)} ${String(rows).padStart(6)} rows`);
    } finally {
      await close(s);
    }
    say();
    say('Backup, drift check and restore join this story as they land (see the README).');
    return 0;
  } finally {
    await server.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}
