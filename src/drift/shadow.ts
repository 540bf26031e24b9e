import { randomBytes } from 'node:crypto';
import { type ConnectionTarget, type Session, resolveTarget, withSession } from '../db/index.js';
import { quoteIdent } from '../sql/quote.js';
import { EMBEDDED_MAJORS, startEmbedded } from '../db/embedded.js';
import { PgsnapError, usageError } from '../errors.js';
import { onInterrupt } from '../lifecycle.js';
import { type Logger, silentLogger } from '../log.js';
import type { SchemaStatement } from '../schema-files/statements.js';
import { formatLocation } from '../position.js';

/**
 * The shadow database: a scratch database the schema files are applied to, so that "what the files say" can be
 * read with the same catalog queries as the live database. Three places to get one:
 *   - embedded (default): a private embedded PostgreSQL of the live server's major version;
 *   - docker: a postgres:<major> container via testcontainers;
 *   - a server URL: a temporary database created there and dropped afterwards (also on failure or Ctrl-C).
 */
export type ShadowSpec = { readonly kind: 'embedded' } | { readonly kind: 'docker' } | { readonly kind: 'url'; readonly url: string };

export interface Shadow {
  readonly target: ConnectionTarget;
  /** for messages, without a password */
  readonly description: string;
  /** true when the whole server is ours (embedded, docker): roles may be created there */
  readonly privateServer: boolean;
  dispose(): Promise<void>;
}

export function parseShadowSpec(value: string | undefined): ShadowSpec {
  const v = (value ?? 'embedded').trim();
  if (v === 'embedded') return { kind: 'embedded' };
  if (v === 'docker') return { kind: 'docker' };
  if (/^postgres(ql)?:\/\//i.test(v)) return { kind: 'url', url: v };
  throw usageError(`--shadow must be embedded, docker or a postgres:// URL, not ${JSON.stringify(v)}`);
}

/** The embedded major closest to the live server's (embedded binaries exist for 14–18). */
function embeddedMajorFor(liveMajor: number): number {
  const majors = [...EMBEDDED_MAJORS] as number[];
  if (majors.includes(liveMajor)) return liveMajor;
  return liveMajor < (majors[0] as number) ? (majors[0] as number) : (majors[majors.length - 1] as number);
}

export interface OpenShadowOptions {
  readonly major: number;
  readonly logger?: Logger;
}

export async function openShadow(spec: ShadowSpec, options: OpenShadowOptions): Promise<Shadow> {
  const logger = options.logger ?? silentLogger;
  switch (spec.kind) {
    case 'embedded':
      return embeddedShadow(options.major, logger);
    case 'docker':
      return dockerShadow(options.major, logger);
    case 'url':
      return temporaryDatabase(spec.url, logger);
  }
}

async function embeddedShadow(liveMajor: number, logger: Logger): Promise<Shadow> {
  const major = embeddedMajorFor(liveMajor);
  if (major !== liveMajor) {
    logger.warn(`no embedded PostgreSQL ${liveMajor}; the shadow database runs ${major} (use --shadow docker or a URL for an exact match)`);
  }
  const server = await startEmbedded({ major });
  const undo = onInterrupt(() => server.stop());
  try {
    const url = await server.createDatabase('pgsnap_shadow');
    return {
      target: resolveTarget(url, {}),
      description: `embedded PostgreSQL ${major}`,
      privateServer: true,
      async dispose() {
        undo();
        await server.stop();
      },
    };
  } catch (e) {
    undo();
    await server.stop();
    throw e;
  }
}

async function dockerShadow(major: number, logger: Logger): Promise<Shadow> {
  let container: { getHost(): string; getMappedPort(p: number): number; stop(): Promise<unknown> };
  const { GenericContainer, Wait, getContainerRuntimeClient } = await loadTestcontainers();
  try {
    // Ask for the runtime first: without an engine this fails fast with a clear reason.
    await getContainerRuntimeClient();
    logger.info(`starting postgres:${major} in Docker for the shadow database`);
    container = await new GenericContainer(`postgres:${major}`)
      .withEnvironment({ POSTGRES_PASSWORD: 'pgsnap-shadow' })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start();
  } catch (e) {
    throw new PgsnapError('connection', `--shadow docker: no Docker engine answered (${String((e as Error).message).split('\n')[0]})`, {
      hint: 'start Docker (or set DOCKER_HOST), or use the default embedded shadow, or pass --shadow postgres://…',
      cause: e,
    });
  }
  const undo = onInterrupt(async () => {
    await container.stop();
  });
  const url = `postgres://postgres:pgsnap-shadow@${container.getHost()}:${container.getMappedPort(5432)}/postgres`;
  return {
    target: resolveTarget(url, {}),
    description: `Docker postgres:${major}`,
    privateServer: true,
    async dispose() {
      undo();
      await container.stop();
    },
  };
}

/** testcontainers is an optional peer of pgsnap: only --shadow docker needs it. */
async function loadTestcontainers(): Promise<typeof import('testcontainers')> {
  try {
    return await import('testcontainers');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code !== 'ERR_MODULE_NOT_FOUND' || !err.message.includes("'testcontainers'")) throw e;
    throw new PgsnapError('usage', '--shadow docker needs the testcontainers package, which is not installed', {
      hint: 'npm install --save-dev testcontainers@11.9.0 — or use the embedded shadow, or --shadow postgres://…',
    });
  }
}

async function temporaryDatabase(serverUrl: string, logger: Logger): Promise<Shadow> {
  const admin = resolveTarget(serverUrl, {});
  const name = `pgsnap_shadow_${randomBytes(5).toString('hex')}`;
  await withSession(admin, (s) => s.query(`CREATE DATABASE ${quoteIdent(name)}`), { logger });
  const u = new URL(admin.url as string);
  u.pathname = `/${name}`;
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    // WITH (FORCE) (PostgreSQL 13+) ends sessions still connected, e.g. after an interrupted apply.
    await withSession(admin, (s) => s.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`), { logger });
  };
  const undo = onInterrupt(drop);
  return {
    target: resolveTarget(u.toString(), {}),
    description: `temporary database ${name}`,
    privateServer: false,
    async dispose() {
      undo();
      await drop();
    },
  };
}

/** Extensions the shadow server can install (its pg_available_extensions). */
export async function availableExtensions(s: Session): Promise<Set<string>> {
  const r = await s.query<{ name: string }>(`SELECT name FROM pg_catalog.pg_available_extensions`);
  return new Set(r.rows.map((x) => x.name));
}

/**
 * Refuse, before applying anything, schema files that create an extension the shadow server does not have
 * (vector, pg_graphql, http, plv8… are not in the embedded binaries). The files are not wrong; the shadow is too
 * small for them, so the way out is a shadow server that has the extension.
 */
export function requireExtensions(statements: readonly SchemaStatement[], available: ReadonlySet<string>, shadow: string): void {
  for (const st of statements) {
    const name = (st.ast.CreateExtensionStmt as { extname?: string } | undefined)?.extname;
    if (name !== undefined && !available.has(name)) throw missingExtensionError(name, shadow, { where: `${formatLocation(st)}: ` });
  }
}

export interface MissingExtension {
  /** what was being applied: "file:line: " */
  readonly where?: string;
  /** the live database has the extension (a platform extension left out of the baseline) */
  readonly live?: boolean;
  readonly cause?: unknown;
}

export function missingExtensionError(names: string | readonly string[], shadow: string, how: MissingExtension = {}): PgsnapError {
  const list = typeof names === 'string' ? [names] : names;
  const quoted = list.map((n) => `"${n}"`).join(', ');
  const what = `extension${list.length > 1 ? 's' : ''} ${quoted}${how.live ? ', which the live database has,' : ''}`;
  return new PgsnapError('usage', `${how.where ?? ''}${what} ${list.length > 1 ? 'are' : 'is'} not available in the shadow database (${shadow})`, {
    hint: `run the check with a shadow server that has ${list.length > 1 ? 'them' : 'it'}: --shadow postgres://user@host/postgres (pgsnap creates a scratch database there and drops it afterwards)`,
    ...(how.cause === undefined ? {} : { cause: how.cause }),
  });
}
