import type { CatalogModel } from '../catalog/model.js';

/**
 * The archive format, version 1. Documented for other programs in docs/archive-format.md; keep both in step.
 *
 * A zip file `<database>-<UTC timestamp>.zip` holding:
 *   manifest.json          this Manifest (written last, read first)
 *   schema.json            the CatalogModel of what was captured (to recreate missing tables on restore)
 *   schema.sql             the same, rendered as DDL, for humans
 *   data/<schema>.<table>.<part>.ndjson   one JSON object per row (names percent-encoded where needed)
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
 * Output settings are fixed while reading (see backup): TimeZone UTC, DateStyle ISO, IntervalStyle postgres,
 * bytea_output hex, extra_float_digits 3.
 */
export const FORMAT_NAME = 'pgsnap-archive';
export const FORMAT_VERSION = 1;

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

export interface ArchiveSchema {
  readonly model: CatalogModel;
}
