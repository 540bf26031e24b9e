import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import type yauzl from 'yauzl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openZipFile } from '../../src/archive/file-reader.js';
import { openArchive } from '../../src/archive/reader.js';
import { writeZip } from '../helpers/archives.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-file-reader-'));
const file = path.join(dir, 'a.zip');
// random bytes do not deflate: each entry holds about as many bytes in the file as it inflates to
const big = randomBytes(3 * 2 ** 20 + 12_345);
const other = randomBytes(2 * 2 ** 20 + 7);

beforeAll(async () => {
  await writeZip(file, [
    ['big.bin', big],
    ['other.bin', other],
    ['small.txt', 'hello'],
  ]);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const OPTIONS = { lazyEntries: true, autoClose: false, validateEntrySizes: true, decodeStrings: true } as const;

async function entriesOf(zip: yauzl.ZipFile): Promise<Map<string, yauzl.Entry>> {
  const out = new Map<string, yauzl.Entry>();
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (e: yauzl.Entry) => {
      out.set(e.fileName, e);
      zip.readEntry();
    });
    zip.on('end', () => resolve());
    zip.on('error', reject);
    zip.readEntry();
  });
  return out;
}

function rawStream(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => zip.openReadStream(entry, { decodeFileData: false }, (err, s) => (err || !s ? reject(err) : resolve(s))));
}

async function pieces(stream: Readable): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) out.push(c);
  return out;
}

/** this process's descriptors open on `target` (not all of them: the worker opens and closes others meanwhile) */
const openDescriptors = (target: string) => {
  const real = fs.realpathSync(target);
  return fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === real;
    } catch {
      return false; // the listing's own descriptor, or one closed since
    }
  }).length;
};

describe('openZipFile', () => {
  it('reads an entry in 1 MiB pieces (yauzl alone reads 16 KiB), byte for byte', async () => {
    const zip = await openZipFile(file, OPTIONS);
    const entries = await entriesOf(zip);
    const got = await pieces(await rawStream(zip, entries.get('big.bin') as yauzl.Entry));
    zip.close();
    expect(zlib.inflateRawSync(Buffer.concat(got)).equals(big)).toBe(true);
    // every piece but the last is a whole MiB
    expect(got.slice(0, -1).every((c) => c.length === 2 ** 20)).toBe(true);
    expect(got.length).toBe(Math.ceil((entries.get('big.bin') as yauzl.Entry).compressedSize / 2 ** 20));
  });

  it('reads two entries of one file at once, each from its own position', async () => {
    const zip = await openZipFile(file, OPTIONS);
    const entries = await entriesOf(zip);
    const [a, b] = await Promise.all([
      rawStream(zip, entries.get('big.bin') as yauzl.Entry).then(pieces),
      rawStream(zip, entries.get('other.bin') as yauzl.Entry).then(pieces),
    ]);
    zip.close();
    expect(zlib.inflateRawSync(Buffer.concat(a)).equals(big)).toBe(true);
    expect(zlib.inflateRawSync(Buffer.concat(b)).equals(other)).toBe(true);
  });

  it.skipIf(!fs.existsSync('/proc/self/fd'))('closes its descriptor once the zip is closed, after a stream destroyed mid-read', async () => {
    // a copy of its own: the earlier tests' zips may still be closing their descriptors on `file`
    const own = path.join(dir, 'own.zip');
    fs.copyFileSync(file, own);
    const zip = await openZipFile(own, OPTIONS);
    const entries = await entriesOf(zip);
    expect(openDescriptors(own)).toBe(1);
    const stream = await rawStream(zip, entries.get('big.bin') as yauzl.Entry);
    await new Promise<void>((resolve) => stream.once('data', () => resolve()));
    stream.destroy();
    zip.close();
    await new Promise<void>((resolve) => zip.once('close', () => resolve()));
    expect(openDescriptors(own)).toBe(0);
  });

  it('leaves no descriptor behind for a file that is not a zip', async () => {
    const notZip = path.join(dir, 'not.zip');
    fs.writeFileSync(notZip, 'plain text, no zip directory');
    const before = fs.existsSync('/proc/self/fd') ? openDescriptors(notZip) : 0;
    await expect(openZipFile(notZip, OPTIONS)).rejects.toThrow();
    if (fs.existsSync('/proc/self/fd')) expect(openDescriptors(notZip)).toBe(before);
  });
});

describe('openArchive on what is not a file', () => {
  it('names a directory and a missing file as before', async () => {
    await expect(openArchive(dir)).rejects.toMatchObject({ code: 'usage', message: `${dir} is a directory, not an archive` });
    const missing = path.join(dir, 'missing.zip');
    await expect(openArchive(missing)).rejects.toMatchObject({ code: 'archive_not_found', message: `archive not found: ${missing}` });
    const text = path.join(dir, 'text.zip');
    fs.writeFileSync(text, 'not a zip');
    await expect(openArchive(text)).rejects.toMatchObject({ code: 'archive_foreign' });
  });
});
