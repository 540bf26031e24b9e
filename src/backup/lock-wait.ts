import type { Session } from '../db/client.js';
import { qualify } from '../sql/quote.js';
import { tableLabel } from '../archive/table-id.js';
import { PgsnapError } from '../errors.js';

/**
 * Take the backup's ACCESS SHARE locks. Without a limit, all in one statement (waiting as long as it takes, like
 * pg_dump without --lock-wait-timeout). With one (--lock-wait-timeout S), one table at a time under
 * `lock_timeout`, so the error names the table whose lock was not granted; nothing has been written then.
 */
export async function lockForBackup(s: Session, tables: readonly { schema: string; name: string }[], waitSeconds?: number): Promise<void> {
  if (tables.length === 0) return;
  if (waitSeconds === undefined) {
    await s.query(`LOCK TABLE ${tables.map((t) => qualify(t.schema, t.name)).join(', ')} IN ACCESS SHARE MODE`);
    return;
  }
  await s.query(`SET LOCAL lock_timeout = ${Math.round(waitSeconds * 1000)}`);
  for (const t of tables) {
    try {
      await s.query(`LOCK TABLE ${qualify(t.schema, t.name)} IN ACCESS SHARE MODE`);
    } catch (e) {
      if (!(e instanceof PgsnapError) || e.sqlState !== '55P03') throw e;
      throw new PgsnapError('backup_failed', `could not lock ${tableLabel(t)} within ${waitSeconds} s (--lock-wait-timeout): another session holds a conflicting lock`, {
        hint: `nothing was written; see who holds it: SELECT pid, state, query FROM pg_locks JOIN pg_stat_activity USING (pid) WHERE relation = '${qualify(t.schema, t.name).replace(/'/g, "''")}'::regclass`,
        cause: e,
      });
    }
  }
  await s.query('SET LOCAL lock_timeout = DEFAULT');
}
