
/**
 * The archive format, version 1. Documented for other programs in docs/archive-format.md; keep both in step.
 *
 * A zip file `<database>-<UTC timestamp>.zip` holding:
 *   manifest.json          this Manifest (written last, read first)
 *   schema.json            the CatalogModel of what was captured (to recreate missing tables on restore)
 *   schema.sql             the same, rendered as DDL, for humans (only when a renderer is available)
 *   data/<schema>.<table>.<part>.ndjson   one JSON object per row; see `entryName` for the spelling
 *
 * Row encoding, chosen so that any JSON parser (JavaScript's included) reads every value without loss:
 *   SQL NULL                          → null
 *   boolean                           → true / false
 *   smallint, integer                 → JSON number
 *   every other type                  → a JSON string holding PostgreSQL's own text output for the value
 *                                       (int8 and numeric keep every digit; NaN, ±Infinity, 'infinity'
 *                                       timestamps, BC dates, bytea as \x…, arrays, ranges, composites all
 *                                       round-trip through the type's input function)
 *   json / jsonb                      → a JSON string holding the document text, so a JSON `null` document is
 *                                       "null" while SQL NULL is null, and json keeps its spacing and duplicate
 *                                       keys (read it with jq's `fromjson`)
 * Output settings are fixed while reading (OUTPUT_SETTINGS, also recorded in the manifest): a reader that feeds
 * values back to PostgreSQL sets the same ones, because money, intervals and dates are printed and parsed
 * according to them.
 */
export const FORMAT_NAME = 'pgsnap-archive';
export const FORMAT_VERSION = 1;

export const MANIFEST_ENTRY = 'manifest.json';
export const SCHEMA_JSON_ENTRY = 'schema.json';
export const SCHEMA_SQL_ENTRY = 'schema.sql';
/** sha256 (hex) of the manifest.json entry's bytes, written right after it: an edited or damaged manifest shows */
export const MANIFEST_SHA_ENTRY = 'manifest.sha256';
const DATA_DIR = 'data/';

/**
 * Session settings while rows are read. `lc_monetary = C` because money's text output follows the locale
 * (`1.234,56 €` under de_DE would not parse back elsewhere); `search_path = pg_catalog` so that reg* values
 * (regclass, regproc…) print schema-qualified.
 */
export const OUTPUT_SETTINGS: Readonly<Record<string, string>> = Object.freeze({
  TimeZone: 'UTC',
  DateStyle: 'ISO, YMD',
  IntervalStyle: 'postgres',
  bytea_output: 'hex',
  extra_float_digits: '3',
  lc_monetary: 'C',
  search_path: 'pg_catalog',
});

/**
 * `data/<schema>.<table>.<part>.ndjson`, part numbered from 1 and zero-padded to 4 digits. Schema and table
 * names are percent-encoded (UTF-8) except for ASCII letters, digits, `_` and `-`, so a name holding `.`, `/`,
 * spaces or quotes can neither climb out of `data/` nor be confused with the separators.
 */
export function entryName(schema: string, table: string, part: number): string {
  return `${DATA_DIR}${encodeNamePart(schema)}.${encodeNamePart(table)}.${String(part).padStart(4, '0')}.ndjson`;
}

export function encodeNamePart(name: string): string {
  let out = '';
  for (const byte of Buffer.from(name, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9_-]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** True for names a reader may extract: relative, no `..` segment, no backslash, no NUL, no drive letter. */
export function isSafeEntryName(name: string): boolean {
  if (name.length === 0 || name.length > 4096) return false;
  if (name.startsWith('/') || name.includes('\\') || name.includes('\0') || /^[A-Za-z]:/.test(name)) return false;
  return !name.split('/').some((segment) => segment === '..' || segment === '.');
}

export interface Manifest {
  readonly format: typeof FORMAT_NAME;
  readonly formatVersion: number;
  readonly toolVersion: string;
  readonly database: string;
  readonly server: { readonly version: string; readonly major: number };
  readonly startedAt: string;
  readonly finishedAt: string;
  /** the exported snapshot every table was read in */
  readonly snapshotId: string | null;
  readonly tables: readonly ArchivedTable[];
  readonly sequences: readonly ArchivedSequence[];
  /** sha256 of the schema.json entry */
  readonly schemaSha256: string;
  /** sha256 of the schema.sql entry, when there is one (archives before this field have none) */
  readonly schemaSqlSha256?: string;
  /**
   * the session settings values were printed under (OUTPUT_SETTINGS); set them before feeding values back.
   * Always written; a reader treats a missing one as OUTPUT_SETTINGS.
   */
  readonly settings?: Readonly<Record<string, string>>;
}

export interface ArchivedColumn {
  readonly name: string;
  /** format_type, e.g. `numeric(12,2)`, `public.project_status`, `text[]` */
  readonly type: string;
  readonly notNull: boolean;
  readonly identity: 'always' | 'by default' | null;
}

export interface ArchivedTable {
  readonly schema: string;
  readonly name: string;
  /**
   * a partitioned table: its rows were read through the parent (all partitions), never per partition.
   * Always written; missing means false.
   */
  readonly partitioned?: boolean;
  /** the columns stored in each row, in this order (generated columns are not stored) */
  readonly columns: readonly ArchivedColumn[];
  /** the columns that identify a row: primary key, else a unique constraint over NOT NULL columns, else none */
  readonly key: { readonly kind: 'primary' | 'unique'; readonly name: string; readonly columns: readonly string[] } | null;
  readonly rows: number;
  readonly entries: readonly ArchivedEntry[];
  /** order-independent fingerprint of the rows (see archive/fingerprint.ts), for restore drills */
  readonly fingerprint: string;
}

export interface ArchivedEntry {
  readonly name: string;
  readonly rows: number;
  /** uncompressed bytes */
  readonly bytes: number;
  readonly sha256: string;
}

export interface ArchivedSequence {
  readonly schema: string;
  readonly name: string;
  /** last_value as text (int8 range) */
  readonly value: string;
  readonly isCalled: boolean;
}
