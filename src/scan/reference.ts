/**
 * What the code scan finds: one place in the application's source that uses a table, a function or a column.
 * Plain readonly data; `scanSource` produces them, `checkCode` judges them against the schema files.
 */
export type ReferenceKind = 'table' | 'function' | 'column';

export interface TableReference {
  readonly kind: ReferenceKind;
  /** the schema the code names (`.schema('s')`, `s.t` in SQL); absent when unqualified (resolves to public) */
  readonly schema?: string;
  /** the table or function name; for a column, the column name */
  readonly name: string;
  /** for a column: the table it belongs to (its schema is `schema`) */
  readonly table?: string;
  /** path as given to the scanner (relative to the working directory, forward slashes) */
  readonly file: string;
  /** 1-based */
  readonly line: number;
  /** 1-based, in UTF-16 code units like editors count */
  readonly column: number;
  /** how the code reaches it: `.from()`, `knex()`, `selectFrom()`, `pgTable()`, `postgres_changes`, `.rpc()`, `sql` … */
  readonly via: string;
  /** true when the code defines the table (drizzle `pgTable`) rather than querying it */
  readonly definition?: boolean;
}

export interface ScanOptions {
  /** extra call patterns whose first string argument is a table: `db.table`, `from` (config `scan.calls`) */
  readonly calls?: readonly string[];
  /** clients created elsewhere with a default schema (`createClient(url, key, { db: { schema } })`): name → schema */
  readonly clientSchemas?: ReadonlyMap<string, string>;
}
