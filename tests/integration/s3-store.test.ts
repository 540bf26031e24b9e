import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArchive, openArchiveFrom } from '../../src/archive/reader.js';
import { createArchiveWriter } from '../../src/archive/writer.js';
import { runBackup } from '../../src/backup/backup.js';
import { resolveTarget } from '../../src/db/connection.js';
import { isPgsnapError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { parseLocation, type S3Location } from '../../src/storage/location.js';
import { PART_BYTES, openS3Store } from '../../src/storage/s3.js';
import { createFixtureDatabase, type TestDatabase } from '../helpers/db.js';
import { readZip } from '../helpers/archives.js';
import { scratchDir } from '../helpers/faults.js';
import { startS3, type TestS3, useS3Env } from '../helpers/s3.js';

/**
 * The object storage layer against a real S3-protocol server on loopback (tests/helpers/s3.ts), not a mock of the
 * SDK: multipart uploads that appear only when completed, ranged reads of a real archive, and the faults.
 */
let s3: TestS3;
let work: string;
let app: TestDatabase;
let archive: string;
let restoreEnv = () => {};

beforeAll(async () => {
  s3 = await startS3();
  restoreEnv = useS3Env(s3);
  work = scratchDir('s3');
  app = await createFixtureDatabase('s3store');
  archive = (await runBackup({ target: resolveTarget(app.url), dir: work, selection: { schemas: [], tables: [], exclude: [] }, logger: silentLogger })).archive;
});

afterAll(async () => {
  await s3?.stop();
  restoreEnv();
  await app?.drop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const at = (prefix: string) => parseLocation(`s3://${s3.bucket}/${prefix}`) as S3Location;

async function failure(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    if (isPgsnapError(e)) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

async function upload(store: Awaited<ReturnType<typeof openS3Store>>, name: string, data: Buffer) {
  const u = await store.create(name);
  for (let i = 0; i < data.length; i += 1 << 20) {
    if (!u.stream.write(data.subarray(i, i + (1 << 20)))) await new Promise((r) => u.stream.once('drain', r));
  }
  return u;
}

/** An object downloaded into the scratch directory (the zip helpers read files). */
async function download(store: Awaited<ReturnType<typeof openS3Store>>, name: string): Promise<string> {
  const file = path.join(work, `download-${name}`);
  const chunks: Buffer[] = [];
  for await (const c of await store.read(name)) chunks.push(c as Buffer);
  fs.writeFileSync(file, Buffer.concat(chunks));
  return file;
}

describe('s3 archive store', () => {
  it('parses s3://bucket/prefix and refuses what is not one', () => {
    expect(parseLocation('s3://my-bucket/nightly/app')).toEqual({ kind: 's3', bucket: 'my-bucket', prefix: 'nightly/app/' });
    expect(parseLocation('s3://my-bucket')).toEqual({ kind: 's3', bucket: 'my-bucket', prefix: '' });
    expect(parseLocation('backups')).toEqual({ kind: 'local', dir: 'backups' });
    expect(() => parseLocation('s3://Bad_Bucket/x')).toThrow(/not a valid bucket name/);
    expect(() => parseLocation('s3://b-1/../x')).toThrow(/\.\./);
  });

  it('a multipart upload is invisible until completed, then lists with its size and reads back byte for byte', async () => {
    const store = await openS3Store(at('roundtrip'));
    const data = randomBytes(2 * PART_BYTES + 12345);
    const u = await upload(store, 'big.bin', data);
    expect(await store.list()).toEqual([]);
    expect(await u.complete()).toBe(data.length);
    expect(await store.list()).toEqual([{ name: 'big.bin', bytes: data.length }]);
    const chunks: Buffer[] = [];
    for await (const c of await store.read('big.bin')) chunks.push(c as Buffer);
    expect(createHash('sha256').update(Buffer.concat(chunks)).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    await store.remove('big.bin');
    expect(await store.list()).toEqual([]);
  });

  it("two archives of one database started in the same millisecond: the second takes the next name, never the first one's", async () => {
    const store = await openS3Store(at('same-ms'));
    const startedAt = new Date('2026-03-01T03:00:00.123Z');
    const write = async (body: string) => {
      const w = await createArchiveWriter({ dir: '', database: 'app', startedAt, store });
      await w.addEntry('note.txt', Buffer.from(body));
      return (await w.finish()).path;
    };
    const first = await write('first');
    const second = await write('second');
    expect(first).toMatch(/app-2026-03-01T03-00-00-123Z\.zip$/);
    expect(second).toMatch(/app-2026-03-01T03-00-00-124Z\.zip$/);
    expect((await store.list()).map((o) => o.name).sort()).toEqual(['app-2026-03-01T03-00-00-123Z.zip', 'app-2026-03-01T03-00-00-124Z.zip']);
    const read = async (name: string) => (await readZip(await download(store, name))).get('note.txt')?.toString();
    expect(await read('app-2026-03-01T03-00-00-123Z.zip')).toBe('first');
    expect(await read('app-2026-03-01T03-00-00-124Z.zip')).toBe('second');
  });

  it('[fault] an object that takes the name while an upload runs is not overwritten: the upload fails in one line', async () => {
    const store = await openS3Store(at('race'));
    const late = await upload(store, 'app.zip', Buffer.from('the later upload'));
    const early = await upload(store, 'app.zip', Buffer.from('the earlier, completed first'));
    await early.complete();
    const e = await failure(late.complete());
    expect(e.code).toBe('io');
    expect(e.message).toMatch(/race\/app\.zip appeared while this backup was written .* it was left as it is, and this backup was not kept$/);
    const chunks: Buffer[] = [];
    for await (const c of await store.read('app.zip')) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('the earlier, completed first');
  });

  it('an aborted upload never appears', async () => {
    const store = await openS3Store(at('aborted'));
    const u = await upload(store, 'half.zip', randomBytes(PART_BYTES + 1));
    await u.abort();
    expect(await store.list()).toEqual([]);
  });

  it('a real archive read through ranged GETs checks out like the local file', async () => {
    const store = await openS3Store(at('archives'));
    const name = path.basename(archive);
    await (await upload(store, name, fs.readFileSync(archive))).complete();
    const remote = await openArchiveFrom(await store.randomAccess(name), `s3://${s3.bucket}/archives/${name}`);
    const local = await openArchive(archive);
    try {
      expect(remote.manifest).toEqual(local.manifest);
      const table = remote.manifest.tables.find((t) => t.rows > 100);
      const entry = table?.entries[0]?.name as string;
      const lines: string[] = [];
      for await (const l of remote.readLines(entry)) lines.push(l);
      const expected: string[] = [];
      for await (const l of local.readLines(entry)) expected.push(l);
      expect(lines).toEqual(expected);
      expect(lines.length).toBeGreaterThan(100);
    } finally {
      await remote.close();
      await local.close();
    }
  });

  it('[bad-input] a missing bucket and wrong credentials are one clear error each, without the secret', async () => {
    const missing = await failure((await openS3Store(parseLocation('s3://no-such-bucket/x') as S3Location)).list());
    expect(missing.code).toBe('archive_not_found');
    expect(missing.message).toMatch(/bucket no-such-bucket does not exist/);
    // s3rver checks the key id (not the secret's signature on every request): an unknown id, as AWS would refuse
    process.env.AWS_ACCESS_KEY_ID = 'AKIANOBODY';
    process.env.AWS_SECRET_ACCESS_KEY = 'wrong-secret-value';
    try {
      const denied = await failure((await openS3Store(at('x'))).list());
      expect(denied.code).toBe('permission');
      expect(denied.message).toMatch(/refused the credentials/);
      expect(`${denied.message} ${denied.hint}`).not.toContain('wrong-secret-value');
    } finally {
      Object.assign(process.env, s3.env);
    }
  });

  it('[fault] the server stops mid-upload: the upload fails in one error and nothing lists once it is back', async () => {
    const store = await openS3Store(at('stopped'));
    const u = await upload(store, 'cut.zip', randomBytes(PART_BYTES + 5));
    await s3.stop();
    try {
      const e = await failure(
        (async () => {
          await new Promise<void>((resolve, reject) => u.stream.write(randomBytes(PART_BYTES), (err) => (err ? reject(err) : resolve())));
          await u.complete();
        })(),
      );
      expect(e.code).toBe('io');
      expect(e.message).toMatch(/cannot reach the storage service/);
    } finally {
      await s3.restart();
    }
    await u.abort();
    expect(await store.list()).toEqual([]);
  });
});
