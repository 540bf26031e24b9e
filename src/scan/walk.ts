import fs from 'node:fs';
import path from 'node:path';
import { PgsnapError } from '../errors.js';
import { type IgnoreRule, isIgnored, parseGitignore } from './gitignore.js';
import { globMatcher } from './glob.js';
import type { ScanOptions, TableReference } from './reference.js';
import { isScannable, scanSource } from './source.js';

/** Folders that hold no application source of the project's own: dependencies, VCS data, build output. */
const SKIPPED_FOLDERS = ['node_modules', '.git', '.yarn', '.next', '.nuxt', '.svelte-kit', '.turbo', 'dist', 'build', 'coverage', 'vendor'] as const;

export interface ScanPathsOptions extends ScanOptions {
  /** paths in references are relative to this (default: process.cwd()) */
  readonly cwd?: string;
  /** globs of files or folders to leave out (`--exclude`, config `scan.exclude`), relative to cwd */
  readonly exclude?: readonly string[];
  /** when given, only files matching one of these globs are read (`--include`, config `scan.include`) */
  readonly include?: readonly string[];
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

function gitignoreRules(dir: string, base: string): IgnoreRule[] {
  try {
    return parseGitignore(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8'), base);
  } catch {
    return [];
  }
}

/**
 * The files `scanPaths` reads, in a stable order: what the paths name, less the default folders, `.gitignore`d
 * paths (the .gitignore files from cwd down to each folder), `exclude` globs, and the schema files. A path given
 * explicitly is read even when a rule would leave it out.
 */
function listSourceFiles(paths: readonly string[], options: ScanPathsOptions = {}): string[] {
  const cwd = options.cwd ?? process.cwd();
  const excluded = globMatcher(options.exclude ?? []);
  const included = options.include && options.include.length > 0 ? globMatcher(options.include) : () => true;
  const skipped = new Set(options.skipFiles ?? []);
  const files: string[] = [];
  const visit = (abs: string, explicit: boolean, rules: readonly IgnoreRule[]) => {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(abs);
    } catch {
      if (explicit) throw new PgsnapError('usage', `no such file or directory: ${relative(cwd, abs)}`, { hint: 'pass the folders that hold your application code' });
      return;
    }
    const rel = relative(cwd, abs);
    const isDir = stat.isDirectory();
    if (!explicit && (excluded(rel) || isIgnored(rules, rel, isDir))) return;
    if (isDir) {
      if (!explicit && (SKIPPED_FOLDERS as readonly string[]).includes(path.basename(abs))) return;
      const here = [...rules, ...gitignoreRules(abs, rel === '.' || rel === '' ? '' : rel)];
      for (const entry of fs.readdirSync(abs).sort()) visit(path.join(abs, entry), false, here);
    } else if (stat.isFile() && !skipped.has(abs) && (explicit || (isScannable(abs) && included(rel)))) {
      files.push(abs);
    }
  };
  for (const p of paths) {
    const abs = path.resolve(cwd, p);
    visit(abs, true, ancestorRules(cwd, abs));
  }
  return [...new Set(files)];
}

/** The .gitignore rules of cwd and the folders between it and a path below it. */
function ancestorRules(cwd: string, abs: string): IgnoreRule[] {
  const rel = path.relative(cwd, abs);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return [];
  const rules = gitignoreRules(cwd, '');
  const parts = rel.split(path.sep).filter(Boolean);
  for (let i = 1; i < parts.length; i++) {
    const sub = parts.slice(0, i).join('/');
    rules.push(...gitignoreRules(path.join(cwd, ...parts.slice(0, i)), sub));
  }
  return rules;
}

const CLIENT_WITH_SCHEMA = /([A-Za-z_$][\w$]*)\s*=\s*(?:await\s+)?create\w*Client\s*(?:<[^>]*>)?\s*\(([^;]*?)\bdb\s*:\s*\{[^}]*?\bschema\s*:\s*['"`]([\w$]+)['"`]/g;

/**
 * Clients created with a default schema in one file are used in others (`export const supabase = createClient(…,
 * { db: { schema: 'app' } })` in lib/supabase.ts): collect their names first, so `.from('t')` anywhere means app.t.
 */
function clientSchemasOf(texts: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const t of texts) {
    if (!t.includes('schema') || !t.includes('Client')) continue;
    for (const m of t.matchAll(CLIENT_WITH_SCHEMA)) found.set(m[1] as string, m[3] as string);
  }
  return found;
}

/** Walk files and folders and scan every source file in them. */
export async function scanPaths(paths: readonly string[], options: ScanPathsOptions = {}): Promise<ScanResult> {
  const cwd = options.cwd ?? process.cwd();
  const files = listSourceFiles(paths, options).filter((f) => isScannable(f));
  const texts: string[] = [];
  for (const file of files) {
    try {
      texts.push(await fs.promises.readFile(file, 'utf8'));
    } catch (e) {
      throw new PgsnapError('io', `cannot read ${relative(cwd, file)}: ${(e as Error).message}`);
    }
  }
  const clientSchemas = new Map([...clientSchemasOf(texts), ...(options.clientSchemas ?? [])]);
  const references: TableReference[] = [];
  files.forEach((file, i) => {
    references.push(...scanSource(texts[i] as string, relative(cwd, file), { ...(options.calls ? { calls: options.calls } : {}), clientSchemas }));
  });
  return { references, files: files.length };
}
