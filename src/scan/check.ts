import path from 'node:path';
import type { CatalogModel } from '../catalog/model.js';
import type { Config } from '../config.js';
import type { Finding } from '../report/finding.js';
import { type SchemaDefinitions, loadSchemaDefinitions } from './definitions.js';
import type { ObjectVerdict } from './verdict.js';
import { judge } from './verdict.js';
import { scanPaths } from './walk.js';

export interface CheckCodeInput {
  /** files and folders of application code */
  readonly paths: readonly string[];
  /** the folder of schema files (`schemas`) */
  readonly schemaDir: string;
  /** the live database's model, for `drift check --code`; null or absent: schema files only (`pgsnap scan`) */
  readonly live?: CatalogModel | null;
  readonly config: Config;
  /** paths in references are relative to this (default: process.cwd()) */
  readonly cwd?: string;
  /** schema definitions the caller already loaded (otherwise read from schemaDir) */
  readonly definitions?: SchemaDefinitions;
}

export interface CodeCheck {
  /** source files read */
  readonly files: number;
  /** every table the code uses (and, with a live model, live tables nothing defines or uses), with its verdict */
  readonly tables: readonly ObjectVerdict[];
  /** every function the code calls (`.rpc()`), with its verdict */
  readonly functions: readonly ObjectVerdict[];
  readonly findings: readonly Finding[];
}

function schemaGlob(cwd: string, dir: string): string {
  const rel = path.relative(cwd, path.resolve(cwd, dir)).split(path.sep).join('/');
  return rel === '' ? '*.sql' : `${rel}/*.sql`;
}

/** The code scan end to end: walk the code, read the schema files, judge. Used by `pgsnap scan` and `drift check --code`. */
export async function checkCode(input: CheckCodeInput): Promise<CodeCheck> {
  const cwd = input.cwd ?? process.cwd();
  const scan = input.config.scan;
  const [defs, result] = await Promise.all([
    input.definitions ?? loadSchemaDefinitions(input.schemaDir, { cwd }),
    // the schema files are definitions, not uses, when the scan covers the folder that holds them
    scanPaths(input.paths, { cwd, exclude: [...(scan?.exclude ?? []), schemaGlob(cwd, input.schemaDir)], ...(scan?.calls ? { calls: scan.calls } : {}) }),
  ]);
  const judged = judge(result.references, defs, input.live ?? null, { ignoreSchemas: input.config.drift?.ignore?.schemas ?? [] });
  return { files: result.files, ...judged };
}
