import { PLATFORM_SCHEMAS } from '../catalog/filter.js';
import { introspect } from '../catalog/introspect.js';
import type { Session } from '../db/index.js';
import { missingRoles, mirrorRoles } from '../db/roles.js';
import { PgsnapError } from '../errors.js';
import type { Logger } from '../log.js';
import { applyStatements } from './apply.js';
import { type PlatformBaseline, baselineRoles, fileObjects, leaveOutFileObjects, readPlatformBaseline, renderBaseline } from './baseline.js';
import { readSchemaSource } from '../schema-files/source.js';
import type { SchemaStatement } from '../schema-files/statements.js';
import type { Shadow } from './shadow.js';

/** Where the shadow's platform baseline comes from: the live database (`--profile supabase`) or a file (`--baseline`). */
export type BaselineSource =
  | { readonly kind: 'live'; readonly baseline: PlatformBaseline }
  | { readonly kind: 'file'; readonly file: string; readonly statements: readonly SchemaStatement[] };

export async function readBaselineSource(
  live: Session,
  options: { readonly profile?: string; readonly baselineFile?: string; readonly cwd: string },
  statements: readonly SchemaStatement[],
): Promise<BaselineSource | undefined> {
  if (options.baselineFile) {
    const { statements: baselineStatements } = readSchemaSource(options.baselineFile, { cwd: options.cwd });
    return { kind: 'file', file: options.baselineFile, statements: baselineStatements };
  }
  if (!options.profile) return undefined;
  const model = await introspect(live, { include: PLATFORM_SCHEMAS });
  const baseline = await readPlatformBaseline(live, model);
  return { kind: 'live', baseline: leaveOutFileObjects(baseline, fileObjects(statements.map((st) => st.ast))) };
}

/**
 * Put the baseline into the shadow before the schema files. Returns the platform extensions the shadow lacks
 * (left out of the baseline). A baseline that does not apply is not the schema files' fault: the message says so.
 */
export async function applyBaseline(
  s: Session,
  source: BaselineSource,
  ctx: { readonly available: ReadonlySet<string>; readonly shadow: Shadow; readonly logger: Logger },
): Promise<string[]> {
  if (source.kind === 'file') {
    await applyStatements(s, source.statements);
    ctx.logger.debug(`applied the platform baseline ${source.file} to the shadow`);
    return [];
  }
  if (!ctx.shadow.privateServer) await createRoles(s, baselineRoles(source.baseline), ctx.shadow.description);
  const { sql, skippedExtensions } = renderBaseline(source.baseline, ctx.available);
  if (skippedExtensions.length > 0) {
    ctx.logger.info(`the shadow (${ctx.shadow.description}) lacks the platform extension(s) ${skippedExtensions.join(', ')}: left out of the baseline, never compared`);
  }
  try {
    await s.query(sql);
  } catch (e) {
    throw new PgsnapError('schema_file', `the platform baseline read from the live database did not apply to the shadow (${ctx.shadow.description}): ${(e as Error).message}`, {
      hint: 'pass --baseline FILE with the platform schema (e.g. from pg_dump --schema-only --schema auth --schema storage …), or --shadow with a server closer to the live one',
      cause: e,
    });
  }
  ctx.logger.debug(
    `platform baseline: ${source.baseline.model.tables.length} table(s), ${source.baseline.model.functions.length} function(s), ${source.baseline.publications.length} publication(s)`,
  );
  return [...skippedExtensions];
}

/** On a shared server (--shadow URL) the platform's roles may be missing; they are cluster-wide, so create them. */
async function createRoles(s: Session, roles: readonly string[], shadow: string): Promise<void> {
  try {
    await mirrorRoles(s, roles);
  } catch (e) {
    const missing = await missingRoles(s, roles).catch(() => roles);
    throw new PgsnapError('permission', `the shadow (${shadow}) lacks the platform role(s) ${missing.join(', ')} and cannot create them: ${(e as Error).message}`, {
      hint: 'create them there once (CREATE ROLE … NOLOGIN), or connect --shadow as a role with CREATEROLE',
      cause: e,
    });
  }
}
