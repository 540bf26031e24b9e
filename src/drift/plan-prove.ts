import { diff } from '../catalog/diff.js';
import { renderDifference } from '../catalog/render-difference.js';
import { introspect } from '../catalog/introspect.js';
import type { CatalogModel } from '../catalog/model.js';
import { renderModel } from '../catalog/render.js';
import { type Session, close, connect, withTransaction } from '../db/index.js';
import { PgsnapError } from '../errors.js';
import { type Logger, silentLogger } from '../log.js';
import { codePointToIndex, lineIndex } from '../position.js';
import { mirrorRoles } from '../db/roles.js';
import type { DriftDifference } from './difference.js';

/** What names a difference: which object, what kind, which way (its sides do not). */
type DifferenceIdentity = Pick<DriftDifference, 'kind' | 'change' | 'object'>;
import { type ShadowSpec, openShadow } from './shadow.js';

/**
 * The proof of a plan: build a copy of the live schema in a shadow database (the live model rendered by the
 * catalog renderer), check the copy reads back as the live model, run the plan there exactly as `drift apply`
 * would (one transaction), read the result and diff it against the schema files' model again. Proven only
 * when nothing is left; otherwise what is left is the answer.
 */
export interface PlanProof {
  readonly proven: boolean;
  /** differences between the schema files and the shadow after the plan ran */
  readonly remaining: readonly DriftDifference[];
  /** the plan failed in the shadow: PostgreSQL's message and the plan line */
  readonly error?: string;
  /** differences between the live model and its shadow copy (a copy pgsnap could not make faithfully) */
  readonly copyDifferences: readonly DriftDifference[];
  readonly shadow: string;
}

export interface ProveOptions {
  readonly shadow: ShadowSpec;
  readonly roles: readonly string[];
  readonly exclude: readonly string[];
  /** differences the ignore rules left out of the check: left out of the proof too */
  readonly ignored: (d: DriftDifference) => boolean;
  readonly logger?: Logger;
}

const key = (d: DifferenceIdentity) => `${d.kind}\u0000${d.change}\u0000${d.object}`;

export function differenceKey(d: DifferenceIdentity): string {
  return key(d);
}

/**
 * `live` is the whole live model, the schemas the ignore rules leave out included (what the rest refers to, a
 * foreign key into `auth`, must exist in the copy); the result is read back with `exclude` applied, as the check was.
 */
export async function provePlan(desired: CatalogModel, live: CatalogModel, body: string, options: ProveOptions): Promise<PlanProof> {
  const logger = options.logger ?? silentLogger;
  const shadow = await openShadow(options.shadow, { major: live.serverMajor, logger });
  try {
    const s = await connect(shadow.target, { logger, applicationName: 'pgsnap drift plan proof' });
    try {
      if (shadow.privateServer) await mirrorRoles(s, options.roles);
      const filter = options.exclude.length > 0 ? { exclude: options.exclude } : {};
      try {
        await s.query(renderModel(live));
      } catch (e) {
        // e.g. a foreign key into a schema the ignore rules leave out: the copy cannot be made, so nothing is proven
        const error = `the live schema could not be copied into the shadow: ${(e as Error).message}`;
        return { proven: false, remaining: [], error, copyDifferences: [], shadow: shadow.description };
      }
      const copyDifferences = diff(live, await introspect(s))
        .map(renderDifference)
        .filter((d) => !options.ignored(d));
      let error: string | undefined;
      try {
        await runPlanBody(s, body);
      } catch (e) {
        error = (e as Error).message;
      }
      const after = await introspect(s, filter);
      const remaining = diff(desired, after)
        .map(renderDifference)
        .filter((d) => !options.ignored(d));
      const proven = error === undefined && remaining.length === 0 && copyDifferences.length === 0;
      return { proven, remaining, ...(error === undefined ? {} : { error }), copyDifferences, shadow: shadow.description };
    } finally {
      await close(s);
    }
  } finally {
    await shadow.dispose().catch((e: unknown) => logger.warn(`could not remove the shadow database (${shadow.description}): ${(e as Error).message}`));
  }
}

/**
 * Run a plan's statements in one transaction (ROLLBACK on any error), as the shadow proof and `drift apply`
 * both do. A failure names the plan line PostgreSQL pointed at.
 */
export async function runPlanBody(s: Session, body: string, before?: (s: Session) => Promise<void>): Promise<void> {
  await withTransaction(s, async (tx) => {
    if (before) await before(tx);
    try {
      await tx.query(body);
    } catch (e) {
      throw planError(body, e);
    }
  });
}

function planError(body: string, e: unknown): unknown {
  // the server refused a statement of the plan: say which line (the facts are on the error, never in its cause)
  if (!(e instanceof PgsnapError) || (e.code !== 'server' && e.code !== 'permission')) return e;
  const position = e.position ?? 0;
  const where = position > 0 ? ` (plan statements, line ${lineIndex(body).at(codePointToIndex(body, position)).line})` : '';
  return new PgsnapError(e.code, `${e.server?.message ?? e.message}${where}`, {
    cause: e,
    ...(e.hint ? { hint: e.hint } : {}),
    ...(e.server ? { server: e.server } : {}),
  });
}
