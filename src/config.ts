import fs from 'node:fs';
import path from 'node:path';
import { PgsnapError } from './errors.js';

/**
 * Settings from `pgsnap.config.json` (or a `pgsnap` key in package.json). They set the defaults of flags; a flag
 * given on the command line always wins. The file is untrusted input: it is parsed once into this type, and
 * every problem in it is reported together.
 */
export interface Config {
  readonly file: string | undefined;
  readonly url?: string;
  readonly dir?: string;
  readonly schemas?: string;
  readonly code?: readonly string[];
  readonly backup?: {
    readonly schema?: readonly string[];
    readonly table?: readonly string[];
    readonly exclude?: readonly string[];
    readonly jobs?: number;
  };
  readonly restore?: { readonly onConflict?: 'nothing' | 'update' };
  readonly prune?: {
    readonly keepLast?: number;
    readonly keepDaily?: number;
    readonly keepWeekly?: number;
    readonly keepMonthly?: number;
  };
  readonly drift?: {
    readonly shadow?: string;
    readonly profile?: string;
    readonly format?: string;
    readonly ignore?: {
      readonly schemas?: readonly string[];
      readonly objects?: readonly string[];
      readonly kinds?: readonly string[];
    };
  };
  readonly scan?: {
    readonly exclude?: readonly string[];
    /** extra call names whose first string argument is a table, e.g. "db.table" or "from" */
    readonly calls?: readonly string[];
  };
}

type Shape = 'string' | 'number' | 'strings' | { [key: string]: Shape } | { enum: readonly string[] };

const SHAPE: { [key: string]: Shape } = {
  url: 'string',
  dir: 'string',
  schemas: 'string',
  code: 'strings',
  backup: { schema: 'strings', table: 'strings', exclude: 'strings', jobs: 'number' },
  restore: { onConflict: { enum: ['nothing', 'update'] } },
  prune: { keepLast: 'number', keepDaily: 'number', keepWeekly: 'number', keepMonthly: 'number' },
  drift: {
    shadow: 'string',
    profile: 'string',
    format: { enum: ['text', 'json', 'github', 'sarif'] },
    ignore: { schemas: 'strings', objects: 'strings', kinds: 'strings' },
  },
  scan: { exclude: 'strings', calls: 'strings' },
};

function check(value: unknown, shape: Shape, at: string, errors: string[]): void {
  if (shape === 'string') {
    if (typeof value !== 'string') errors.push(`${at} must be a string`);
  } else if (shape === 'number') {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) errors.push(`${at} must be a whole number ≥ 0`);
  } else if (shape === 'strings') {
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) errors.push(`${at} must be a list of strings`);
  } else if ('enum' in shape && Array.isArray(shape.enum)) {
    if (typeof value !== 'string' || !shape.enum.includes(value)) errors.push(`${at} must be one of ${shape.enum.join(', ')}`);
  } else {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      errors.push(`${at} must be an object`);
      return;
    }
    const fields = shape as { [key: string]: Shape };
    for (const [k, v] of Object.entries(value)) {
      const sub = fields[k];
      if (sub === undefined) errors.push(`${at ? `${at}.` : ''}${k} is not a known setting`);
      else check(v, sub, at ? `${at}.${k}` : k, errors);
    }
  }
}

export function parseConfig(raw: unknown, file: string | undefined): Config {
  const errors: string[] = [];
  check(raw, SHAPE, '', errors);
  if (errors.length > 0) {
    throw new PgsnapError('config', `${file ?? 'config'}: ${errors.join('; ')}`, {
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
