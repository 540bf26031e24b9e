import { PassThrough, type Readable, Writable } from 'node:stream';
import yauzl from 'yauzl';
import { PgsnapError } from '../errors.js';
import type { S3Location } from './location.js';
import type { ArchiveStore, StoredObject, StoreUpload } from './store.js';

/**
 * Archives in S3-compatible object storage, through the AWS SDK v3 and its standard credential chain
 * (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE, SSO, instance and container roles). Other services
 * (MinIO, Cloudflare R2, Supabase Storage's S3 API) through `endpoint` (config `s3.endpoint`, or AWS_ENDPOINT_URL
 * which the SDK reads itself), usually with path-style addressing.
 *
 * A new archive is a multipart upload: parts of PART_BYTES are uploaded as the zip streams (one in flight, so
 * memory stays about two parts), and the object appears only when the upload is completed after the last byte.
 * An upload that is aborted, or dies with the process or the network, is never listed as an object; the server
 * keeps its parts until a lifecycle rule (AbortIncompleteMultipartUpload) removes them (docs/offsite.md).
 *
 * The SDK is an optional dependency, loaded only when an s3:// location is used.
 */
export interface S3Options {
  readonly endpoint?: string;
  readonly forcePathStyle?: boolean;
  readonly region?: string;
}

/** 8 MiB: above S3's 5 MiB minimum part, and 10,000 parts reach 78 GiB */
export const PART_BYTES = 8 * 2 ** 20;

type Sdk = typeof import('@aws-sdk/client-s3');

async function loadSdk(): Promise<Sdk> {
  // The pinned SDK runs on Node 20 but prints a 9-line notice about later versions on its first request, which
  // would break pgsnap's one-line stderr (and cron mail). The SDK's own switch turns it off; a user's setting wins.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  try {
    return await import('@aws-sdk/client-s3');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code !== 'ERR_MODULE_NOT_FOUND' || !err.message.includes("'@aws-sdk/client-s3'")) throw e;
    throw new PgsnapError('usage', '--dir s3://… needs the @aws-sdk/client-s3 package, which is not installed', {
      hint: 'npm install @aws-sdk/client-s3@3.1169.0 — or use a local --dir',
    });
  }
}

export async function openS3Store(location: S3Location, options: S3Options = {}): Promise<ArchiveStore> {
  const sdk = await loadSdk();
  const endpoint = options.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  const client = new sdk.S3Client({
    region: options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(endpoint ? { endpoint } : {}),
    // a custom endpoint is nearly always MinIO-like (no bucket subdomains); AWS itself takes either
    forcePathStyle: options.forcePathStyle ?? Boolean(endpoint),
    maxAttempts: 3,
  });
  const { bucket, prefix } = location;
  const where = `s3://${bucket}/${prefix}`;
  const fail = (e: unknown, doing: string) => s3Error(e, doing, where, bucket, endpoint);
  const key = (name: string) => `${prefix}${name}`;

  const ranged = async (name: string, start: number, endExclusive: number): Promise<Readable> => {
    try {
      const r = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key(name), Range: `bytes=${start}-${endExclusive - 1}` }));
      return r.Body as Readable;
    } catch (e) {
      throw fail(e, `reading ${name}`);
    }
  };

  return {
    description: where,
    async list() {
      const out: StoredObject[] = [];
      let token: string | undefined;
      do {
        let page: import('@aws-sdk/client-s3').ListObjectsV2CommandOutput;
        try {
          page = await client.send(new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }));
        } catch (e) {
          throw fail(e, 'listing archives');
        }
        for (const o of page.Contents ?? []) if (o.Key) out.push({ name: o.Key.slice(prefix.length), bytes: o.Size ?? 0 });
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return out;
    },
    async read(name) {
      try {
        const r = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key(name) }));
        return r.Body as Readable;
      } catch (e) {
        throw fail(e, `reading ${name}`);
      }
    },
    async randomAccess(name) {
      let size: number;
      try {
        size = (await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: key(name) }))).ContentLength ?? 0;
      } catch (e) {
        throw fail(e, `reading ${name}`);
      }
      // yauzl asks for a stream synchronously; the ranged GET answers later, into the same stream
      class RangedReader extends yauzl.RandomAccessReader {
        override _readStreamForRange(start: number, end: number): Readable {
          const out = new PassThrough();
          if (end <= start) {
            out.end();
            return out;
          }
          ranged(name, start, end).then(
            (body) => {
              body.on('error', (e: Error) => out.destroy(fail(e, `reading ${name}`)));
              body.pipe(out);
            },
            (e: Error) => out.destroy(e),
          );
          return out;
        }
      }
      return { size, reader: new RangedReader() };
    },
    async exists(name) {
      return objectExists(sdk, client, bucket, key(name), (e) => fail(e, `looking for ${name}`));
    },
    async create(name) {
      const taken = () => objectExists(sdk, client, bucket, key(name), (e) => fail(e, `writing ${name}`));
      return multipartUpload(sdk, client, bucket, key(name), name, fail, taken);
    },
    async remove(name) {
      try {
        await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: key(name) }));
      } catch (e) {
        throw fail(e, `deleting ${name}`);
      }
    },
  };
}

async function multipartUpload(
  sdk: Sdk,
  client: import('@aws-sdk/client-s3').S3Client,
  bucket: string,
  key: string,
  name: string,
  fail: (e: unknown, doing: string) => PgsnapError,
  taken: () => Promise<boolean>,
): Promise<StoreUpload> {
  let created: import('@aws-sdk/client-s3').CreateMultipartUploadCommandOutput;
  try {
    created = await client.send(new sdk.CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  } catch (e) {
    throw fail(e, `writing ${name}`);
  }
  // the service's answer, not pgsnap's bug: a service that is not S3-compatible enough for multipart uploads
  if (!created.UploadId) {
    throw new PgsnapError('io', `s3://${bucket}/${key}: writing ${name} failed: the storage service started a multipart upload without an upload id`, {
      hint: 'use an S3-compatible service that supports multipart uploads (s3.endpoint / AWS_ENDPOINT_URL)',
    });
  }
  const uploadId: string = created.UploadId;
  const parts: { PartNumber: number; ETag: string }[] = [];
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let total = 0;
  let state: 'open' | 'completed' | 'aborted' = 'open';

  const sendPart = async (): Promise<void> => {
    const body = Buffer.concat(pending);
    pending = [];
    pendingBytes = 0;
    const PartNumber = parts.length + 1;
    try {
      const r = await client.send(new sdk.UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber, Body: body }));
      parts.push({ PartNumber, ETag: r.ETag ?? '' });
    } catch (e) {
      throw fail(e, `writing ${name}`);
    }
  };
  // The write callback waits for a full part's upload: that is the backpressure that bounds memory.
  const stream = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _enc, done) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      total += chunk.length;
      if (pendingBytes < PART_BYTES) {
        done();
        return;
      }
      sendPart().then(() => done(), done);
    },
    final(done) {
      // the last part may be short (or, for an empty object, empty: the one part S3 accepts below 5 MiB)
      if (pendingBytes > 0 || parts.length === 0) sendPart().then(() => done(), done);
      else done();
    },
  });
  // failures reach the caller through the write callbacks and complete(); the event itself has nothing to add
  stream.on('error', () => {});
  const abortUpload = async () => {
    try {
      await client.send(new sdk.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
    } catch {
      // best effort: an unfinished upload is not an object either way
    }
  };
  return {
    stream,
    async complete() {
      if (state !== 'open') throw new PgsnapError('internal', `upload of ${name} is already ${state}`);
      try {
        // ended already when the encryption's pipeline wrote into it
        if (!stream.writableFinished) {
          await new Promise<void>((resolve, reject) => {
            stream.once('error', reject);
            stream.end(() => resolve());
          });
        }
        // Completing an upload replaces an object of the same key without a word. Two backups of one database
        // that started in the same millisecond chose the same name (archive/writer.ts takes the first free one
        // at the start): the later one must not overwrite the earlier. IfNoneMatch makes the service refuse it
        // atomically where it supports conditional writes (AWS S3, MinIO, R2); the HEAD before it covers
        // services that ignore the header, all but a moment's window.
        if (await taken()) throw appeared(bucket, key);
        await client.send(
          new sdk.CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts }, IfNoneMatch: '*' }),
        );
      } catch (e) {
        state = 'aborted';
        await abortUpload();
        if (isPreconditionFailed(e)) throw appeared(bucket, key);
        throw e instanceof PgsnapError ? e : fail(e, `writing ${name}`);
      }
      state = 'completed';
      return total;
    },
    async abort() {
      if (state !== 'open') return;
      state = 'aborted';
      stream.destroy();
      await abortUpload();
    },
  };
}

async function objectExists(
  sdk: Sdk,
  client: import('@aws-sdk/client-s3').S3Client,
  bucket: string,
  key: string,
  fail: (e: unknown) => PgsnapError,
): Promise<boolean> {
  try {
    await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (e) {
    const { name, status } = serviceAnswer(e);
    if (name === 'NotFound' || name === 'NoSuchKey' || status === 404) return false;
    throw fail(e);
  }
}

function isPreconditionFailed(e: unknown): boolean {
  const { name, status } = serviceAnswer(e);
  return name === 'PreconditionFailed' || status === 412;
}

/** The SDK error's name and HTTP status, for deciding by what the service answered. */
function serviceAnswer(e: unknown): { name: string; status: number | undefined } {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } } | null | undefined;
  return { name: err?.name ?? '', status: err?.$metadata?.httpStatusCode };
}

function appeared(bucket: string, key: string): PgsnapError {
  return new PgsnapError(
    'io',
    `s3://${bucket}/${key} appeared while this backup was written (another backup of the database started in the same millisecond): it was left as it is, and this backup was not kept`,
    {
      hint: 'run the backup again; keep two backups of one database from running at once (flock in the cron line)',
    },
  );
}

/** One line for what S3 (or the network on the way) said; never the credentials. */
function s3Error(e: unknown, doing: string, where: string, bucket: string, endpoint: string | undefined): PgsnapError {
  if (e instanceof PgsnapError) return e;
  const err = e as { code?: string; message?: string };
  const { name, status } = serviceAnswer(e);
  const at = `${where}: ${doing} failed`;
  if (name === 'NoSuchBucket') {
    return new PgsnapError('archive_not_found', `${at}: bucket ${bucket} does not exist`, { hint: 'create the bucket, or fix --dir s3://bucket/prefix' });
  }
  if (name === 'NoSuchKey' || name === 'NotFound') return new PgsnapError('archive_not_found', `${at}: no such archive`);
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(err.message ?? '')) {
    return new PgsnapError('permission', `${at}: no AWS credentials found`, { hint: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE' });
  }
  if (['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'InvalidToken', 'ExpiredToken'].includes(name) || status === 403) {
    return new PgsnapError('permission', `${at}: the storage service refused the credentials (${name || status})`, {
      hint: 'check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the profile) and the bucket policy',
    });
  }
  const code = err.code ?? (err as { cause?: { code?: string } }).cause?.code;
  if (code && /ECONNREFUSED|ECONNRESET|ENOTFOUND|ETIMEDOUT|EPIPE|EAI_AGAIN/.test(code)) {
    return new PgsnapError('io', `${at}: cannot reach the storage service${endpoint ? ` at ${new URL(endpoint).host}` : ''} (${code})`, {
      hint: 'check the network and AWS_ENDPOINT_URL / s3.endpoint',
    });
  }
  return new PgsnapError('io', `${at}: ${name || 'error'}${status ? ` (HTTP ${status})` : ''}: ${(err.message ?? '').split('\n')[0]}`);
}
