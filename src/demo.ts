import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { close, connect, type Session } from './db/client.js';
import { resolveTarget } from './db/connection.js';
import { startEmbedded } from './db/embedded.js';
import { temporaryDirectory } from './lifecycle.js';
import type { Logger } from './log.js';
import type { RunCli } from './commands/context.js';

/**
 * `pgsnap demo`: the whole story on a throwaway embedded PostgreSQL. It seeds the fixture application (the
 * schema files in schemas/ and fixtures/seed.sql), then walks through what pgsnap is for. Every step runs the
 * real CLI in-process, exactly as a user would type it, and the demo fails (exit 2) if a step does not end the
 * way the story says it must.
 */
export interface DemoOptions {
  major?: number | undefined;
  logger: Logger;
  out: NodeJS.WritableStream;
  /** the CLI's own `run` (cli.ts), passed in: importing cli.ts from here would make a cycle cli → commands → demo → cli */
  cli: RunCli;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function loadFixtureApp(s: Session): Promise<void> {
  const dir = path.join(repoRoot, 'schemas');
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) {
    await s.query(fs.readFileSync(path.join(dir, file), 'utf8'));
  }
  await s.query(fs.readFileSync(path.join(repoRoot, 'fixtures', 'seed.sql'), 'utf8'));
}

async function tableCounts(s: Session): Promise<Array<{ table: string; rows: number }>> {
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

class DemoStepFailed extends Error {}

export async function runDemo(options: DemoOptions): Promise<number> {
  const say = (line = '') => options.out.write(`${line}\n`);
  const work = temporaryDirectory('pgsnap-demo-');
  const backups = path.join(work.path, 'backups');
  const run = options.cli;

  /** Run `pgsnap …` in-process, show the command and its output indented, and insist on the exit code. */
  const pgsnap = async (args: string[], expect: number, shown: string[] = args) => {
    say(`   $ pgsnap ${shown.join(' ')}`);
    let text = '';
    const write = (chunk: string | Uint8Array): boolean => {
      text += chunk.toString();
      return true;
    };
    const sink = { write } as unknown as NodeJS.WritableStream;
    const code = await run(['node', 'pgsnap', ...args], { stdout: sink, stderr: sink, env: { ...process.env, NO_COLOR: '1' }, cwd: repoRoot });
    for (const line of text.trimEnd().split('\n')) if (line) say(`     ${line}`);
    say(`     (exit ${code})`);
    if (code !== expect) throw new DemoStepFailed(`pgsnap ${shown.join(' ')} exited ${code}, the story needs ${expect}`);
  };

  say('pgsnap demo: the whole story on a throwaway PostgreSQL');
  say();
  say('1. An embedded PostgreSQL and the sample app (schemas/*.sql and fixtures/seed.sql)');
  const server = await startEmbedded(options.major === undefined ? {} : { major: options.major });
  try {
    const url = await server.createDatabase('app');
    const s = await connect(resolveTarget(url));
    try {
      await loadFixtureApp(s);
      say(`   PostgreSQL ${server.major} on 127.0.0.1:${server.port}, database "app"`);
      const before = await tableCounts(s);
      for (const { table, rows } of before) say(`   ${table.padEnd(24)} ${String(rows).padStart(6)} rows`);
      const hidden = ['--url', '$DATABASE_URL'];
      const withUrl = (args: string[]) => [...args, '--url', url];
      const shownUrl = (args: string[]) => [...args, ...hidden];

      say();
      say('2. The nightly backup (cron: pgsnap backup --verify), then a look at what landed');
      await pgsnap(withUrl(['backup', '--dir', backups, '--verify']), 0, shownUrl(['backup', '--dir', 'backups', '--verify']));
      await pgsnap(['list', '--dir', backups], 0, ['list', '--dir', 'backups']);
      await pgsnap(['show', 'latest', '--dir', backups], 0, ['show', 'latest', '--dir', 'backups']);

      say();
      say('3. The CI gate: the live schema against the committed schema files');
      await pgsnap(withUrl(['drift', 'check', '--schemas', 'schemas']), 0, shownUrl(['drift', 'check', '--schemas', 'schemas']));
      say('   Someone "fixes" production by hand: a table no schema file defines, and the signup trigger dropped.');
      await s.query(`CREATE TABLE public.auth_configs (id serial PRIMARY KEY, provider text NOT NULL, settings jsonb)`);
      await s.query(`DROP TRIGGER on_auth_user_created ON auth.users`);
      await pgsnap(withUrl(['drift', 'check', '--schemas', 'schemas']), 1, shownUrl(['drift', 'check', '--schemas', 'schemas']));

      say();
      say('4. And the code: which tables does the application use that no schema file defines?');
      await pgsnap(['scan', 'fixtures/app-code', '--schemas', 'schemas'], 1);
      // put the trigger back, so the restore below meets the app as it should be
      await s.query(fs.readFileSync(path.join(repoRoot, 'schemas', '020_profiles.sql'), 'utf8').match(/CREATE TRIGGER on_auth_user_created[\s\S]*?;/)?.[0] ?? '');

      say();
      say('5. The worst day: data lost while troubleshooting, and one row edited since the backup');
      await s.query(`DELETE FROM public.error_logs WHERE level = 'fatal'`);
      await s.query(
        `DELETE FROM public.test_sessions s WHERE s.status = 'passed' AND NOT EXISTS (SELECT 1 FROM public.error_logs e WHERE e.session_id = s.id)`,
      );
      await s.query(`DELETE FROM public.profiles WHERE display_name IN ('user4', 'user5')`);
      await s.query(`UPDATE public.projects SET name = 'Project 1 (renamed today)' WHERE id = 1`);
      await s.query(`DELETE FROM public.error_logs`); // "clearing the logs" while troubleshooting
      const lost = await tableCounts(s);
      for (const { table, rows } of lost) {
        const was = before.find((b) => b.table === table)?.rows ?? 0;
        say(`   ${table.padEnd(24)} ${String(rows).padStart(6)} rows${rows < was ? `   (${was - rows} lost)` : ''}`);
      }
      const lastGood = fs.readdirSync(backups).filter((f) => f.endsWith('.zip')).sort()[0] as string;
      say('   The next nightly backup runs with the shrink guard: it compares row counts with the previous archive');
      await pgsnap(withUrl(['backup', '--dir', backups, '--fail-on-shrink']), 1, shownUrl(['backup', '--dir', 'backups', '--fail-on-shrink']));
      await pgsnap(['list', '--dir', backups], 0, ['list', '--dir', 'backups']);

      say();
      say('6. Restore from the last archive before the loss: first a dry run, then for real, then once more (nothing left to do)');
      for (const extra of [['--dry-run'], [], []]) {
        await pgsnap(withUrl(['restore', lastGood, '--dir', backups, ...extra]), 0, shownUrl(['restore', lastGood, '--dir', 'backups', ...extra]));
      }
      const after = await tableCounts(s);
      let whole = true;
      for (const { table, rows } of after) {
        const was = before.find((b) => b.table === table)?.rows;
        if (was !== undefined && was !== rows) whole = false;
        say(`   ${table.padEnd(24)} ${String(rows).padStart(6)} rows${was === rows ? '   (as before the loss)' : ''}`);
      }
      const renamed = await s.query<{ name: string }>(`SELECT name FROM public.projects WHERE id = 1`);
      say(`   project 1 is still "${renamed.rows[0]?.name}": restore never overwrites rows it was not asked to`);
      if (!whole) throw new DemoStepFailed('the restore did not bring every lost row back');

      say();
      say('7. The restore drill: restore the archive into a throwaway server and compare with the manifest');
      await pgsnap(['verify', lastGood, '--dir', backups, '--restore-test'], 0, ['verify', lastGood, '--dir', 'backups', '--restore-test']);
    } finally {
      await close(s);
    }
    say();
    say('Done: backed up, checked for drift in schema and code, lost data, restored it, and proved the backup restores.');
    return 0;
  } catch (e) {
    if (e instanceof DemoStepFailed) {
      options.out.write(`\npgsnap demo: ${e.message}\n`);
      return 2;
    }
    throw e;
  } finally {
    await server.stop();
    work.remove();
  }
}
