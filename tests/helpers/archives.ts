import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Archiver, ZipOptions } from 'archiver';
import yauzl from 'yauzl';
import { fingerprintLines } from '../../src/archive/fingerprint.js';
import type { Manifest } from '../../src/archive/format.js';

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

/**
 * manifest.sha256 written anew for the entries' manifest.json (when the archive has one), as a forger would: a
 * test of the checks behind it edits the manifest and then seals it, or restore and verify stop at the seal.
 */
export function sealManifest(entries: Map<string, Buffer>): Map<string, Buffer> {
  const manifest = entries.get('manifest.json');
  if (manifest && entries.has('manifest.sha256')) entries.set('manifest.sha256', Buffer.from(`${createHash('sha256').update(manifest).digest('hex')}\n`));
  return entries;
}

/** Copy an archive, changing entries on the way (return undefined to drop one); `seal`: then sealManifest. */
export async function rewriteZip(
  src: string,
  dst: string,
  change: (name: string, data: Buffer) => Buffer | string | undefined,
  options: { seal?: boolean } = {},
): Promise<void> {
  const entries = await readZip(src);
  const kept = new Map<string, Buffer>();
  for (const [name, data] of entries) {
    const changed = change(name, data);
    if (changed !== undefined) kept.set(name, Buffer.from(changed));
  }
  await writeZip(dst, options.seal ? sealManifest(kept) : kept);
}

/**
 * Copy an archive with every data line written anew by `line` (given the parsed row and its table, "schema.name"),
 * and its entries' sizes, checksums and fingerprints made to match, as another writer or an editor would leave it.
 */
export async function respellRows(from: string, to: string, line: (row: Record<string, unknown>, table: string) => string): Promise<void> {
  const entries = await readZip(from);
  const manifest = JSON.parse((entries.get('manifest.json') as Buffer).toString('utf8')) as Manifest;
  const tables = manifest.tables.map((t) => {
    const lines: string[] = [];
    const parts = t.entries.map((e) => {
      const text = (entries.get(e.name) as Buffer).toString('utf8');
      const out = text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => {
          const written = line(JSON.parse(l) as Record<string, unknown>, `${t.schema}.${t.name}`);
          lines.push(written);
          return `${written}\n`;
        })
        .join('');
      const bytes = Buffer.from(out, 'utf8');
      entries.set(e.name, bytes);
      return { ...e, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
    });
    return { ...t, entries: parts, fingerprint: fingerprintLines(lines) };
  });
  entries.set('manifest.json', Buffer.from(JSON.stringify({ ...manifest, tables }, null, 2)));
  await writeZip(to, sealManifest(entries));
}
