import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { Progress } from '../report/progress.js';
import { Fingerprint } from '../archive/fingerprint.js';
import { MANIFEST_ENTRY, MANIFEST_SHA_ENTRY, type Manifest, SCHEMA_JSON_ENTRY, SCHEMA_SQL_ENTRY, type ArchivedTable } from '../archive/format.js';
import type { SequenceDef } from '../catalog/model.js';
import { type OpenArchive, type OpenOptions, openArchive } from '../archive/reader.js';
import { pairKey, tableLabel } from '../archive/table-id.js';
import { PgsnapError, isPgsnapError } from '../errors.js';
import { rowProblem } from './row-check.js';

/**
 * `pgsnap verify` without a database: the manifest, every entry's sha256, byte and row counts, the fingerprint,
 * and every line against the manifest's columns. Damage is a finding (exit 1), reported per entry; an archive
 * that is not ours, or from a newer pgsnap, is trouble (exit 2, thrown).
 */
interface TableCheck {
  readonly table: string;
  readonly rows: number;
  readonly expectedRows: number;
  readonly ok: boolean;
  readonly problems: readonly string[];
}

export interface VerifyReport {
  readonly archive: string;
  readonly ok: boolean;
  readonly tables: readonly TableCheck[];
  /** problems that belong to no table: missing or extra entries, schema.json, an unreadable zip */
  readonly problems: readonly string[];
  readonly rows: number;
  readonly seconds: number;
}

const MAX_LINE_PROBLEMS = 3;

/** `progress` is told about each table as it is checked (report/progress.ts). */
export async function verifyArchive(file: string, options: OpenOptions = {}, progress?: Progress): Promise<VerifyReport> {
  const started = performance.now();
  let archive: OpenArchive;
  try {
    archive = await openArchive(file, options);
  } catch (e) {
    if (isPgsnapError(e) && (e.code === 'archive_corrupt' || (e.code === 'archive_foreign' && looksLikeOurs(file)))) {
      return damaged(file, e.message, started);
    }
    throw e;
  }
  try {
    const problems: string[] = [];
    const known = new Set([MANIFEST_ENTRY, MANIFEST_SHA_ENTRY, SCHEMA_JSON_ENTRY, SCHEMA_SQL_ENTRY]);
    for (const t of archive.manifest.tables) for (const e of t.entries) known.add(e.name);
    for (const name of archive.entries) {
      if (!known.has(name) && !name.endsWith('/')) problems.push(`unexpected entry ${name} (not in the manifest)`);
    }
    try {
      // restore --create-missing builds tables from schema.json: a manifest table it does not describe cannot be
      // restored into an empty database (and is how a hand-edited manifest shows)
      const schema = await archive.schema();
      const described = new Set(schema.tables.map(pairKey));
      problems.push(...sequenceProblems(archive.manifest, schema.sequences ?? []));
      for (const t of archive.manifest.tables) {
        if (!described.has(pairKey(t))) problems.push(`${SCHEMA_JSON_ENTRY} does not describe table ${tableLabel(t)}`);
      }
    } catch (e) {
      problems.push(isPgsnapError(e) ? e.message : String(e));
    }
    problems.push(...(await checksumProblems(archive)));
    const tables: TableCheck[] = [];
    const all = archive.manifest.tables;
    progress?.begin(all.length, all.reduce((n, t) => n + t.rows, 0));
    for (const t of all) {
      const t0 = performance.now();
      progress?.tableStarted(`${t.schema}.${t.name}`);
      tables.push(await checkTable(archive, t));
      progress?.tableDone(`${t.schema}.${t.name}`, t.rows, t.entries.reduce((n, e) => n + e.bytes, 0), (performance.now() - t0) / 1000);
    }
    progress?.done();
    const ok = problems.length === 0 && tables.every((t) => t.ok);
    return {
      archive: file,
      ok,
      tables,
      problems,
      rows: tables.reduce((n, t) => n + t.rows, 0),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await archive.close();
  }
}

async function checkTable(archive: OpenArchive, t: ArchivedTable): Promise<TableCheck> {
  const table = tableLabel(t);
  const problems: string[] = [];
  const fp = new Fingerprint();
  let rows = 0;
  for (const entry of t.entries) {
    let lineNo = 0;
    let lineProblems = 0;
    try {
      const stream = await archive.openEntry(entry.name);
      let pending: Buffer[] = [];
      const onLine = (bytes: Buffer) => {
        lineNo++;
        fp.update(bytes);
        fp.endLine();
        const problem = rowProblem(bytes.toString('utf8'), t.columns);
        if (problem && lineProblems++ < MAX_LINE_PROBLEMS) problems.push(`${entry.name} line ${lineNo}: ${problem}`);
      };
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        let start = 0;
        for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
          const piece = chunk.subarray(start, nl);
          if (pending.length > 0) {
            pending.push(piece);
            onLine(Buffer.concat(pending));
            pending = [];
          } else onLine(piece);
          start = nl + 1;
        }
        if (start < chunk.length) pending.push(Buffer.from(chunk.subarray(start)));
      }
      if (pending.length > 0) problems.push(`${entry.name}: the last line has no newline (truncated entry)`);
    } catch (e) {
      problems.push(isPgsnapError(e) ? e.message : `${entry.name}: ${(e as Error).message}`);
    }
    if (lineProblems > MAX_LINE_PROBLEMS) problems.push(`${entry.name}: ${lineProblems - MAX_LINE_PROBLEMS} more bad lines`);
    rows += lineNo;
  }
  if (rows !== t.rows) problems.push(`${table} holds ${rows} rows, the manifest says ${t.rows}`);
  const sumOfEntries = t.entries.reduce((n, e) => n + e.rows, 0);
  if (sumOfEntries !== t.rows) problems.push(`${table}: the manifest's entries add up to ${sumOfEntries} rows, its total says ${t.rows}`);
  if (problems.length === 0 && fp.digest() !== t.fingerprint) problems.push(`${table}: the rows do not match the manifest's fingerprint`);
  return { table, rows, expectedRows: t.rows, ok: problems.length === 0, problems };
}

/**
 * The entries no data checksum covers: the manifest itself (against manifest.sha256, written right after it) and
 * schema.sql (against the manifest's schemaSqlSha256). Archives written before these were recorded have neither,
 * and pass; a manifest.sha256 or schemaSqlSha256 that is there must match. restore refuses what this finds too.
 */
export async function checksumProblems(archive: Pick<OpenArchive, 'entries' | 'manifest' | 'openEntry'>): Promise<string[]> {
  const problems: string[] = [];
  const sha = async (name: string) => createHash('sha256').update(await readEntry(archive, name)).digest('hex');
  try {
    if (archive.entries.includes(MANIFEST_SHA_ENTRY)) {
      const recorded = (await readEntry(archive, MANIFEST_SHA_ENTRY)).toString('utf8').trim();
      if (recorded !== (await sha(MANIFEST_ENTRY))) problems.push(`${MANIFEST_ENTRY} does not match ${MANIFEST_SHA_ENTRY} (edited or damaged)`);
    }
    const sqlSha = archive.manifest.schemaSqlSha256;
    if (sqlSha !== undefined) {
      if (!archive.entries.includes(SCHEMA_SQL_ENTRY)) problems.push(`${SCHEMA_SQL_ENTRY} is listed in the manifest but missing`);
      else if ((await sha(SCHEMA_SQL_ENTRY)) !== sqlSha) problems.push(`${SCHEMA_SQL_ENTRY} does not match its checksum`);
    }
  } catch (e) {
    problems.push(isPgsnapError(e) ? e.message : String(e));
  }
  return problems;
}

async function readEntry(archive: Pick<OpenArchive, 'openEntry'>, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of (await archive.openEntry(name)) as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** A sequence value restore could not set: outside the sequence's own range (schema.json) */
function sequenceProblems(manifest: Manifest, defs: readonly SequenceDef[]): string[] {
  const problems: string[] = [];
  for (const s of manifest.sequences) {
    const def = defs.find((d) => d.schema === s.schema && d.name === s.name);
    if (!def || s.value === '') continue;
    try {
      const v = BigInt(s.value);
      if (v < BigInt(def.min) || v > BigInt(def.max)) problems.push(`sequence ${tableLabel(s)} value ${s.value} is outside its range ${def.min}..${def.max} (${def.dataType})`);
    } catch {
      // a malformed min/max in schema.json is schema.json's problem, reported where it is read
    }
  }
  return problems;
}

function damaged(file: string, message: string, started: number): VerifyReport {
  return { archive: file, ok: false, tables: [], problems: [message], rows: 0, seconds: (performance.now() - started) / 1000 };
}

/**
 * A zip whose end (the central directory) is missing cannot be opened, and then it is either not ours or a
 * pgsnap archive cut short. pgsnap writes schema.json first, so a local file header naming it (or a data entry)
 * at offset 0 means: ours, truncated — a damaged archive (exit 1), not a foreign file (exit 2).
 */
function looksLikeOurs(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(30 + 64);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    if (n < 30 || head.readUInt32LE(0) !== 0x04034b50) return false;
    const nameLength = head.readUInt16LE(26);
    const name = head.subarray(30, Math.min(n, 30 + nameLength)).toString('utf8');
    return name === SCHEMA_JSON_ENTRY || name === MANIFEST_ENTRY || name.startsWith('data/');
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export function verificationError(report: VerifyReport): PgsnapError {
  const first = report.problems[0] ?? report.tables.find((t) => !t.ok)?.problems[0] ?? 'unknown problem';
  return new PgsnapError('verification_failed', `${report.archive} failed verification: ${first}`, {
    hint: 'use another archive (pgsnap list), and check the disk it was written to',
  });
}
