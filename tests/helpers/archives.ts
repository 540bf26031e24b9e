import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Archiver, ZipOptions } from 'archiver';
import yauzl from 'yauzl';

/** Read every entry of a zip into memory (test archives are small). */
export async function readZip(file: string): Promise<Map<string, Buffer>> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true }, (err, z) => (err || !z ? reject(err) : resolve(z))),
  );
  const out = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, (err, stream) => {
        if (err || !stream) return reject(err);
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          out.set(entry.fileName, Buffer.concat(chunks));
          zip.readEntry();
        });
      });
    });
    zip.on('end', () => resolve());
    zip.on('error', reject);
    zip.readEntry();
  });
  zip.close();
  return out;
}

const archiver = createRequire(import.meta.url)('archiver') as (format: 'zip', options: ZipOptions) => Archiver;

/** Write a zip holding exactly these entries, in this order. */
export async function writeZip(file: string, entries: Iterable<[string, Buffer | string]>): Promise<void> {
  const out = fs.createWriteStream(file);
  const zip = archiver('zip', { zlib: { level: 1 } });
  zip.pipe(out);
  for (const [name, data] of entries) zip.append(data, { name });
  await zip.finalize();
  await new Promise<void>((resolve) => out.on('close', () => resolve()));
}

/** Copy an archive, changing entries on the way (return undefined to drop one). */
export async function rewriteZip(src: string, dst: string, change: (name: string, data: Buffer) => Buffer | string | undefined): Promise<void> {
  const entries = await readZip(src);
  const kept: [string, Buffer | string][] = [];
  for (const [name, data] of entries) {
    const changed = change(name, data);
    if (changed !== undefined) kept.push([name, changed]);
  }
  await writeZip(dst, kept);
}
