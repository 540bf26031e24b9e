import { PgsnapError } from '../errors.js';

/**
 * Where archives live: a local directory, or `s3://bucket/prefix` in S3-compatible object storage. Parsed once
 * from `--dir` / config `dir`; a string that is not an s3:// URL is a path, as it always was.
 */
export type ArchiveLocation = { readonly kind: 'local'; readonly dir: string } | S3Location;

export interface S3Location {
  readonly kind: 's3';
  readonly bucket: string;
  /** '' or ending in '/': archives are `<prefix><name>` */
  readonly prefix: string;
}

// bucket names per the S3 rules (3–63 lower-case letters, digits, dots and hyphens), checked loosely
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function parseLocation(dir: string): ArchiveLocation {
  if (!/^s3:\/\//i.test(dir)) return { kind: 'local', dir };
  const rest = dir.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  if (!BUCKET.test(bucket)) {
    throw new PgsnapError('usage', `${dir}: "${bucket}" is not a valid bucket name`, { hint: 'write --dir s3://bucket/prefix' });
  }
  const path = slash < 0 ? '' : rest.slice(slash + 1).replace(/^\/+/, '');
  if (path.split('/').some((p) => p === '..' || p === '.')) {
    throw new PgsnapError('usage', `${dir}: the prefix may not contain . or .. segments`, { hint: 'write --dir s3://bucket/prefix' });
  }
  return { kind: 's3', bucket, prefix: path === '' || path.endsWith('/') ? path : `${path}/` };
}
