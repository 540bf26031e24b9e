import type { CatalogModel } from '../catalog/model.js';
import type { PgsnapError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Progress } from '../report/progress.js';
import type { OnConflict } from './plan.js';
import type { RestoreReport } from './report.js';

/**
 * How rows are sent to the server: `auto` binary COPY for tables of a few hundred kilobytes and more whose column
 * types allow it (lookahead.ts decodeFor), `binary` that for every table that allows it, `text` never.
 */
export type CopyFormat = 'auto' | 'binary' | 'text';

/** What restore is asked to do (restore.ts, and per-table.ts with commitEachTable). */
export interface RestoreOptions {
  readonly onConflict: OnConflict;
  /** table patterns (schema.table, table, globs); none means every table in the archive */
  readonly tables: readonly string[];
  /** --exclude: table patterns left out (wins over tables and schemas) */
  readonly exclude?: readonly string[];
  /** --schema: every archived table of these schemas (besides those `tables` selects) */
  readonly schemas?: readonly string[];
  readonly createMissing: boolean;
  /** --where 'schema.table: condition' (repeatable): only the archived rows that match */
  readonly where?: readonly string[];
  /** --with-dependents: also the archived rows that reference selected rows through foreign keys, transitively */
  readonly withDependents?: boolean;
  readonly dryRun: boolean;
  readonly logger: Logger;
  /**
   * --jobs N: decode the next N - 1 tables' archive entries while one is loaded (lookahead.ts). The rows are
   * still written on one connection in one transaction: all or nothing, in foreign-key order.
   */
  readonly jobs?: number;
  /**
   * --commit-each-table: each table (a foreign-key cycle's tables together) in its own transaction, committed on its
   * own, and with `jobs` N up to N of them at once on N connections (per-table.ts). Gives up all or nothing.
   */
  readonly commitEachTable?: boolean;
  /** how long to wait for a table lock before giving up with nothing changed (default 10 s) */
  readonly lockTimeoutMs?: number;
  /** creates the DDL for `names` from the archived model (catalog/render.ts renderForTables) */
  readonly renderTables?: (model: CatalogModel, names: readonly string[]) => string;
  /** told about each table as it is loaded (report/progress.ts) */
  readonly progress?: Progress;
  /** PGSNAP_COPY_BINARY: 0 → text, all → binary, unset → auto */
  readonly copyFormat?: CopyFormat;
}

export interface RestoreOutcome {
  readonly report: RestoreReport;
  /** set when the restore failed after it started changing things (all rolled back; with commitEachTable, what was not committed) */
  readonly failure?: PgsnapError;
}

