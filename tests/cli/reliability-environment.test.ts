import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded } from '../../src/db/embedded.js';
import { scratchDir, spawnCli, waitFor } from '../helpers/faults.js';

/**
 * What other users of the machine can see or plant: the process list, and the directory embedded servers are
 * started from.
 */
let root: string;

beforeAll(() => {
  root = scratchDir('rel-env');
});

afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('the process list', () => {
  it('[secret] a password given in --url is not in /proc/<pid>/cmdline while pgsnap runs', async () => {
    const secret = 'Cmd-line-s3cret-pw';
    const held: net.Socket[] = [];
    // a "server" that accepts and never answers: pgsnap stays connected-and-waiting while we look
    const listener = net.createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as net.AddressInfo).port;
    const { child, done } = spawnCli(['backup', `--url=postgres://alice:${secret}@127.0.0.1:${port}/app`, '--dir', path.join(root, 'b')]);
    try {
      await waitFor(() => held.length > 0, 30_000, 'pgsnap to connect');
      const cmdline = fs.readFileSync(`/proc/${child.pid}/cmdline`, 'utf8');
      expect(cmdline).toMatch(/backup/);
      expect(cmdline).toContain('alice:***@127.0.0.1');
      expect(cmdline).not.toContain(secret);
    } finally {
      child.kill('SIGTERM');
      await done;
      for (const s of held) s.destroy();
      listener.close();
    }
  });
});

describe('the template cache of embedded servers', () => {
  async function withCacheDir<T>(dir: string, fn: () => Promise<T>): Promise<T> {
    const before = process.env.PGSNAP_CACHE_DIR;
    process.env.PGSNAP_CACHE_DIR = dir;
    try {
      return await fn();
    } finally {
      if (before === undefined) delete process.env.PGSNAP_CACHE_DIR;
      else process.env.PGSNAP_CACHE_DIR = before;
    }
  }

  it('[bad-input] a cache directory others can write, or a symlink, is refused (a planted template would configure the server)', async () => {
    const open = path.join(root, 'open-cache');
    fs.mkdirSync(open);
    fs.chmodSync(open, 0o777);
    await expect(withCacheDir(open, () => startEmbedded())).rejects.toThrow(/not a private directory of this user/);
    const real = path.join(root, 'real-cache');
    fs.mkdirSync(real, { mode: 0o700 });
    const link = path.join(root, 'link-cache');
    fs.symlinkSync(real, link);
    await expect(withCacheDir(link, () => startEmbedded())).rejects.toThrow(/not a private directory of this user/);
  });

  it('a fresh cache directory is created 0700 and holds the template', async () => {
    const fresh = path.join(root, 'fresh', 'cache');
    const server = await withCacheDir(fresh, () => startEmbedded());
    try {
      expect(fs.statSync(fresh).mode & 0o777).toBe(0o700);
      expect(fs.readdirSync(fresh).some((f) => /^pg-.*-template$/.test(f))).toBe(true);
    } finally {
      await server.stop();
    }
  });
});
