import { createHash } from 'node:crypto';
import type { CatalogModel } from '../catalog/model.js';
import { PgsnapError } from '../errors.js';
import type { MigrationPlan, PlannedStatement } from './plan.js';

/**
 * The plan file: plain SQL a reviewer can read and psql can run, with one header line pgsnap reads back before
 * `drift apply`. The header holds the fingerprint of the live schema the plan was made against (sha256 of the
 * introspected model, serialised), whether the shadow proof passed, and the sha256 of the statements, so an edited
 * plan is not mistaken for the proven one.
 */
export interface PlanHeader {
  readonly version: 1;
  /** sha256 of the live catalog model the plan was made from */
  readonly fingerprint: string;
  readonly proven: boolean;
  /** sha256 of the statements (everything after the header) */
  readonly body: string;
  /** schemas left out when the live model was read (the fingerprint covers the rest) */
  readonly exclude: readonly string[];
  readonly created: string;
}

const HEADER = '-- pgsnap-plan: ';

/** Run first, in the same transaction: bodies may name objects created further down (PostgreSQL checks SQL bodies only when this is on). */
const PRELUDE = 'SET LOCAL check_function_bodies = off;';

export function modelFingerprint(model: CatalogModel): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(model)).digest('hex')}`;
}

function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

function asComment(text: string): string {
  return text
    .split('\n')
    .map((l) => `-- ${l}`)
    .join('\n');
}

function describe(s: { fixes: PlannedStatement['fixes'] }): string {
  return `${s.fixes.change} ${s.fixes.kind} ${s.fixes.object}`;
}

/** The statements as the plan file holds them: each under a comment naming the finding it fixes. */
export function renderStatements(plan: MigrationPlan): string {
  const lines = [PRELUDE, ''];
  for (const s of plan.statements) {
    lines.push(`-- fixes: ${describe(s)}${s.dataLoss ? `\n-- DATA LOSS: ${s.dataLoss}` : ''}`, s.sql, '');
  }
  for (const s of plan.skipped) {
    lines.push(`-- NOT REPAIRED: ${describe(s)}: ${s.reason}`);
    if (s.sql) lines.push(asComment(s.sql));
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

export function renderPlanFile(plan: MigrationPlan, header: Omit<PlanHeader, 'version' | 'body'>): string {
  const body = renderStatements(plan);
  const full: PlanHeader = { version: 1, ...header, body: sha256(body) };
  const intro = [
    `${HEADER}${JSON.stringify(full)}`,
    '-- Made by pgsnap drift plan: brings the live database to the schema files. Run it with pgsnap drift apply,',
    '-- which checks the header first: the live schema must not have changed since, and the plan must be proven.',
    '',
  ];
  return `${intro.join('\n')}\n${body}`;
}

/** Read a plan file back: its header and the statements, refused when either was edited or is unreadable. */
export function parsePlanFile(text: string, file: string): { header: PlanHeader; body: string } {
  const first = text.split('\n', 1)[0] ?? '';
  if (!first.startsWith(HEADER)) throw badPlan(file, 'it has no pgsnap-plan header (was it made by pgsnap drift plan --out?)');
  let header: PlanHeader;
  try {
    header = JSON.parse(first.slice(HEADER.length)) as PlanHeader;
  } catch {
    throw badPlan(file, 'its header is not readable');
  }
  if (header.version !== 1 || typeof header.fingerprint !== 'string' || typeof header.body !== 'string') throw badPlan(file, 'its header is not one this pgsnap reads');
  const at = text.indexOf(`\n${PRELUDE}\n`);
  const body = at === -1 ? '' : text.slice(at + 1);
  if (sha256(body) !== header.body) throw badPlan(file, 'its statements were edited after the plan was made; make a new plan');
  return { header, body };
}

function badPlan(file: string, why: string): PgsnapError {
  return new PgsnapError('usage', `${file} is not a usable plan: ${why}`, { hint: 'run pgsnap drift plan --out FILE again' });
}
