import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { readZip, sealManifest, writeZip } from './archives.js';
import type { CliResult } from './cli.js';
import { adminQuery, repoRoot, type TestDatabase } from './db.js';

/**
 * Shared by the reliability tests (tests/cli/reliability-*.test.ts, tests/integration/reliability-*.test.ts):
 * faults made for real — signals to a real CLI process, connections ended by the server, a file system that
 * fills up, archives damaged byte by byte — and the checks every such case ends with.
 */

/** A temporary directory for one test file; removed by the caller. */
export function scratchDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `pgsnap-${prefix}-`));
}

/** Start the real CLI in a child process (to signal it); `done` resolves with its exit code and output. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const full = { ...process.env, ...env };
  if (!env.DATABASE_URL) delete full.DATABASE_URL;
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'pgsnap.js'), ...args], { cwd: repoRoot, env: full, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done };
}

/** Poll until `check` holds; throws after `ms` (every loop in these tests is bounded). */
export async function waitFor(check: () => boolean | Promise<boolean>, ms = 60_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The contract for trouble: the given exit code, exactly one line on stderr (no stack trace), nothing on stdout. */
export function expectOneLine(r: CliResult, code: number, pattern?: RegExp): void {
  const label = `exit ${r.code}\nstderr: ${r.stderr}\nstdout: ${r.stdout}`;
  expect(r.code, label).toBe(code);
  const lines = r.stderr.trim().split('\n');
  expect(lines, label).toHaveLength(1);
  expect(lines[0], label).toMatch(/^pgsnap: /);
  expect(r.stderr, label).not.toMatch(/\n\s+at /);
  expect(r.stdout, label).toBe('');
  if (pattern) expect(r.stderr, label).toMatch(pattern);
}

/** Every file below `dir`, relative, sorted (to prove nothing was written where it should not be). */
export function filesBelow(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

export const zipsIn = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.zip')) : []);

/**
 * A copy of `src` with one more entry whose name climbs out of the directory (`../../…`). archiver cleans entry
 * names, so a placeholder of the same length is written and its bytes patched in both zip headers.
 */
export async function withClimbingEntry(src: string, dst: string, climbing: string, data = 'x\n'): Promise<void> {
  const placeholder = `data/${'X'.repeat(Math.max(1, climbing.length - 5))}`;
  if (placeholder.length !== climbing.length) throw new Error(`climbing name must be at least 6 characters: ${climbing}`);
  await writeZip(dst, [...(await readZip(src)), [placeholder, data]]);
  const bytes = fs.readFileSync(dst).toString('latin1');
  const patched = Buffer.from(bytes.split(placeholder).join(climbing), 'latin1');
  expect(patched.toString('latin1').split(climbing)).toHaveLength(3); // local header and central directory
  fs.writeFileSync(dst, patched);
}

/**
 * A copy of `src` with the manifest changed by `edit` (data entries untouched, so their checksums still hold),
 * and manifest.sha256 written anew, as a forger would: only the checks behind it can catch the edit.
 */
export async function withManifest(src: string, dst: string, edit: (m: Record<string, unknown> & { tables: ManifestTable[] }) => void): Promise<void> {
  await writeZip(dst, forgeManifest(await readZip(src), edit));
}

function forgeManifest(entries: Map<string, Buffer>, edit: (m: Record<string, unknown> & { tables: ManifestTable[] }) => void): Map<string, Buffer> {
  const manifest = JSON.parse((entries.get('manifest.json') as Buffer).toString('utf8'));
  edit(manifest);
  entries.set('manifest.json', Buffer.from(JSON.stringify(manifest)));
  return sealManifest(entries);
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/**
 * A copy of `src` with every line of data entry `entry` changed by `edit`, and the entry's sha256 and byte count
 * in the manifest (and manifest.sha256) recomputed: only a check of the lines themselves can catch the edit.
 */
export async function withEntryLines(src: string, dst: string, entry: string, edit: (line: string) => string): Promise<void> {
  const entries = await readZip(src);
  const old = entries.get(entry);
  if (!old) throw new Error(`no entry ${entry}`);
  const bytes = Buffer.from(
    old
      .toString('utf8')
      .split('\n')
      .map((l) => (l === '' ? l : edit(l)))
      .join('\n'),
  );
  entries.set(entry, bytes);
  forgeManifest(entries, (m) => {
    const e = m.tables.flatMap((t) => t.entries).find((x) => x.name === entry);
    if (!e) throw new Error(`${entry} is not in the manifest`);
    e.sha256 = sha256(bytes);
    e.bytes = bytes.length;
  });
  await writeZip(dst, entries);
}

export interface ManifestTable {
  schema: string;
  name: string;
  rows: number;
  columns: { name: string; type: string }[];
  entries: { name: string; rows: number; bytes: number; sha256: string }[];
}

/** Flip one byte inside the compressed data of `entry` (not in a header), so only that entry's content is damaged. */
export function flipByteInEntry(src: string, dst: string, entry: string, offset = 100): void {
  const bytes = fs.readFileSync(src);
  const name = Buffer.from(entry);
  const header = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04]), bytes.indexOf(name) - 30);
  const dataStart = header + 30 + bytes.readUInt16LE(header + 26) + bytes.readUInt16LE(header + 28);
  const compressed = bytes.readUInt32LE(header + 18);
  const at = dataStart + Math.min(offset, Math.max(0, compressed - 1));
  bytes[at] = (bytes[at] as number) ^ 0xff;
  fs.writeFileSync(dst, bytes);
}

/**
 * A small tmpfs at `dir`, so that writes fail with ENOSPC for real. Returns an unmount function, or null when
 * this machine does not let us mount (not root, or a sandbox that refuses).
 */
export function mountTmpfs(dir: string, size: string): (() => void) | null {
  fs.mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  return () => {
    spawnSync('umount', [dir]);
  };
}

let tmpfsAllowed: boolean | undefined;
/** Whether this machine lets the tests mount a tmpfs (decided once, by trying). */
export function canMountTmpfs(): boolean {
  if (tmpfsAllowed === undefined) {
    const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-tmpfs-probe-'));
    const unmount = mountTmpfs(probe, '64k');
    unmount?.();
    fs.rmSync(probe, { recursive: true, force: true });
    tmpfsAllowed = unmount !== null;
  }
  return tmpfsAllowed;
}

/** Every entry of a zip, decompressed, as one string: to search an archive for text that must not be there. */
export async function zipText(file: string): Promise<string> {
  const entries = await readZip(file);
  return [...entries].map(([name, data]) => `${name}\n${data.toString('utf8')}`).join('\n');
}

/** Assert a secret appears in none of the texts (nor URL-encoded). */
export function expectNoSecret(secret: string, texts: Record<string, string>): void {
  for (const [where, text] of Object.entries(texts)) {
    expect(text.includes(secret), `${where} contains the password:\n${text}`).toBe(false);
    expect(text.includes(encodeURIComponent(secret)), `${where} contains the URL-encoded password:\n${text}`).toBe(false);
  }
}

/** A login role with a password. Drop the databases it has privileges in first, then call the returned function. */
export async function createLoginRole(name: string, password: string, extra = ''): Promise<() => Promise<void>> {
  await adminQuery(`CREATE ROLE "${name}" LOGIN PASSWORD '${password.replace(/'/g, "''")}' ${extra}`);
  return async () => {
    await adminQuery(`DROP ROLE IF EXISTS "${name}"`);
  };
}

/** `url` with another user and password. */
export function withCredentials(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(password);
  return u.toString();
}

/** A digest of every row of every table in `schemas`, one per table: what "the target is unchanged" means. */
export async function tableState(db: TestDatabase, schemas: readonly string[] = ['public', 'auth']): Promise<Record<string, string>> {
  const rows = await db.query<{ t: string; h: string }>(
    `SELECT c.oid::regclass::text AS t,
            (xpath('/row/h/text()', query_to_xml(format('SELECT md5(coalesce(string_agg(x::text, ''|'' ORDER BY x::text), '''')) AS h FROM %s x', c.oid::regclass), false, false, '')))[1]::text AS h
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1)
      ORDER BY 1`,
    [schemas],
  );
  return Object.fromEntries(rows.map((r) => [r.t, r.h]));
}
