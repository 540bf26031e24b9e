import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArchive } from '../../src/archive/reader.js';
import { runBackup } from '../../src/backup/backup.js';
import { resolveTarget } from '../../src/db/connection.js';
import { silentLogger } from '../../src/log.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

/**
 * A backup does not wait for the server to close its end of each connection once the archive is written (as
 * libpq's PQfinish does not): the backend's exit costs a few ms of every run. Nor, under sslmode prefer (the
 * default), for the backend of the refused TLS attempt to exit before connecting without TLS. Shown through a proxy
 * that passes everything on but never closes the client's side: a backup that waited for either close would
 * never return.
 */
let db: TestDatabase;
let work: string;
let proxy: net.Server;
const sockets = new Set<net.Socket>();

beforeAll(async () => {
  db = await createTestDatabase('bk_hangup');
  await db.query(`CREATE TABLE public.items (id int PRIMARY KEY, body text);
    INSERT INTO public.items SELECT i, 'item ' || i FROM generate_series(1, 50) i;`);
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
});

describe('backup: closing its connections', () => {
  it('returns once the archive is written, without waiting for the server to close the connection', async () => {
    const url = new URL(db.url);
    url.host = `127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
    const running = runBackup({
      target: resolveTarget(url.toString()),
      dir: work,
      selection: { schemas: [], tables: [], exclude: [] },
      logger: silentLogger,
    });
    const stuck = new Promise<'stuck'>((resolve) => setTimeout(() => resolve('stuck'), 10_000).unref());
    const result = await Promise.race([running, stuck]);
    expect(result).not.toBe('stuck');
    if (result === 'stuck') return;
    expect(result.rows).toBe(50);
    const archive = await openArchive(result.archive);
    try {
      expect(archive.manifest.tables.map((t) => [t.name, t.rows])).toEqual([['items', 50]]);
    } finally {
      await archive.close();
    }
    // the Terminate was sent: the server ended the backend (nothing is left connected to the database)
    let left = 1;
    for (let i = 0; i < 100 && left > 0; i++) {
      left = Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`))[0]?.n);
      if (left > 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(left).toBe(0);
  });
});
