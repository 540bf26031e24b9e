import fs from 'node:fs';
import path from 'node:path';
import { ALL_OPTIONS } from './commands/options.js';
import type { OptionSpec } from './commands/spec.js';
import { type ValueType, valueProblem } from './commands/values.js';
import { PgsnapError, internalError } from './errors.js';

/**
 * Settings from `pgsnap.config.json` (or a `pgsnap` key in package.json). They set the defaults of flags; a flag
 * given on the command line always wins. The file is untrusted input: it is parsed once into this type, and
 * every problem in it is reported together. The keys and their value types are those the command specs declare
 * (src/commands/options.ts); this interface is the typed view library code reads (tests/unit/config.test.ts
 * checks the two name the same keys).
 */
export interface Config {
  readonly file: string | undefined;
  readonly url?: string;
  readonly dir?: string;
  readonly schemas?: string;
  readonly code?: readonly string[];
  /** age identity file for encrypted archives (list, verify, restore, backup --verify) */
  readonly identity?: string;
  /** an S3-compatible service for `dir: "s3://…"` (storage/s3.ts) */
  readonly s3?: { readonly endpoint?: string; readonly forcePathStyle?: boolean };
  readonly backup?: {
    readonly schema?: readonly string[];
    readonly table?: readonly string[];
    readonly exclude?: readonly string[];
    readonly jobs?: number;
    readonly failOnShrink?: boolean;
    /** percent, shared by backup's shrink guard, list and prune */
    readonly shrinkThreshold?: number;
    readonly lockWaitTimeout?: number;
    /** age recipients (age1…) or recipients files */
    readonly encryptTo?: readonly string[];
  };
  readonly restore?: { readonly onConflict?: 'nothing' | 'update'; readonly jobs?: number; readonly commitEachTable?: boolean };
  readonly prune?: {
    readonly keepLast?: number;
    readonly keepDaily?: number;
    readonly keepWeekly?: number;
    readonly keepMonthly?: number;
  };
  readonly drift?: {
    readonly shadow?: string;
    readonly profile?: string;
    /** a SQL file applied to the shadow before the schema files */
    readonly baseline?: string;
    readonly format?: string;
    readonly failOn?: 'error' | 'warning';
    readonly ignore?: {
      readonly schemas?: readonly string[];
      readonly objects?: readonly string[];
      readonly kinds?: readonly string[];
    };
  };
  readonly scan?: {
    readonly exclude?: readonly string[];
    /** globs: only matching files are scanned */
    readonly include?: readonly string[];
    /** tables and functions other systems own, used by the code but defined in no schema file: "auth.users", "graphile_worker.*" */
    readonly external?: readonly string[];
    /** extra call names whose first string argument is a table, e.g. "db.table" or "from" */
    readonly calls?: readonly string[];
  };
}

/**
 * The schema of the file, derived from the command specs: every config key some option declares, with that
 * option's value type. Two options naming one key must share one value type (checked here, at load).
 */
function configKeys(): ReadonlyMap<string, ValueType<unknown>> {
  const keys = new Map<string, ValueType<unknown>>();
  for (const options of ALL_OPTIONS) {
    for (const o of Object.values(options) as OptionSpec<unknown>[]) {
      if (!o.config) continue;
      const known = keys.get(o.config);
      if (known && known !== o.type) throw internalError(`config key ${o.config} is declared with two value types`);
      keys.set(o.config, o.type);
    }
  }
  return keys;
}

export const CONFIG_KEYS = configKeys();

/** Every problem in the file, each worded as `backup.jobs must be a whole number ≥ 1 (0 is invalid)`. */
function configProblems(raw: unknown, at = ''): string[] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return [`${at || 'the config'} must be an object`];
  const problems: string[] = [];
  for (const [k, v] of Object.entries(raw)) {
    const key = at ? `${at}.${k}` : k;
    const type = CONFIG_KEYS.get(key);
    if (type) {
      const problem = valueProblem(type, v, key);
      if (problem) problems.push(problem);
    } else if ([...CONFIG_KEYS.keys()].some((known) => known.startsWith(`${key}.`))) {
      problems.push(...configProblems(v, key));
    } else {
      problems.push(`${key} is not a known setting`);
    }
  }
  return problems;
}

export function parseConfig(raw: unknown, file: string | undefined): Config {
  const problems = configProblems(raw);
  if (problems.length > 0) {
    throw new PgsnapError('config', `${file ?? 'config'}: ${problems.join('; ')}`, {
      hint: 'see docs/configuration.md for the settings pgsnap knows',
    });
  }
  return { ...(raw as object), file } as Config;
}

export function loadConfig(cwd: string = process.cwd(), explicit?: string): Config {
  const candidates = explicit ? [path.resolve(cwd, explicit)] : [path.join(cwd, 'pgsnap.config.json')];
  for (const file of candidates) {
    if (!fs.existsSync(file)) {
      if (explicit) throw new PgsnapError('config', `config file not found: ${file}`);
      continue;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new PgsnapError('config', `${file} is not valid JSON: ${(e as Error).message}`);
    }
    return parseConfig(raw, file);
  }
  const pkg = path.join(cwd, 'package.json');
  if (fs.existsSync(pkg)) {
    try {
      const json = JSON.parse(fs.readFileSync(pkg, 'utf8')) as { pgsnap?: unknown };
      if (json.pgsnap !== undefined) return parseConfig(json.pgsnap, `${pkg} (pgsnap key)`);
    } catch (e) {
      if (e instanceof PgsnapError) throw e;
    }
  }
  return { file: undefined };
}

/**
 * loadConfig for the command line: a file that does not load is reported as problems, so the resolver can say them
 * in the same line as problems with the flags.
 */
export function readConfig(cwd: string, explicit: string | undefined): { config: Config; problems: readonly string[] } {
  try {
    return { config: loadConfig(cwd, explicit), problems: [] };
  } catch (e) {
    if (!(e instanceof PgsnapError) || e.code !== 'config') throw e;
    return { config: { file: undefined }, problems: [e.message] };
  }
}
