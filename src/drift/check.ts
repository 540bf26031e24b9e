import { DIFFERENCE_KINDS, diff } from '../catalog/diff.js';
import { renderDifference } from '../catalog/render-difference.js';
import { introspect } from '../catalog/introspect.js';
import type { CatalogModel } from '../catalog/model.js';
import { type ConnectionTarget, type Session, close, connect } from '../db/index.js';
import { type Logger, silentLogger } from '../log.js';
import type { Finding } from '../report/finding.js';
import { applyStatements } from './apply.js';
import { type DriftDifference, tableIndex } from './difference.js';
import { extensionVersionDifferences, pinnedExtensionVersions } from './extension-versions.js';
import { differencesToFindings } from './findings.js';
import { type IgnoreRules, type PlatformProfile, applyIgnoreRules } from './ignore.js';
import { PROFILES, loadProfile } from './profile.js';
import { PgsnapError, usageError } from '../errors.js';
import { type SchemaSource, readSchemaSource } from '../schema-files/source.js';
import type { SchemaStatement } from '../schema-files/statements.js';
import { type ShadowSpec, availableExtensions, missingExtensionError, openShadow, requireExtensions } from './shadow.js';
import { type BaselineSource, applyBaseline, readBaselineSource } from './baseline-apply.js';
import { liveRoles, mirrorLiveRoles, prepareApply, refuseConnectingSubscriptions, rolesCreatedBy } from './shadow-apply.js';

export interface DriftCheckOptions {
  /** the live database */
  readonly live: ConnectionTarget;
  /** directory of `*.sql` schema files (relative to cwd or absolute) */
  readonly schemaDir: string;
  readonly cwd: string;
  readonly shadow: ShadowSpec;
  readonly ignore?: IgnoreRules;
  /** platform profile name (`supabase`): also loads the platform baseline into the shadow first */
  readonly profile?: string;
  /** a SQL file with the platform's schema, applied to the shadow before the schema files (instead of reading it live) */
  readonly baselineFile?: string;
  readonly logger?: Logger;
}

interface DriftTimings {
  readonly parseMs: number;
  readonly shadowStartMs: number;
  readonly applyMs: number;
  readonly introspectLiveMs: number;
  readonly introspectShadowMs: number;
  /** diff, ignore rules and findings */
  readonly diffMs: number;
  readonly shadowStopMs: number;
  readonly totalMs: number;
}

export interface DriftCheckResult {
  readonly findings: readonly Finding[];
  /** the differences that became findings (after ignore rules) */
  readonly differences: readonly DriftDifference[];
  /** how many differences the ignore rules and the profile left out */
  readonly ignored: number;
  readonly schemaFiles: readonly string[];
  /** the schema directory as shown in output (relative to cwd) */
  readonly schemaDir: string;
  readonly shadow: string;
  readonly desired: CatalogModel;
  readonly actual: CatalogModel;
  /** the schema files as read once: statements applied, definitions located (reused by `--code`) */
  readonly source: SchemaSource;
  readonly timings: DriftTimings;
}

const since = (t: number) => Math.round(performance.now() - t);

/**
 * The drift check: apply the schema files to a shadow database, read it and the live database with the same
 * catalog queries, diff, drop what the ignore rules and profile say, and turn the rest into findings with the
 * schema file and line of each object. Never changes the live database.
 */
export async function checkDrift(options: DriftCheckOptions): Promise<DriftCheckResult> {
  const logger = options.logger ?? silentLogger;
  const t0 = performance.now();
  if (options.profile && !(PROFILES as readonly string[]).includes(options.profile)) {
    throw usageError(`unknown --profile ${JSON.stringify(options.profile)}`, `known profiles: ${PROFILES.join(', ')}`);
  }
  for (const k of options.ignore?.kinds ?? []) {
    const known = (DIFFERENCE_KINDS as readonly string[]).some((d) => d === k || d.startsWith(`${k}.`)) || k.startsWith('code.');
    if (!known) logger.warn(`drift.ignore.kinds: "${k}" is not a kind drift reports (known: ${DIFFERENCE_KINDS.join(', ')})`);
  }
  // Read and parse everything before starting a server: a syntax error (or no files at all) should cost nothing.
  const source = readSchemaSource(options.schemaDir, { cwd: options.cwd });
  const { statements } = source;
  refuseConnectingSubscriptions(statements);
  const parseMs = since(t0);

  const live = await connect(options.live, { logger, applicationName: 'pgsnap drift' });
  try {
    const major = await live.serverMajor();
    const filter = options.ignore?.schemas?.length ? { exclude: options.ignore.schemas } : {};
    // Read before the shadow starts, on this session alone (introspection changes the session's search_path).
    const baseline = await readBaselineSource(live, options, statements);
    // The shadow starts and loads while the live database is read; both finish (and clean up) before either
    // error is reported.
    let introspectLiveMs = 0;
    const [shadowSettled, liveSettled] = await Promise.allSettled([
      loadDesired(options.shadow, major, statements, live, filter, logger, baseline),
      (async () => {
        const tLive = performance.now();
        const model = await introspect(live, filter);
        introspectLiveMs = since(tLive);
        const profile: PlatformProfile | undefined = options.profile ? await loadProfile(live, options.profile) : undefined;
        return { model, profile };
      })(),
    ]);
    if (shadowSettled.status === 'rejected') throw shadowSettled.reason;
    if (liveSettled.status === 'rejected') {
      await shadowSettled.value.stopped;
      throw liveSettled.reason;
    }
    const desiredRead = shadowSettled.value;
    const { model: actual, profile } = liveSettled.value;
    const { desired } = desiredRead;

    const tDiff = performance.now();
    // findings are made here, so this is where the diff's facts become DDL text
    const all: readonly DriftDifference[] = [
      ...diff(desired, actual).map(renderDifference),
      ...extensionVersionDifferences(pinnedExtensionVersions(statements), desired, actual),
    ];
    const { kept, ignored } = applyIgnoreRules(all, { rules: options.ignore ?? {}, ...(profile ? { profile } : {}), desired, actual });
    const findings = differencesToFindings(kept, { definitions: source.definitions, tables: tableIndex(desired, actual) });
    const diffMs = since(tDiff);
    const timings: DriftTimings = {
      parseMs,
      diffMs,
      shadowStopMs: await desiredRead.stopped,
      shadowStartMs: desiredRead.startMs,
      applyMs: desiredRead.applyMs,
      introspectLiveMs,
      introspectShadowMs: desiredRead.introspectMs,
      totalMs: since(t0),
    };
    logger.debug(`drift timings (ms): ${JSON.stringify(timings)}`);
    return {
      findings,
      differences: kept,
      ignored: ignored.length,
      schemaFiles: source.files,
      schemaDir: source.sources.join(', '),
      shadow: desiredRead.description,
      desired,
      actual,
      source,
      timings,
    };
  } finally {
    await close(live);
  }
}

interface DesiredRead {
  readonly desired: CatalogModel;
  readonly description: string;
  readonly startMs: number;
  readonly applyMs: number;
  readonly introspectMs: number;
  /** resolves (to the time it took) once the shadow is gone */
  readonly stopped: Promise<number>;
}

async function loadDesired(
  spec: ShadowSpec,
  major: number,
  statements: readonly SchemaStatement[],
  live: Session,
  filter: { exclude?: readonly string[] },
  logger: Logger,
  baseline: BaselineSource | undefined,
): Promise<DesiredRead> {
  const t0 = performance.now();
  const roles = spec.kind === 'url' ? [] : await liveRoles(live);
  const shadow = await openShadow(spec, { major, logger });
  const startMs = since(t0);
  let read: Omit<DesiredRead, 'stopped'>;
  try {
    const s = await connect(shadow.target, { logger, applicationName: 'pgsnap drift shadow' });
    try {
      // The roles the files create are not mirrored: their CREATE ROLE would fail with "already exists".
      if (shadow.privateServer) await mirrorLiveRoles(s, roles, rolesCreatedBy(statements));
      const tApply = performance.now();
      const available = await availableExtensions(s);
      const skipped = baseline ? await applyBaseline(s, baseline, { available, shadow, logger }) : [];
      requireExtensions(statements, available, shadow.description);
      const prepared = await prepareApply(s, statements, { sharedServer: !shadow.privateServer, logger });
      try {
        await applyStatements(s, prepared.statements).catch((e: unknown) => {
          throw explainSkippedExtensions(e, skipped, shadow.description);
        });
        const applyMs = since(tApply);
        const tRead = performance.now();
        const desired = await introspect(s, filter);
        read = { desired, description: shadow.description, startMs, applyMs, introspectMs: since(tRead) };
      } finally {
        await prepared.cleanup();
      }
    } finally {
      await close(s);
    }
  } catch (e) {
    await shadow.dispose();
    throw e;
  }
  // Stopping the shadow (a server shutdown, a directory removed) overlaps with the diff; the caller awaits it.
  const tStop = performance.now();
  const stopped = shadow.dispose().then(
    () => since(tStop),
    (e: unknown) => {
      logger.warn(`could not remove the shadow database (${shadow.description}): ${(e as Error).message}`);
      return since(tStop);
    },
  );
  return { ...read, stopped };
}

/**
 * The server's SQLSTATEs for an object that is not there: undefined type or object (42704: `vector`), function
 * or operator (42883), table or view (42P01), schema (3F000: `graphql`). Decided by code, not by the message's
 * words, which a RAISE in the user's own file can also say (and a server with another lc_messages says otherwise).
 */
const MISSING_OBJECT = new Set(['42704', '42883', '42P01', '3F000']);

/**
 * A schema file that uses an object of a platform extension the shadow could not install (a vector column, a
 * graphql function) fails because that object does not exist: say which extension is missing and the way out.
 * Any other failure of the file is the file's own and is reported as it is.
 */
export function explainSkippedExtensions(e: unknown, skipped: readonly string[], shadow: string): unknown {
  if (skipped.length === 0 || !(e instanceof PgsnapError) || e.code !== 'schema_file' || !MISSING_OBJECT.has(e.sqlState ?? '')) return e;
  return missingExtensionError(skipped, shadow, { where: `${e.message} — `, live: true, cause: e });
}
