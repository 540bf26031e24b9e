import { option } from './spec.js';
import { listOf, oneOf, onOff, shadowPlace, tablePattern, tablePatternText, text, wholeNumber } from './values.js';

/**
 * Every option of every command, as data. This module imports nothing heavy: the config file schema is derived
 * from it (src/config.ts) without loading a single command. An option used by several commands is declared once
 * here and shared, so its flag, default and config key cannot differ between them.
 */
const texts = listOf(text);
const patterns = listOf(tablePattern);
const keepCount = wholeNumber(0);

const url = option({
  flag: '--url <url>',
  description: 'connection URL',
  type: text,
  config: 'url',
  defaultText: 'DATABASE_URL, then PG* variables and ~/.pgpass',
});
const dir = option({ flag: '--dir <dir>', description: 'directory of archives', type: text, default: 'backups', config: 'dir' });
const identity = option({
  flag: '--identity <file>',
  description: 'age identity file (AGE-SECRET-KEY-1…) to read encrypted archives (.zip.age)',
  type: text,
  config: 'identity',
});
// Set only in the config file (the AWS_* variables are the flags' place): an S3-compatible service's endpoint.
const s3 = {
  s3Endpoint: option({ description: 'endpoint URL of an S3-compatible service for s3:// dirs (else AWS_ENDPOINT_URL)', type: text, config: 's3.endpoint' }),
  s3ForcePathStyle: option({ description: 'path-style S3 addressing (default: on with a custom endpoint)', type: onOff, config: 's3.forcePathStyle' }),
};
const json = option({ flag: '--json', description: 'print one JSON document on stdout and nothing else there', type: onOff, default: false });
const fromDatabase = option({
  flag: '--from-database <name>',
  description: 'resolve latest / a date among the archives of this database',
  type: text,
  defaultText: "restore: the target's database; verify: the only database in --dir",
});
// one threshold for backup's shrink guard and prune's protection of the archive before a shrink
const shrinkThreshold = option({
  flag: '--shrink-threshold <percent>',
  description: 'a table that lost more than this share of its rows since the previous archive counts as shrunk',
  type: wholeNumber(1, 100),
  default: 50,
  config: 'backup.shrinkThreshold',
});
const progress = option({
  flag: '--progress',
  description: 'report progress off a terminal too, one line per table (on a terminal a progress bar is always shown)',
  type: onOff,
  default: false,
});
const dryRun = (description: string) => option({ flag: '--dry-run', description, type: onOff, default: false });
const schemas = option({
  flag: '--schemas <dir|file>',
  description: 'schema files: a folder of *.sql (and */migration.sql), or one file, applied in name order',
  type: text,
  default: 'schemas',
  config: 'schemas',
});
const shadow = option({
  flag: '--shadow <where>',
  description: 'where to load the schema files: embedded, docker, or a server URL',
  type: shadowPlace,
  default: 'embedded',
  config: 'drift.shadow',
});
const profile = option({
  flag: '--profile <name>',
  description: 'a platform (supabase): its baseline goes into the shadow first, what it manages is ignored',
  type: text,
  config: 'drift.profile',
  defaultText: 'supabase where supabase/config.toml exists',
});
const baseline = option({
  flag: '--baseline <file>',
  description: 'SQL applied to the shadow before the schema files (with --profile, default: read from the live database)',
  type: text,
  config: 'drift.baseline',
});
const reportFormat = oneOf(['text', 'json', 'github', 'sarif']);
const ignore = {
  ignoreSchema: option({ flag: '--ignore-schema <schema>', description: 'leave this schema out', type: texts, default: [], config: 'drift.ignore.schemas' }),
  ignoreObject: option({
    flag: '--ignore-object <pattern>',
    description: 'leave out objects matching this glob (public.legacy_*)',
    type: texts,
    default: [],
    config: 'drift.ignore.objects',
  }),
  ignoreKind: option({ flag: '--ignore-kind <kind>', description: 'leave out this kind of difference (grant, comment…)', type: texts, default: [], config: 'drift.ignore.kinds' }),
};

export const BACKUP = {
  url,
  dir,
  schema: option({ flag: '--schema <schema>', description: 'only tables in this schema', type: texts, default: [], config: 'backup.schema' }),
  table: option({ flag: '--table <pattern>', description: 'only tables matching schema.table, table or a glob', type: patterns, default: [], config: 'backup.table' }),
  exclude: option({ flag: '--exclude <pattern>', description: 'leave out tables matching this pattern', type: patterns, default: [], config: 'backup.exclude' }),
  jobs: option({ flag: '--jobs <n>', description: 'read tables on N connections sharing one snapshot', type: wholeNumber(1), default: 1, config: 'backup.jobs' }),
  lockWaitTimeout: option({
    flag: '--lock-wait-timeout <seconds>',
    description: "fail, naming the table, when a table's lock is not granted within this many seconds (like pg_dump); nothing is written",
    type: wholeNumber(1),
    defaultText: 'wait as long as it takes',
    config: 'backup.lockWaitTimeout',
  }),
  verify: option({ flag: '--verify', description: 'check the written archive before reporting success', type: onOff, default: false }),
  failOnShrink: option({
    flag: '--fail-on-shrink',
    description: 'exit 1 when a table shrank since the previous archive (the archive is kept)',
    type: onOff,
    default: false,
    config: 'backup.failOnShrink',
  }),
  shrinkThreshold,
  progress,
  encryptTo: option({
    flag: '--encrypt-to <recipient>',
    description: 'encrypt the archive with age to this public key (age1…) or recipients file; repeatable',
    type: texts,
    default: [],
    config: 'backup.encryptTo',
  }),
  identity,
  ...s3,
  json,
};

export const LIST = { dir, shrinkThreshold, identity, ...s3, json };

export const VERIFY = {
  dir,
  fromDatabase,
  restoreTest: option({ flag: '--restore-test', description: 'restore into a throwaway embedded PostgreSQL and compare with the manifest', type: onOff, default: false }),
  progress,
  identity,
  ...s3,
  json,
};

export const RESTORE = {
  url,
  dir,
  fromDatabase,
  table: option({ flag: '--table <pattern>', description: 'only tables matching schema.table, table or a glob', type: listOf(tablePatternText), default: [] }),
  schema: option({ flag: '--schema <schema>', description: 'only tables in this schema (with --table: either)', type: texts, default: [] }),
  exclude: option({ flag: '--exclude <pattern>', description: 'leave out tables matching this pattern (wins over --table, --schema)', type: listOf(tablePatternText), default: [] }),
  onConflict: option({
    flag: '--on-conflict <mode>',
    description: 'rows whose key exists: leave them (nothing) or overwrite them (update)',
    type: oneOf(['nothing', 'update']),
    default: 'nothing',
    config: 'restore.onConflict',
  }),
  createMissing: option({ flag: '--create-missing', description: 'create tables missing from the target from the archived schema', type: onOff, default: false }),
  where: option({ flag: '--where <filter>', description: "only archived rows matching 'schema.table: condition'", type: texts, default: [] }),
  withDependents: option({ flag: '--with-dependents', description: 'with --where: also the archived rows referencing them through foreign keys', type: onOff, default: false }),
  jobs: option({
    flag: '--jobs <n>',
    description: 'decode the next N-1 tables of the archive while one loads; with --commit-each-table, write on N connections',
    type: wholeNumber(1),
    default: 1,
    config: 'restore.jobs',
  }),
  commitEachTable: option({
    flag: '--commit-each-table',
    description: 'commit each table (a foreign-key cycle: its tables) on its own, with --jobs N on N connections; not all or nothing',
    type: onOff,
    default: false,
    config: 'restore.commitEachTable',
  }),
  dryRun: dryRun('report what would be inserted, skipped and updated; change nothing'),
  progress,
  identity,
  ...s3,
  json,
};

export const SHOW = { dir, fromDatabase, json };

export const EXTRACT = {
  dir,
  fromDatabase,
  format: option({
    flag: '--format <format>',
    description: 'csv (as COPY … WITH CSV HEADER writes it), ndjson (the archive lines) or sql (INSERT statements)',
    type: oneOf(['csv', 'ndjson', 'sql']),
    default: 'csv',
  }),
};

export const DIFF = {
  url: option({ flag: '--url <url>', description: 'compare with this live database instead of a second archive', type: text }),
  dir,
  fromDatabase,
  limit: option({ flag: '--limit <n>', description: 'rows shown per table and kind of difference', type: wholeNumber(0), default: 20 }),
  json,
};

export const PRUNE = {
  dir,
  keepLast: option({ flag: '--keep-last <n>', description: 'keep the N newest archives', type: wholeNumber(1), config: 'prune.keepLast', group: 'keep' }),
  keepDaily: option({ flag: '--keep-daily <n>', description: 'keep the newest archive of each of the last N days', type: keepCount, config: 'prune.keepDaily', group: 'keep' }),
  keepWeekly: option({ flag: '--keep-weekly <n>', description: 'keep the newest archive of each of the last N weeks', type: keepCount, config: 'prune.keepWeekly', group: 'keep' }),
  keepMonthly: option({ flag: '--keep-monthly <n>', description: 'keep the newest archive of each of the last N months', type: keepCount, config: 'prune.keepMonthly', group: 'keep' }),
  forgetShrink: option({
    flag: '--forget-shrink <pattern>',
    description: 'a shrink of these tables was meant: stop keeping the archive from before it',
    type: patterns,
    default: [],
  }),
  shrinkThreshold,
  dryRun: dryRun('list what would be deleted; delete nothing'),
  identity,
  ...s3,
  json,
};

export const DRIFT_CHECK = {
  url,
  schemas,
  code: option({ flag: '--code <path>', description: 'also scan application code for the tables it uses', type: texts, default: [], config: 'code' }),
  shadow,
  format: option({ flag: '--format <format>', description: 'output format (--json means json)', type: reportFormat, default: 'text', config: 'drift.format' }),
  failOn: option({
    flag: '--fail-on <severity>',
    description: 'exit 1 for findings of this severity or worse (error: warnings are reported but pass)',
    type: oneOf(['error', 'warning']),
    default: 'warning',
    config: 'drift.failOn',
  }),
  profile,
  baseline,
  ...ignore,
  json,
};

export const DRIFT_PULL = { url, schemas, shadow, profile, baseline, ...ignore, json };

const lockTimeout = option({
  flag: '--lock-timeout <seconds>',
  description: 'when applying: give up (changing nothing) after waiting this long for a lock',
  type: wholeNumber(1, 3600),
  default: 5,
});

export const DRIFT_PLAN = {
  url,
  schemas,
  shadow,
  profile,
  baseline,
  ...ignore,
  out: option({ flag: '--out <file>', description: 'write the plan to this file (what drift apply runs) instead of stdout', type: text }),
  allowDataLoss: option({
    flag: '--allow-data-loss',
    description: 'include statements that drop tables, columns or enum values, or narrow a type',
    type: onOff,
    default: false,
  }),
  apply: option({ flag: '--apply', description: 'run the plan on the live database right away, if it was proven', type: onOff, default: false }),
  lockTimeout,
  json,
};

export const DRIFT_APPLY = { url, lockTimeout, json };

export const SCAN = {
  schemas,
  format: option({ flag: '--format <format>', description: 'output format (--json means json)', type: reportFormat, default: 'text' }),
  json,
  // Set only in the config file: the paths to scan when none are named, and what the scanner skips or also reads.
  code: option({ description: 'paths to scan when none are given', type: texts, default: ['.'], config: 'code' }),
  exclude: option({ flag: '--exclude <glob>', description: 'leave out files or folders matching this glob', type: texts, default: [], config: 'scan.exclude' }),
  include: option({ flag: '--include <glob>', description: 'scan only files matching this glob', type: texts, default: [], config: 'scan.include' }),
  external: option({ description: 'tables and functions other systems own ("auth.users", "graphile_worker.*")', type: texts, default: [], config: 'scan.external' }),
  calls: option({ description: 'extra call names whose first string argument is a table ("db.table")', type: texts, default: [], config: 'scan.calls' }),
};

export const TYPES = {
  url,
  fromSchemas: option({ flag: '--from-schemas <dir>', description: 'read the schema files (through a shadow database) instead of the live database', type: text }),
  shadow,
  out: option({ flag: '--out <file>', description: 'write here instead of stdout', type: text }),
  schema: option({ flag: '--schema <name>', description: 'only this schema', type: texts, default: [], defaultText: 'every schema with tables; public with --format supabase' }),
  format: option({
    flag: '--format <format>',
    description: "pgsnap: record and insert types and a Tables index; supabase: the Database type supabase-js's createClient<Database>() takes; kysely: a DB interface with Generated/GeneratedAlways columns for Kysely",
    type: oneOf(['pgsnap', 'supabase', 'kysely']),
    default: 'pgsnap',
  }),
};

export const DEMO = {
  pg: option({ flag: '--pg <major>', description: 'embedded PostgreSQL major version (14 to 18)', type: wholeNumber(14, 18) }),
};

/** For the config file schema: every option set, in the order of `pgsnap --help`. */
export const ALL_OPTIONS = [BACKUP, LIST, VERIFY, SHOW, EXTRACT, DIFF, RESTORE, PRUNE, DRIFT_CHECK, DRIFT_PULL, DRIFT_PLAN, DRIFT_APPLY, SCAN, TYPES, DEMO] as const;
