import { useOutputSettings } from '../archive/output-settings.js';
import { connect, hangUp, type Session } from '../db/client.js';
import { quoteLiteral } from '../sql/quote.js';
import type { ConnectionTarget } from '../db/connection.js';
import type { Logger } from '../log.js';

/**
 * The sessions a backup reads with, all in one snapshot: the leader opens a REPEATABLE READ READ ONLY
 * transaction and exports its snapshot; each extra worker (--jobs) opens the same kind of transaction and adopts
 * it with SET TRANSACTION SNAPSHOT, so every table is read as of the same instant. Output settings are fixed on
 * every session (format.ts OUTPUT_SETTINGS), because they decide how values print, and row security is off, so
 * that no policy can silently leave rows out.
 */
export interface SnapshotSessions {
  readonly leader: Session;
  /** leader first, then the extra workers */
  readonly readers: readonly Session[];
  readonly snapshotId: string;
  close(): Promise<void>;
}

async function prepare(s: Session): Promise<void> {
  // A policy that would filter a read now fails it instead (row-security.ts names such tables up front).
  await s.query('SET row_security = off');
  await useOutputSettings(s, 'session');
}

export async function openSnapshot(target: ConnectionTarget, jobs: number, logger: Logger): Promise<SnapshotSessions> {
  const opened: Session[] = [];
  // Closing a connection ends its (read-only) transaction. No ROLLBACK first: after a sink failed mid-table (the
  // disk is full), the COPY nobody reads any more is still the active query, and a ROLLBACK would wait behind it
  // forever; hangUp() drops such a connection at once. Nothing waits for the backends to exit (hangUp): the
  // archive is written and synced by then, and a backup's last step is its report.
  const closeAll = async () => {
    for (const s of opened) hangUp(s);
  };
  try {
    const leader = await connect(target, { logger, applicationName: 'pgsnap backup' });
    opened.push(leader);
    await prepare(leader);
    await leader.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const r = await leader.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
    const snapshotId = r.rows[0]?.id ?? '';
    for (let i = 1; i < jobs; i++) {
      const w = await connect(target, { logger, applicationName: `pgsnap backup worker ${i}` });
      opened.push(w);
      await prepare(w);
      await w.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await w.query(`SET TRANSACTION SNAPSHOT ${quoteLiteral(snapshotId)}`);
    }
    return { leader, readers: [...opened], snapshotId, close: closeAll };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
