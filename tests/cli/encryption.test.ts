import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArchiveWriter } from '../../src/archive/writer.js';
import { createFixtureDatabase, createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cliInProcess } from '../helpers/cli.js';
import { expectNoSecret, expectOneLine, filesBelow, scratchDir } from '../helpers/faults.js';

/**
 * Archives encrypted with age (issue 21): backup --encrypt-to writes only ciphertext, and list / verify /
 * restore read it back with --identity, checking the manifest and every checksum as for a plain archive.
 */
let app: TestDatabase;
let work: string;
let secret: string;
let recipient: string;
let keyFile: string;
let otherKeyFile: string;
let dir: string;
let archive: string;

const decryptedCopies = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('pgsnap-decrypt-'));

beforeAll(async () => {
  app = await createFixtureDatabase('agebk');
  work = scratchDir('age');
  secret = await generateX25519Identity();
  recipient = await identityToRecipient(secret);
  keyFile = path.join(work, 'key.txt');
  fs.writeFileSync(keyFile, `# created: test\n# public key: ${recipient}\n${secret}\n`, { mode: 0o600 });
  otherKeyFile = path.join(work, 'other.txt');
  fs.writeFileSync(otherKeyFile, `${await generateX25519Identity()}\n`, { mode: 0o600 });
  dir = path.join(work, 'backups');
  const r = await cliInProcess(['backup', '--url', app.url, '--dir', dir, '--encrypt-to', recipient, '--json']);
  expect(r.code, r.stderr).toBe(0);
  archive = JSON.parse(r.stdout).archive;
});

afterAll(async () => {
  await app?.drop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('encrypted archives (age)', () => {
  it('backup --encrypt-to writes only <name>.zip.age, mode 0600, holding no plaintext', () => {
    expect(filesBelow(dir)).toEqual([path.basename(archive)]);
    expect(archive).toMatch(/^.*\/agebk_\w+-\d{4}-\d{2}-\d{2}T[\d-]+Z\.zip\.age$/);
    expect(fs.statSync(archive).mode & 0o777).toBe(0o600);
    const bytes = fs.readFileSync(archive);
    expect(bytes.subarray(0, 22).toString()).toBe('age-encryption.org/v1\n');
    // every zip names its entries in clear; fixture rows hold e-mail addresses
    expect(bytes.includes('manifest.json')).toBe(false);
    expect(bytes.includes('@example')).toBe(false);
  });

  it('verify latest --identity checks the decrypted manifest and every row; the plaintext copy is removed', async () => {
    const before = decryptedCopies();
    const r = await cliInProcess(['verify', 'latest', '--dir', dir, '--identity', keyFile, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.ok).toBe(true);
    expect(doc.verify.rows).toBe(25 + 25 + 40 + 300 + 500);
    expect(decryptedCopies()).toEqual(before);
    expectNoSecret(secret, { stdout: r.stdout, stderr: r.stderr });
  });

  it('list shows an encrypted archive without a key, and its manifest with one', async () => {
    const without = await cliInProcess(['list', '--dir', dir, '--json']);
    expect(without.code).toBe(0);
    const [plain] = JSON.parse(without.stdout).archives;
    expect(plain.file).toBe(path.basename(archive));
    expect(plain.tables).toBeNull();
    expect(plain.error).toMatch(/encrypted/);
    const withKey = await cliInProcess(['list', '--dir', dir, '--identity', keyFile, '--json']);
    const [read] = JSON.parse(withKey.stdout).archives;
    expect(read.rows).toBe(25 + 25 + 40 + 300 + 500);
    expect(read.error).toBeUndefined();
  });

  it('[bad-input] no --identity, a wrong one, or an unreadable one: one line, exit 2, no key in the output', async () => {
    expectOneLine(await cliInProcess(['verify', 'latest', '--dir', dir]), 2, /is encrypted.*--identity/);
    const wrong = await cliInProcess(['restore', 'latest', '--dir', dir, '--url', app.url, '--identity', otherKeyFile]);
    expectOneLine(wrong, 2, /none of the keys in --identity can decrypt it/);
    const other = fs.readFileSync(otherKeyFile, 'utf8').trim();
    expectNoSecret(other, { stderr: wrong.stderr });
    expectOneLine(await cliInProcess(['verify', 'latest', '--dir', dir, '--identity', path.join(work, 'nope.txt')]), 2, /cannot read identity file/);
    const garbage = path.join(work, 'garbage.txt');
    fs.writeFileSync(garbage, 'AGE-SECRET-KEY-1NOTAREALKEYATALLXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\n');
    const bad = await cliInProcess(['verify', 'latest', '--dir', dir, '--identity', garbage]);
    expectOneLine(bad, 2, /not a valid age identity/);
    expectNoSecret('NOTAREALKEY', { stderr: bad.stderr });
  });

  it('[bad-input] a damaged ciphertext fails verification (exit 1) and restore (exit 2) without changing anything', async () => {
    const damaged = path.join(work, 'damaged', path.basename(archive));
    fs.mkdirSync(path.dirname(damaged));
    const bytes = fs.readFileSync(archive);
    bytes[bytes.length - 200] = (bytes[bytes.length - 200] as number) ^ 1;
    fs.writeFileSync(damaged, bytes);
    const before = decryptedCopies();
    const v = await cliInProcess(['verify', damaged, '--identity', keyFile]);
    expect(v.code, v.stderr).toBe(1);
    expect(v.stderr).toMatch(/does not decrypt/);
    expect(decryptedCopies(), 'the partial plaintext copy is removed').toEqual(before);
    const target = await createTestDatabase('agedmg');
    try {
      expectOneLine(await cliInProcess(['restore', damaged, '--url', target.url, '--identity', keyFile, '--create-missing']), 2, /damaged: it does not decrypt/);
      const tables = await target.query<{ n: string }>(`SELECT count(*) AS n FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`);
      expect(tables[0]?.n).toBe('0');
    } finally {
      await target.drop();
    }
  });

  it('restore --identity puts every row back into an empty database', async () => {
    const target = await createTestDatabase('agerst');
    try {
      await target.query('CREATE SCHEMA auth');
      const r = await cliInProcess(['restore', 'latest', '--from-database', app.name, '--dir', dir, '--url', target.url, '--identity', keyFile, '--create-missing', '--json']);
      expect(r.code, r.stderr).toBe(0);
      for (const table of ['public.projects', 'public.error_logs', 'auth.users']) {
        const [src, dst] = await Promise.all([app.query(`SELECT count(*) AS n FROM ${table}`), target.query(`SELECT count(*) AS n FROM ${table}`)]);
        expect(dst[0], table).toEqual(src[0]);
        expect(Number(dst[0]?.n), table).toBeGreaterThan(0);
      }
      expectNoSecret(secret, { stdout: r.stdout, stderr: r.stderr });
    } finally {
      await target.drop();
    }
  });

  it('a recipients file with several keys: each of them decrypts the archive', async () => {
    const second = await generateX25519Identity();
    const secondKey = path.join(work, 'second.txt');
    fs.writeFileSync(secondKey, `${second}\n`);
    const recipients = path.join(work, 'recipients.txt');
    fs.writeFileSync(recipients, `# ops team\n${recipient}\n\n${await identityToRecipient(second)}\n`);
    const out = path.join(work, 'two');
    const b = await cliInProcess(['backup', '--url', app.url, '--dir', out, '--encrypt-to', recipients, '--verify', '--identity', secondKey]);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toMatch(/verified: every entry/);
    for (const key of [keyFile, secondKey]) expect((await cliInProcess(['verify', 'latest', '--dir', out, '--identity', key])).code).toBe(0);
  });

  it('latest and prune (with --identity) treat .zip.age like .zip: the newest is kept, older ones go', async () => {
    const out = path.join(work, 'pruned');
    for (const extra of [[], ['--encrypt-to', recipient], ['--encrypt-to', recipient]]) {
      expect((await cliInProcess(['backup', '--url', app.url, '--dir', out, ...extra])).code).toBe(0);
    }
    const [plainZip, older, newest] = filesBelow(out);
    expect(plainZip).toMatch(/\.zip$/);
    expect([older, newest].every((f) => f?.endsWith('.zip.age'))).toBe(true);
    const v = await cliInProcess(['verify', 'latest', '--dir', out, '--identity', keyFile, '--json']);
    expect(JSON.parse(v.stdout).archive).toContain(newest);
    // prune reads every manifest (retention goes per database): without the key it removes no encrypted archive
    const blind = await cliInProcess(['prune', '--dir', out, '--keep-last', '1']);
    expect(blind.stderr).toMatch(/is encrypted/);
    expect(filesBelow(out)).toHaveLength(3);
    const p = await cliInProcess(['prune', '--dir', out, '--keep-last', '1', '--identity', keyFile]);
    expect(p.code, p.stderr).toBe(0);
    expect(filesBelow(out)).toEqual([newest]);
  });

  it('[bad-input] a bad recipient, or --verify without the key, is refused before anything is written', async () => {
    const out = path.join(work, 'refused');
    expectOneLine(await cliInProcess(['backup', '--url', app.url, '--dir', out, '--encrypt-to', 'age1notakey']), 2, /age recipient/);
    expectOneLine(await cliInProcess(['backup', '--url', app.url, '--dir', out, '--encrypt-to', recipient, '--verify']), 2, /--verify .*--identity/);
    expect(filesBelow(out)).toEqual([]);
  });

  it('an aborted encrypted backup leaves nothing; its temporary file held only ciphertext', async () => {
    const out = path.join(work, 'aborted');
    const writer = await createArchiveWriter({ dir: out, database: 'app', startedAt: new Date(), recipients: [recipient] });
    expect(writer.finalPath.endsWith('.zip.age')).toBe(true);
    await writer.addEntry('data/public.t.0001.ndjson', Buffer.alloc(3 << 20, 'x'));
    // the library emits sealed 64 KiB chunks as they fill: some have reached the file by now
    await new Promise((r) => setTimeout(r, 200));
    const head = fs.readFileSync(writer.tempPath).subarray(0, 22).toString();
    expect(head).toBe('age-encryption.org/v1\n');
    await writer.abort();
    expect(filesBelow(out)).toEqual([]);
  });
});
