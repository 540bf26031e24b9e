import fs from 'node:fs';
import path from 'node:path';
import { PgsnapError } from '../errors.js';
import { globMatcher } from './glob.js';
import type { ScanOptions, TableReference } from './reference.js';
import { isScannable, scanSource } from './source.js';

/** Folders that hold no application source of the project's own. */
export const SKIPPED_FOLDERS = ['node_modules', 'dist', 'build', '.git', 'coverage'] as const;

export interface ScanPathsOptions extends ScanOptions {
  /** paths in references are relative to this (default: process.cwd()) */
  readonly cwd?: string;
  /** globs of files or folders to leave out (config `scan.exclude`), relative to cwd */
  readonly exclude?: readonly string[];
  /** absolute paths of files that are not application code (the schema files) */
  readonly skipFiles?: readonly string[];
}

export interface ScanResult {
  readonly references: readonly TableReference[];
  /** files read */
  readonly files: number;
}

function relative(cwd: string, file: string): string {
  const r = path.relative(cwd, file);
  return (r.startsWith('..') || path.isAbsolute(r) ? file : r).split(path.sep).join('/');
}

/** The files `scanPaths` reads, in a stable order. */
export function listSourceFiles(paths: readonly string[], options: ScanPathsOptions = {}): string[] {
  const cwd = options.cwd ?? process.cwd();
  const excluded = globMatcher(options.exclude ?? []);
  const skipped = new Set(options.skipFiles ?? []);
  const files: string[] = [];
  const visit = (abs: string, explicit: boolean) => {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(abs);
    } catch {
      if (explicit) throw new PgsnapError('usage', `no such file or directory: ${relative(cwd, abs)}`, { hint: 'pass the folders that hold your application code' });
      return;
    }
    const rel = relative(cwd, abs);
    if (!explicit && excluded(rel)) return;
    if (stat.isDirectory()) {
      if (!explicit && (SKIPPED_FOLDERS as readonly string[]).includes(path.basename(abs))) return;
      for (const entry of fs.readdirSync(abs).sort()) visit(path.join(abs, entry), false);
    } else if (stat.isFile() && !skipped.has(abs) && (explicit || isScannable(abs))) {
      files.push(abs);
    }
  };
  for (const p of paths) visit(path.resolve(cwd, p), true);
  return [...new Set(files)];
}

/** Walk files and folders and scan every source file in them. */
export async function scanPaths(paths: readonly string[], options: ScanPathsOptions = {}): Promise<ScanResult> {
  const cwd = options.cwd ?? process.cwd();
  const files = listSourceFiles(paths, options);
  const references: TableReference[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await fs.promises.readFile(file, 'utf8');
    } catch (e) {
      throw new PgsnapError('io', `cannot read ${relative(cwd, file)}: ${(e as Error).message}`);
    }
    if (!isScannable(file)) continue;
    references.push(...scanSource(text, relative(cwd, file), options.calls ? { calls: options.calls } : {}));
  }
  return { references, files: files.length };
}
