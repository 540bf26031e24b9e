import { PgsnapError } from '../errors.js';
import { pairKey, tableLabel } from './table-id.js';
import {
  type ArchivedColumn,
  type ArchivedEntry,
  type ArchivedSequence,
  type ArchivedTable,
  FORMAT_NAME,
  FORMAT_VERSION,
  type Manifest,
  isSafeEntryName,
  OUTPUT_SETTINGS,
} from './format.js';

/**
 * An archive is untrusted input: a manifest is parsed once into the Manifest type, field by field. Table and
 * column names are data (they may hold quotes, dots or SQL): they only have to be strings, and code that puts
 * them into SQL quotes them. Everything else that is wrong is collected and reported together.
 */
export function parseManifest(raw: unknown, source: string): Manifest {
  if (!isObject(raw)) throw corrupt(source, ['the manifest is not a JSON object']);
  if (raw.format !== FORMAT_NAME) {
    throw new PgsnapError('archive_foreign', `${source} is not a pgsnap archive (manifest format ${JSON.stringify(raw.format)})`, {
      hint: 'pass an archive written by pgsnap backup',
    });
  }
  if (typeof raw.formatVersion === 'number' && Number.isInteger(raw.formatVersion) && raw.formatVersion > FORMAT_VERSION) {
    throw new PgsnapError('archive_version', `${source} uses archive format ${raw.formatVersion}; this pgsnap reads up to ${FORMAT_VERSION}`, {
      hint: 'upgrade pgsnap to read this archive',
    });
  }
  const c = new Checker();
  const manifest: Manifest = {
    format: FORMAT_NAME,
    formatVersion: c.int(raw.formatVersion, 'formatVersion', 1),
    toolVersion: c.str(raw.toolVersion, 'toolVersion'),
    database: c.str(raw.database, 'database'),
    server: c.obj(raw.server, 'server', (s, at) => ({ version: c.str(s.version, `${at}.version`), major: c.int(s.major, `${at}.major`, 0) })),
    startedAt: c.time(raw.startedAt, 'startedAt'),
    finishedAt: c.time(raw.finishedAt, 'finishedAt'),
    snapshotId: raw.snapshotId === null ? null : c.str(raw.snapshotId, 'snapshotId'),
    tables: c.list(raw.tables, 'tables', (t, at) => table(c, t, at)),
    sequences: c.list(raw.sequences, 'sequences', (s, at) => sequence(c, s, at)),
    schemaSha256: c.sha(raw.schemaSha256, 'schemaSha256'),
    ...(raw.schemaSqlSha256 === undefined ? {} : { schemaSqlSha256: c.sha(raw.schemaSqlSha256, 'schemaSqlSha256') }),
    settings: raw.settings === undefined ? OUTPUT_SETTINGS : c.obj(raw.settings, 'settings', (s, at) => {
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(s)) out[k] = c.str(v, `${at}.${k}`);
      return out;
    }),
  };
  // Values were printed under these settings and restore feeds them back under pgsnap's own: any other setting
  // (a time zone, lc_monetary) would be read back as a different value.
  for (const [k, v] of Object.entries(manifest.settings ?? {})) {
    if (OUTPUT_SETTINGS[k] === undefined) c.errors.push(`settings.${k} is not a setting pgsnap prints values under`);
    else if (OUTPUT_SETTINGS[k] !== v) c.errors.push(`settings.${k} is ${JSON.stringify(v)}; pgsnap reads values printed under ${JSON.stringify(OUTPUT_SETTINGS[k])}`);
  }
  // a table or sequence listed twice would be restored twice (and sent restore's ordering round in circles)
  const once = (kind: string, list: readonly { schema: string; name: string }[]) => {
    const seen = new Set<string>();
    for (const o of list) {
      const key = pairKey(o);
      if (seen.has(key)) c.errors.push(`${kind} ${tableLabel(o)} is listed twice`);
      seen.add(key);
    }
  };
  once('table', manifest.tables);
  once('sequence', manifest.sequences);
  const names = new Set<string>();
  for (const t of manifest.tables) {
    for (const e of t.entries) {
      if (names.has(e.name)) c.errors.push(`entry ${JSON.stringify(e.name)} is listed twice`);
      names.add(e.name);
    }
  }
  if (c.errors.length > 0) throw corrupt(source, c.errors);
  return manifest;
}

function table(c: Checker, t: Record<string, unknown>, at: string): ArchivedTable {
  const entries = c.list(t.entries, `${at}.entries`, (e, eat) => entry(c, e, eat));
  const rows = c.int(t.rows, `${at}.rows`, 0);
  const sum = entries.reduce((n, e) => n + e.rows, 0);
  if (entries.length > 0 && sum !== rows) c.errors.push(`${at}.rows is ${rows} but its entries hold ${sum}`);
  return {
    schema: c.str(t.schema, `${at}.schema`),
    name: c.str(t.name, `${at}.name`),
    partitioned: t.partitioned === undefined ? false : c.bool(t.partitioned, `${at}.partitioned`),
    columns: c.list(t.columns, `${at}.columns`, (col, cat) => column(c, col, cat)),
    key:
      t.key === null
        ? null
        : c.obj(t.key, `${at}.key`, (k, kat) => ({
            kind: c.oneOf(k.kind, `${kat}.kind`, ['primary', 'unique'] as const),
            name: c.str(k.name, `${kat}.name`),
            columns: c.list(k.columns, `${kat}.columns`, undefined, (v, vat) => c.str(v, vat)),
          })),
    rows,
    entries,
    fingerprint: c.match(t.fingerprint, `${at}.fingerprint`, /^[0-9a-f]{16}$/),
  };
}

function column(c: Checker, col: Record<string, unknown>, at: string): ArchivedColumn {
  return {
    name: c.str(col.name, `${at}.name`),
    type: c.str(col.type, `${at}.type`),
    notNull: c.bool(col.notNull, `${at}.notNull`),
    identity: col.identity === null ? null : c.oneOf(col.identity, `${at}.identity`, ['always', 'by default'] as const),
  };
}

function entry(c: Checker, e: Record<string, unknown>, at: string): ArchivedEntry {
  const name = c.str(e.name, `${at}.name`);
  if (!isSafeEntryName(name) || !name.startsWith('data/')) c.errors.push(`${at}.name ${JSON.stringify(name)} is not a data/ entry`);
  return { name, rows: c.int(e.rows, `${at}.rows`, 0), bytes: c.int(e.bytes, `${at}.bytes`, 0), sha256: c.sha(e.sha256, `${at}.sha256`) };
}

function sequence(c: Checker, s: Record<string, unknown>, at: string): ArchivedSequence {
  return {
    schema: c.str(s.schema, `${at}.schema`),
    name: c.str(s.name, `${at}.name`),
    value: c.int8(s.value, `${at}.value`),
    isCalled: c.bool(s.isCalled, `${at}.isCalled`),
  };
}

function corrupt(source: string, errors: readonly string[]): PgsnapError {
  const shown = errors.slice(0, 5).join('; ') + (errors.length > 5 ? `; and ${errors.length - 5} more` : '');
  return new PgsnapError('archive_corrupt', `${source} has a malformed manifest: ${shown}`, {
    hint: 'the archive is damaged or was not written by pgsnap; use another archive',
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Collects every problem; returns a placeholder of the right type so that checking goes on. */
class Checker {
  readonly errors: string[] = [];

  str(v: unknown, at: string): string {
    if (typeof v === 'string') return v;
    this.errors.push(`${at} must be a string`);
    return '';
  }

  bool(v: unknown, at: string): boolean {
    if (typeof v === 'boolean') return v;
    this.errors.push(`${at} must be true or false`);
    return false;
  }

  int(v: unknown, at: string, min: number): number {
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= min) return v;
    this.errors.push(`${at} must be a whole number ≥ ${min}`);
    return min;
  }

  match(v: unknown, at: string, re: RegExp): string {
    if (typeof v === 'string' && re.test(v)) return v;
    this.errors.push(`${at} is malformed`);
    return '';
  }

  /** a bigint as text, within int8 (every sequence type's range lies inside it) */
  int8(v: unknown, at: string): string {
    const text = this.match(v, at, /^-?\d{1,19}$/);
    if (text !== '' && (BigInt(text) > 9223372036854775807n || BigInt(text) < -9223372036854775808n)) {
      this.errors.push(`${at} ${text} is outside bigint`);
    }
    return text;
  }

  sha(v: unknown, at: string): string {
    return this.match(v, at, /^[0-9a-f]{64}$/);
  }

  time(v: unknown, at: string): string {
    if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return v;
    this.errors.push(`${at} must be an ISO timestamp`);
    return '';
  }

  oneOf<T extends string>(v: unknown, at: string, allowed: readonly T[]): T {
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
    this.errors.push(`${at} must be one of ${allowed.join(', ')}`);
    return allowed[0] as T;
  }

  obj<T>(v: unknown, at: string, fn: (o: Record<string, unknown>, at: string) => T): T {
    if (isObject(v)) return fn(v, at);
    this.errors.push(`${at} must be an object`);
    return fn({}, at);
  }

  list<T>(
    v: unknown,
    at: string,
    ofObjects?: (o: Record<string, unknown>, at: string) => T,
    ofValues?: (v: unknown, at: string) => T,
  ): T[] {
    if (!Array.isArray(v)) {
      this.errors.push(`${at} must be a list`);
      return [];
    }
    return v.map((item, i) => {
      const iat = `${at}[${i}]`;
      if (ofValues) return ofValues(item, iat);
      return this.obj(item, iat, ofObjects as (o: Record<string, unknown>, at: string) => T);
    });
  }
}
