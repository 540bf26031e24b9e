import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { PgsnapError } from '../errors.js';
import { onInterrupt } from '../lifecycle.js';

/**
 * age encryption of whole archives (age-encryption.org/v1, X25519 recipients). The library streams: it cuts the
 * plaintext into 64 KiB chunks, each sealed with ChaCha20-Poly1305, so a backup never holds an archive in memory
 * and a truncated or altered file fails to decrypt instead of yielding wrong bytes.
 *
 * A zip needs random access (its directory is at the end), so an encrypted archive is decrypted into a private
 * temporary file (a fresh 0700 directory under the system temp dir, file mode 0600) that is removed when the
 * archive is closed, when the process exits, and on SIGINT/SIGTERM. Reading one therefore needs free space the
 * size of the archive in TMPDIR (docs/offsite.md).
 *
 * Key material never reaches a message: errors name the file a key came from, never its content, and the
 * library's own messages about a key are not passed on.
 */
const AGE_SUFFIX = '.age';
const AGE_MAGIC = 'age-encryption.org/v1\n';

type AgeModule = typeof import('age-encryption');
let loaded: Promise<AgeModule> | undefined;
/** loaded on first use: commands that never see an encrypted archive do not pay for it */
function age(): Promise<AgeModule> {
  loaded ??= import('age-encryption');
  return loaded;
}

/**
 * The recipients of `--encrypt-to`: each value is an `age1…` public key or the path of a recipients file (one
 * key per line, `#` comments and blank lines ignored, as `age -R` reads).
 */
export async function loadRecipients(values: readonly string[], cwd: string): Promise<string[]> {
  const out: string[] = [];
  for (const value of values) {
    const v = value.trim();
    if (v.startsWith('age1') && !fs.existsSync(path.resolve(cwd, v))) {
      out.push(v);
      continue;
    }
    const file = path.resolve(cwd, v);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      throw new PgsnapError('usage', `--encrypt-to ${shortKey(v)}: neither an age recipient (age1…) nor a readable recipients file`, {
        hint: 'pass a public key from age-keygen (age1…), or a file of them, one per line',
      });
    }
    const keys = keyLines(text);
    if (keys.length === 0) throw new PgsnapError('usage', `recipients file ${file} holds no age1… key`, { hint: 'one public key per line; # starts a comment' });
    out.push(...keys);
  }
  // every backup calls this: one that encrypts nothing must not load the library (about 30 ms of CPU)
  if (out.length === 0) return out;
  const { Encrypter } = await age();
  for (const r of out) {
    if (!r.startsWith('age1')) throw new PgsnapError('usage', `--encrypt-to: ${shortKey(r)} is not an age recipient (age1…)`, { hint: 'pass a public key from age-keygen' });
    try {
      // the library checks the key on use: try it on an empty file now, before a backup starts
      const e = new Encrypter();
      e.addRecipient(r);
      await e.encrypt(new Uint8Array(0));
    } catch {
      throw new PgsnapError('usage', `--encrypt-to: ${shortKey(r)} is not a valid age recipient`, { hint: 'pass a public key from age-keygen (age1…)' });
    }
  }
  return out;
}

/** The secret keys of an identity file (`age-keygen -o key.txt` writes one). Never echoed. */
async function loadIdentities(file: string): Promise<string[]> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new PgsnapError('usage', `cannot read identity file ${file}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`, {
      hint: 'pass --identity with the file age-keygen wrote (AGE-SECRET-KEY-1…)',
    });
  }
  const keys = keyLines(text).filter((k) => k.startsWith('AGE-SECRET-KEY-'));
  if (keys.length === 0) throw new PgsnapError('usage', `identity file ${file} holds no AGE-SECRET-KEY-1… line`, { hint: 'pass the file age-keygen wrote' });
  const { Decrypter } = await age();
  for (const k of keys) {
    try {
      new Decrypter().addIdentity(k);
    } catch {
      throw new PgsnapError('usage', `identity file ${file} holds a key that is not a valid age identity`, { hint: 'pass the file age-keygen wrote' });
    }
  }
  return keys;
}

function keyLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'));
}

/** Enough of a value to recognise it, never a whole (possibly secret) key. */
function shortKey(v: string): string {
  return v.length > 12 ? `${v.slice(0, 8)}…` : v;
}

/** An archive file that is age-encrypted: by its name, or (renamed by hand) by its first bytes. */
export function isEncryptedArchive(file: string): boolean {
  if (file.endsWith(AGE_SUFFIX)) return true;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const head = Buffer.alloc(AGE_MAGIC.length);
      const n = fs.readSync(fd, head, 0, head.length, 0);
      return head.subarray(0, n).toString('latin1') === AGE_MAGIC;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}

/**
 * Encrypt what is written into the returned stream to `out`, for all recipients. `done` settles when `out` has
 * every byte (or with the first error of either side).
 */
export async function encryptingSink(recipients: readonly string[], out: Writable): Promise<{ input: Writable; done: Promise<void> }> {
  const { Encrypter } = await age();
  const e = new Encrypter();
  for (const r of recipients) e.addRecipient(r);
  const input = new PassThrough({ highWaterMark: 1 << 20 });
  const cipher = await e.encrypt(Readable.toWeb(input) as unknown as ReadableStream<Uint8Array>);
  const done = pipeline(Readable.fromWeb(cipher as unknown as WebReadableStream<Uint8Array>), out);
  // a failure on the output side must also stop the writer of the input
  done.catch((err: Error) => input.destroy(err));
  return { input, done };
}

export interface DecryptedCopy {
  readonly path: string;
  remove(): void;
}

const copies = new Set<string>();
let exitHook = false;
function removeCopy(dir: string): void {
  copies.delete(dir);
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * Decrypt `file` into a private temporary file. Wrong keys fail before a byte is written (`archive_key`); a
 * damaged ciphertext fails with `archive_corrupt` and leaves nothing behind.
 */
export async function decryptToTemp(
  file: string,
  identities: readonly string[] | undefined,
  source: () => Promise<Readable> = async () => fs.createReadStream(file),
): Promise<DecryptedCopy> {
  if (!identities || identities.length === 0) {
    throw new PgsnapError('archive_key', `${file} is encrypted (age)`, { hint: 'pass --identity FILE with a key it was encrypted to' });
  }
  const { Decrypter } = await age();
  const d = new Decrypter();
  for (const k of identities) d.addIdentity(k);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-decrypt-'));
  fs.chmodSync(dir, 0o700);
  copies.add(dir);
  if (!exitHook) {
    exitHook = true;
    // a plaintext copy must not outlive the process, whichever way it ends (signals go through lifecycle.ts)
    process.on('exit', () => {
      for (const d of [...copies]) removeCopy(d);
    });
  }
  const target = path.join(dir, path.basename(file).replace(/\.age$/, ''));
  const stopWatching = onInterrupt(() => removeCopy(dir));
  const copy: DecryptedCopy = {
    path: target,
    remove() {
      stopWatching();
      removeCopy(dir);
    },
  };
  try {
    let plain: ReadableStream<Uint8Array>;
    try {
      plain = await d.decrypt(Readable.toWeb(await source()) as unknown as ReadableStream<Uint8Array>);
    } catch (e) {
      throw headerError(file, e as Error);
    }
    try {
      await pipeline(Readable.fromWeb(plain as unknown as WebReadableStream<Uint8Array>), fs.createWriteStream(target, { mode: 0o600, flags: 'wx' }));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC') {
        throw new PgsnapError('io', `no space in ${os.tmpdir()} to decrypt ${file}`, { hint: 'free space, or point TMPDIR at a disk with room for the archive' });
      }
      throw new PgsnapError('archive_corrupt', `${file} is damaged: it does not decrypt (${(e as Error).message})`, {
        hint: 'use another archive (pgsnap list shows them)',
      });
    }
    return copy;
  } catch (e) {
    copy.remove();
    throw e;
  }
}

function headerError(file: string, e: Error): PgsnapError {
  if (/no identity matched/i.test(e.message)) {
    return new PgsnapError('archive_key', `${file}: none of the keys in --identity can decrypt it`, {
      hint: 'pass the identity file whose public key the backup was encrypted to (--encrypt-to)',
    });
  }
  if (e instanceof PgsnapError) return e;
  if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new PgsnapError('archive_not_found', `archive not found: ${file}`);
  return new PgsnapError('archive_corrupt', `${file} is damaged: not a readable age file (${e.message})`, { hint: 'use another archive (pgsnap list shows them)' });
}

/** `--identity FILE` as options for openArchive: none when the flag is not given. */
export async function identityOption(file: string | undefined, cwd: string): Promise<{ identities?: string[] }> {
  return file === undefined ? {} : { identities: await loadIdentities(path.resolve(cwd, file)) };
}
