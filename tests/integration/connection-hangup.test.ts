import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArchive } from '../../src/archive/reader.js';
import { runBackup } from '../../src/backup/backup.js';
import { restoreArchive } from '../../src/restore/restore.js';
import { resolveTarget } from '../../src/db/connection.js';
import { silentLogger } from '../../src/log.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

/**
 * A backup or a restore does not wait for the server to close its end of the connection once its work is done (as
 * libpq's PQfinish does not): the backend's exit costs a few ms of every run. Nor, under sslmode prefer (the
 * default), for the backend of the refused TLS attempt to exit before connecting without TLS. Shown through a proxy
 * that passes everything on but never closes the client's side: a command that waited for either close would never
 * return.
 */
let db: TestDatabase;
let copy: TestDatabase;
let work: string;
let proxy: net.Server;
const sockets = new Set<net.Socket>();

beforeAll(async () => {
  db = await createTestDatabase('bk_hangup');
  await db.query(`CREATE TABLE public.items (id int PRIMARY KEY, body text);
    INSERT INTO public.items SELECT i, 'item ' || i FROM generate_series(1, 50) i;`);
  copy = await createTestDatabase('rs_hangup');
  await copy.query(`CREATE TABLE public.items (id int PRIMARY KEY, body text)`);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-hangup-'));
  const upstream = new URL(db.url);
  proxy = net.createServer({ allowHalfOpen: true }, (client) => {
    const server = net.connect({ host: upstream.hostname, port: Number(upstream.port) });
    sockets.add(client).add(server);
    client.pipe(server);
    // the server's goodbye is not passed on: the client's side stays open until the test ends
    server.pipe(client, { end: false });
    client.on('error', () => {});
    server.on('error', () => {});
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => proxy?.close(resolve));
  fs.rmSync(work, { recursive: true, force: true });
  await db?.drop();
  await copy?.drop();
});

/** The URL of `database` through the proxy. */
function viaProxy(database: TestDatabase): string {
  const url = new URL(database.url);
  url.host = `127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
  return url.toString();
}

/** `running`, or 'stuck' when it has not settled after 10 s (it would wait forever for the proxy's close). */
function unlessStuck<T>(running: Promise<T>): Promise<T | 'stuck'> {
  const stuck = new Promise<'stuck'>((resolve) => setTimeout(() => resolve('stuck'), 10_000).unref());
  return Promise.race([running, stuck]);
}

/** Nothing is left connected to the database: the Terminate was sent and the server ended the backend. */
async function connectionsLeft(database: TestDatabase): Promise<number> {
  let left = 1;
  for (let i = 0; i < 100 && left > 0; i++) {
    const rows = await database.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
    left = Number(rows[0]?.n);
    if (left > 0) await new Promise((r) => setTimeout(r, 50));
  }
  return left;
}

describe('closing connections at the end of a command', () => {
  it('backup and restore return once their work is done, without waiting for the server to close the connection', async () => {
    const result = await unlessStuck(
      runBackup({ target: resolveTarget(viaProxy(db)), dir: work, selection: { schemas: [], tables: [], exclude: [] }, logger: silentLogger }),
    );
    expect(result).not.toBe('stuck');
    if (result === 'stuck') return;
    expect(result.rows).toBe(50);
    expect(await connectionsLeft(db)).toBe(0);

    const archive = await openArchive(result.archive);
    try {
      expect(archive.manifest.tables.map((t) => [t.name, t.rows])).toEqual([['items', 50]]);
      const restored = await unlessStuck(
        restoreArchive(archive, result.archive, resolveTarget(viaProxy(copy)), { onConflict: 'nothing', tables: [], createMissing: false, dryRun: false, logger: silentLogger }),
      );
      expect(restored).not.toBe('stuck');
      if (restored === 'stuck') return;
      expect(restored.failure).toBeUndefined();
      expect(restored.report.committed).toBe(true);
    } finally {
      await archive.close();
    }
    expect(await copy.query(`SELECT count(*)::int AS n, sum(id)::int AS s FROM public.items`)).toEqual([{ n: 50, s: 1275 }]);
    expect(await connectionsLeft(copy)).toBe(0);
  });
});
