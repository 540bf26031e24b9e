import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import { afterAll, describe, expect, it } from 'vitest';
import { BlockDeflater, SMALL_ENTRY, ZipWriter } from '../../src/archive/zip.js';
import { readZip } from '../helpers/archives.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-zip-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function* pieces(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

describe('ZipWriter', () => {
  it('writes entries that a zip reader gets back byte for byte, deflated in blocks or stored', async () => {
    const file = path.join(dir, 'a.zip');
    const out = fs.createWriteStream(file);
    const zip = new ZipWriter(out);
    const text = Buffer.from('{"id":"1","name":"ünïcödé"}\n'.repeat(200_000)); // 5.6 MB: several 1 MB blocks
    const noise = randomBytes(3 * 1024 * 1024 + 17);
    const date = new Date('2025-07-11T19:46:34Z');
    await zip.addEntry('empty.ndjson', pieces(Buffer.alloc(0), 1), { date, level: 1, mode: 0o600 });
    await zip.addEntry('data/public.t.0001.ndjson', pieces(text, 65_536), { date, level: 1, mode: 0o600 });
    await zip.addEntry('noise.bin', pieces(noise, 100_000), { date, level: 6, mode: 0o600 });
    await zip.addEntry('stored.txt', [Buffer.from('as is')], { date, level: 0, mode: 0o644 });
    await zip.finish();
    await new Promise<void>((resolve) => out.end(resolve));

    const entries = await readZip(file);
    expect([...entries.keys()]).toEqual(['empty.ndjson', 'data/public.t.0001.ndjson', 'noise.bin', 'stored.txt']);
    expect(entries.get('empty.ndjson')?.length).toBe(0);
    expect(entries.get('data/public.t.0001.ndjson')?.equals(text)).toBe(true);
    expect(entries.get('noise.bin')?.equals(noise)).toBe(true);
    expect(entries.get('stored.txt')?.toString()).toBe('as is');
    expect(fs.statSync(file).size).toBeLessThan(text.length / 5 + noise.length + 10_000); // the text was compressed

    // the CRC-32 in the central directory is the data's, so `unzip -t` and other checkers agree
    const crcs = await centralCrcs(file);
    expect(crcs.get('data/public.t.0001.ndjson')).toBe(zlib.crc32(text));
    expect(crcs.get('noise.bin')).toBe(zlib.crc32(noise));
  });

  it('appends an entry deflated ahead of its turn as exactly the bytes addEntry writes for it', async () => {
    const date = new Date('2025-07-11T19:46:34Z');
    const text = Buffer.from('{"id":"7","note":"a \\"quoted\\" word"}\n'.repeat(120_000)); // 4.3 MB
    const noise = randomBytes(700_000);
    // whole chunks of half a block or more are deflated as they come, smaller ones gathered into blocks
    const chunks = [
      text.subarray(0, 600_000),
      ...Array.from({ length: 20 }, (_, i) => text.subarray(600_000 + i * 70_000, 600_000 + (i + 1) * 70_000)),
      text.subarray(2_000_000),
    ];
    const write = async (file: string, how: 'streamed' | 'prepared') => {
      const out = fs.createWriteStream(file);
      const zip = new ZipWriter(out);
      for (const [name, data, parts, level] of [
        ['data/public.t.0001.ndjson', text, chunks, 1],
        ['noise.bin', noise, [noise], 6],
        ['empty.ndjson', Buffer.alloc(0), [], 1],
        ['stored.txt', Buffer.from('as is'), [Buffer.from('as is')], 0],
      ] as const) {
        const options = { date, level, mode: 0o600 };
        if (how === 'streamed') {
          await zip.addEntry(name, parts, options);
          continue;
        }
        const held: Buffer[] = [];
        const deflater = new BlockDeflater(level, async (b) => {
          held.push(b);
        });
        for await (const c of parts) await deflater.push(c);
        const deflated = await deflater.finish();
        expect(deflated.size).toBe(data.length);
        await zip.addDeflated(name, deflated, held, options);
      }
      await zip.finish();
      await new Promise<void>((resolve) => out.end(resolve));
    };
    await write(path.join(dir, 'streamed.zip'), 'streamed');
    await write(path.join(dir, 'prepared.zip'), 'prepared');
    const prepared = fs.readFileSync(path.join(dir, 'prepared.zip'));
    expect(prepared.equals(fs.readFileSync(path.join(dir, 'streamed.zip')))).toBe(true);
    const entries = await readZip(path.join(dir, 'prepared.zip'));
    expect(entries.get('data/public.t.0001.ndjson')?.equals(text)).toBe(true);
    expect(entries.get('noise.bin')?.equals(noise)).toBe(true);
    expect(entries.get('empty.ndjson')?.length).toBe(0);
    expect(entries.get('stored.txt')?.toString()).toBe('as is');
    expect((await centralCrcs(path.join(dir, 'prepared.zip'))).get('data/public.t.0001.ndjson')).toBe(zlib.crc32(text));
  });

  it('deflates an entry of up to SMALL_ENTRY bytes in one synchronous call, a larger one on the pool: both read back the same', async () => {
    const line = Buffer.from('{"id":"42","name":"Ünïcödé","note":null,"n":3.25}\n');
    const text = Buffer.alloc(SMALL_ENTRY + 1);
    for (let i = 0; i < text.length; i += line.length) line.copy(text, i);
    const date = new Date('2025-07-11T19:46:34Z');
    const file = path.join(dir, 'small.zip');
    const out = fs.createWriteStream(file);
    const zip = new ZipWriter(out);
    const sizes = [1, SMALL_ENTRY - 1, SMALL_ENTRY, SMALL_ENTRY + 1];
    for (const size of sizes) {
      const data = text.subarray(0, size);
      const emitted: Buffer[] = [];
      const deflater = new BlockDeflater(1, async (b) => {
        emitted.push(b);
      });
      for (let i = 0; i < size; i += 10_000) await deflater.push(data.subarray(i, i + 10_000));
      const finishing = deflater.finish();
      // the small entry's bytes are out before finish() returns: no thread-pool round trip was waited for
      expect(emitted.length > 0, `size ${size}`).toBe(size <= SMALL_ENTRY);
      const deflated = await finishing;
      const bytes = Buffer.concat(emitted);
      expect(deflated).toEqual({ method: 8, crc: zlib.crc32(data), size, compressed: bytes.length });
      expect(zlib.inflateRawSync(bytes).equals(data), `size ${size}`).toBe(true);
      // one deflate stream of full-flushed blocks closed by the final empty block, whichever path made it
      expect([...bytes.subarray(-2)]).toEqual([0x03, 0x00]);
      await zip.addDeflated(`e${size}.ndjson`, deflated, emitted, { date, level: 1, mode: 0o600 });
      await zip.addEntry(`s${size}.ndjson`, pieces(data, 7_000), { date, level: 1, mode: 0o600 });
    }
    await zip.finish();
    await new Promise<void>((resolve) => out.end(resolve));
    const entries = await readZip(file);
    const crcs = await centralCrcs(file);
    for (const size of sizes) {
      for (const name of [`e${size}.ndjson`, `s${size}.ndjson`]) {
        expect(entries.get(name)?.equals(text.subarray(0, size)), name).toBe(true);
        expect(crcs.get(name)).toBe(zlib.crc32(text.subarray(0, size)));
      }
    }
  });

  it('refuses prepared bytes that are not the ones deflated', async () => {
    const zip = new ZipWriter(new Writable({ write: (_c, _e, done) => done() }));
    const held: Buffer[] = [];
    const deflater = new BlockDeflater(1, async (b) => {
      held.push(b);
    });
    await deflater.push(Buffer.from('x'.repeat(10_000)));
    const deflated = await deflater.finish();
    await expect(zip.addDeflated('a.txt', deflated, held.slice(0, -1), { date: new Date(), level: 1, mode: 0o600 })).rejects.toThrow(/prepared bytes/);
    await expect(zip.addDeflated('a.txt', deflated, held, { date: new Date(), level: 0, mode: 0o600 })).rejects.toThrow(/method/);
  });

  it('writes ZIP64 offsets once the archive passes 4 GiB', async () => {
    // A sparse file: the 1 MB blocks of the big stored entry are skipped (left as holes), everything else is
    // written where it belongs, so the reader sees real headers at offsets beyond 4 GiB without 4 GiB of disk.
    const file = path.join(dir, 'big.zip');
    const fd = fs.openSync(file, 'w');
    let position = 0;
    const block = Buffer.alloc(1 << 20, 120);
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        if (chunk.length !== block.length) fs.writeSync(fd, chunk, 0, chunk.length, position);
        position += chunk.length;
        done();
      },
    });
    const zip = new ZipWriter(sink);
    const date = new Date();
    async function* big(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 1100; i++) yield block; // 1,100 MiB; four of them pass 4 GiB
    }
    // pgsnap splits tables into entries well below 4 GiB (1 GiB at most); the archive itself may pass it
    for (let part = 1; part <= 4; part++) await zip.addEntry(`big.${part}.bin`, big(), { date, level: 0, mode: 0o600 });
    await zip.addEntry('after.txt', [Buffer.from('beyond 4 GiB')], { date, level: 1, mode: 0o600 });
    await zip.finish();
    fs.closeSync(fd);
    expect(fs.statSync(file).size).toBeGreaterThan(2 ** 32);

    const after = await new Promise<string>((resolve, reject) => {
      yauzl.open(file, { lazyEntries: true }, (err, z) => {
        if (err || !z) return reject(err);
        z.on('entry', (e: yauzl.Entry) => {
          if (e.fileName !== 'after.txt') return z.readEntry();
          expect(e.relativeOffsetOfLocalHeader).toBeGreaterThan(2 ** 32);
          z.openReadStream(e, (err2, s) => {
            if (err2 || !s) return reject(err2);
            const parts: Buffer[] = [];
            s.on('data', (c: Buffer) => parts.push(c));
            s.on('end', () => {
              z.close();
              resolve(Buffer.concat(parts).toString());
            });
          });
        });
        z.on('error', reject);
        z.readEntry();
      });
    });
    expect(after).toBe('beyond 4 GiB');
  }, 60_000);
});

function centralCrcs(file: string): Promise<Map<string, number>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, z) => {
      if (err || !z) return reject(err);
      const out = new Map<string, number>();
      z.on('entry', (e: yauzl.Entry) => {
        out.set(e.fileName, e.crc32);
        z.readEntry();
      });
      z.on('end', () => {
        z.close();
        resolve(out);
      });
      z.on('error', reject);
      z.readEntry();
    });
  });
}
