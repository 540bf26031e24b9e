import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DeflatedSpool, MemoryBudget } from '../../src/archive/deflated-spool.js';
import { createArchiveWriter } from '../../src/archive/writer.js';
import { readZip } from '../helpers/archives.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-prepared-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of source) chunks.push(c);
  return Buffer.concat(chunks);
}

/** lines that deflate but not to nothing: about 3.5 MB */
const lines = Buffer.from(Array.from({ length: 60_000 }, (_, i) => `{"id":"${i}","v":"${randomBytes(12).toString('hex')}"}\n`).join(''));

async function writeInto(stream: NodeJS.WritableStream, data: Buffer): Promise<void> {
  for (let i = 0; i < data.length; i += 300_000) {
    if (!stream.write(data.subarray(i, i + 300_000))) await new Promise((r) => stream.once('drain', r));
  }
  stream.end();
}

describe('DeflatedSpool', () => {
  it('holds bytes in memory while the shared budget lasts, then in a file, and gives back both', async () => {
    const budget = new MemoryBudget(64 * 1024);
    const file = path.join(work, 'a.s1.tmp');
    const spool = new DeflatedSpool(budget, () => file);
    const pieces = Array.from({ length: 8 }, (_, i) => Buffer.alloc(20_000, 65 + i));
    for (const p of pieces) await spool.append(p);
    // three fit in 64 KiB, the rest follow the first one that did not into the file, in order
    expect(fs.statSync(file).size).toBe(5 * 20_000);
    expect(budget.take(8 * 1024)).toBe(false);
    expect((await collect(spool.read())).equals(Buffer.concat(pieces))).toBe(true);
    await spool.discard();
    expect(fs.existsSync(file)).toBe(false);
    expect(budget.take(64 * 1024)).toBe(true);
  });
});

describe('prepared entries', () => {
  it('are spilled to a spool file past the memory cap, appended to the zip as they are, and leave no spool', async () => {
    const dir = fs.mkdtempSync(path.join(work, 'ok-'));
    const writer = await createArchiveWriter({ dir, database: 'app', startedAt: new Date(), preparedMemory: 256 * 1024 });
    const a = writer.prepareEntry('data/public.a.0001.ndjson');
    const b = writer.prepareEntry('data/public.b.0001.ndjson');
    await Promise.all([writeInto(a.stream, lines), writeInto(b.stream, lines.subarray(0, 1000))]);
    const [pa, pb] = await Promise.all([a.done, b.done]);
    // the large one did not fit in 256 KiB: it sits in a spool file beside the archive
    const spools = fs.readdirSync(dir).filter((f) => /\.s\d+\.tmp$/.test(f));
    expect(spools).toHaveLength(1);
    await writer.addEntry('schema.json', '{}\n');
    await writer.addPrepared(pb);
    await writer.addPrepared(pa);
    const done = await writer.finish();
    expect(fs.readdirSync(dir)).toEqual([path.basename(done.path)]);
    const entries = await readZip(done.path);
    expect([...entries.keys()]).toEqual(['schema.json', 'data/public.b.0001.ndjson', 'data/public.a.0001.ndjson']);
    expect(entries.get('data/public.a.0001.ndjson')?.equals(lines)).toBe(true);
    expect(entries.get('data/public.b.0001.ndjson')?.equals(lines.subarray(0, 1000))).toBe(true);
  });

  it('leave neither spool file nor archive when the backup is aborted', async () => {
    const dir = fs.mkdtempSync(path.join(work, 'abort-'));
    const writer = await createArchiveWriter({ dir, database: 'app', startedAt: new Date(), preparedMemory: 64 * 1024 });
    const a = writer.prepareEntry('data/public.a.0001.ndjson');
    await writeInto(a.stream, lines);
    await a.done;
    expect(fs.readdirSync(dir).some((f) => /\.s\d+\.tmp$/.test(f))).toBe(true);
    // another entry still being written when the abort comes
    const b = writer.prepareEntry('data/public.b.0001.ndjson');
    b.stream.write(lines);
    const failed = b.done.then(
      () => null,
      (e: unknown) => e,
    );
    await writer.abort();
    expect(await failed).toMatchObject({ code: 'interrupted' });
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
