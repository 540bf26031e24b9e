import type { CatalogModel } from '../catalog/model.js';
import type { Config } from '../config.js';
import type { Finding } from '../report/finding.js';
import { type SchemaSource, readSchemaSource } from '../schema-files/source.js';
import type { ObjectVerdict } from './verdict.js';
import { judge } from './verdict.js';
import { scanPaths } from './walk.js';

export interface CheckCodeInput {
  /** files and folders of application code */
  readonly paths: readonly string[];
  /** the schema source(s) (`schemas`, `schema.sql`, `.`); ignored when `source` is given */
  readonly schemaDir?: string | readonly string[];
  /** the schema files as the caller already read them (drift check) */
  readonly source?: SchemaSource;
  /** the live database's model, for `drift check --code`; null or absent: schema files only (`pgsnap scan`) */
  readonly live?: CatalogModel | null;
  readonly config: Config;
  /** paths in references are relative to this (default: process.cwd()) */
  readonly cwd?: string;
  /** `--include` / `--exclude` globs, added to config `scan.include` / `scan.exclude` */
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
}

export interface CodeCheck {
  /** source files read */
  readonly files: number;
  /** every table the code uses (and, with a live model, live tables nothing defines or uses), with its verdict */
  readonly tables: readonly ObjectVerdict[];
  /** every function the code calls (`.rpc()`), with its verdict */
  readonly functions: readonly ObjectVerdict[];
  readonly findings: readonly Finding[];
  readonly source: SchemaSource;
}

/** The code scan end to end: read the schema files, walk the code, judge. Used by `pgsnap scan` and `drift check --code`. */
export async function checkCode(input: CheckCodeInput): Promise<CodeCheck> {
  const cwd = input.cwd ?? process.cwd();
  const scan = input.config.scan;
  const source = input.source ?? readSchemaSource(input.schemaDir ?? 'schemas', { cwd });
  // The schema files themselves are definitions, not uses — exactly those files, never every .sql in the tree.
  const result = await scanPaths(input.paths, {
    cwd,
    exclude: [...(scan?.exclude ?? []), ...(input.exclude ?? [])],
    include: [...(scan?.include ?? []), ...(input.include ?? [])],
    skipFiles: source.absoluteFiles,
    ...(scan?.calls ? { calls: scan.calls } : {}),
  });
  const judged = judge(result.references, source.definitions, input.live ?? null, {
    ignore: input.config.drift?.ignore ?? {},
    external: scan?.external ?? [],
  });
  return { files: result.files, ...judged, source };
}
