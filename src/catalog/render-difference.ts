import { qualify } from '../sql/quote.js';
import type { ColumnDef, PublicationDef, SequenceDef, TableDef } from './model.js';
import {
  renderCollation,
  renderColumn,
  renderColumnGrant,
  renderColumnStorage,
  renderComment,
  renderCompositeType,
  renderConstraint,
  renderCreateTable,
  renderDefaultPrivilege,
  renderDomain,
  renderEnum,
  renderEventTrigger,
  renderExtension,
  renderForeignServer,
  renderForeignTable,
  renderFunction,
  renderGrant,
  renderIndex,
  renderObjectGrant,
  renderPolicy,
  renderPublication,
  renderPublicationTable,
  renderRangeType,
  renderReplicaIdentity,
  renderRule,
  renderSchema,
  renderSequence,
  renderTrigger,
  renderUserMapping,
  renderView,
} from './render-object.js';
import { partitionParentGuess, renderTable } from './render.js';

/**
 * How each side of a catalog difference is shown: the form of a fact names one of these, its `of` holds their
 * arguments (model objects). Kept apart from the diff, which compares and renders nothing, so that text is made
 * once, where differences become findings or a pulled file.
 */
const FORMS = {
  schema: renderSchema,
  collation: renderCollation,
  range_type: renderRangeType,
  publication: (p: PublicationDef) => [renderPublication(p), ...p.tables.map((t) => renderPublicationTable(p, t))].join('\n'),
  publication_header: renderPublication,
  publication_table: renderPublicationTable,
  event_trigger: renderEventTrigger,
  foreign_server: renderForeignServer,
  user_mapping: renderUserMapping,
  foreign_table: renderForeignTable,
  default_privilege: renderDefaultPrivilege,
  extension: renderExtension,
  enum: renderEnum,
  domain: renderDomain,
  composite_type: renderCompositeType,
  sequence: (s: SequenceDef) => renderSequence(s) + (s.ownedBy ? `\n-- OWNED BY ${s.ownedBy}` : ''),
  function: renderFunction,
  table: (t: TableDef) => renderTable(t).trimEnd(),
  /** a changed table: its own CREATE TABLE line, not everything attached to it (those differ on their own) */
  table_header: (t: TableDef) =>
    renderCreateTable(
      t,
      partitionParentGuess(t),
      undefined,
      (t.inherits ?? []).map((p) => p),
    ),
  view: renderView,
  object_grant: renderObjectGrant,
  comment: renderComment,
  /** a column's side of an aspect difference, with its identity sequence's options when those differ */
  column: (c: ColumnDef, identitySequence: SequenceDef | undefined) => renderColumn(c, identitySequence),
  column_storage: renderColumnStorage,
  column_grant: renderColumnGrant,
  add_column: (t: TableDef, c: ColumnDef) => `ALTER TABLE ${qualify(t.schema, t.name)} ADD COLUMN ${renderColumn(c)};`,
  constraint: renderConstraint,
  trigger: renderTrigger,
  rls: (t: TableDef, on: boolean) => `ALTER TABLE ${qualify(t.schema, t.name)} ${on ? 'ENABLE' : 'DISABLE'} ROW LEVEL SECURITY;`,
  'rls.forced': (t: TableDef, on: boolean) => `ALTER TABLE ${qualify(t.schema, t.name)} ${on ? '' : 'NO '}FORCE ROW LEVEL SECURITY;`,
  policy: renderPolicy,
  rule: renderRule,
  grant: renderGrant,
  replica_identity: (t: TableDef) => renderReplicaIdentity(t) || `ALTER TABLE ${qualify(t.schema, t.name)} REPLICA IDENTITY DEFAULT;`,
  index: renderIndex,
} as const;
type Forms = typeof FORMS;

/** One side of a difference: the model objects that define it, and the form they are shown in. */
export type Fact = { [K in keyof Forms]: { readonly form: K; readonly of: Parameters<Forms[K]> } }[keyof Forms];

function renderFact(fact: Fact): string {
  return (FORMS[fact.form] as (...args: readonly unknown[]) => string)(...fact.of);
}

/** The sides of a difference, as facts (what src/catalog/diff.ts returns). */
interface WithFacts {
  readonly desired?: Fact;
  readonly actual?: Fact;
}

/** A difference with its facts rendered as DDL: what drift reports, diffs and pulls. */
export type Rendered<D extends WithFacts> = Omit<D, 'desired' | 'actual'> & { readonly desired?: string; readonly actual?: string };

export function renderDifference<D extends WithFacts>(d: D): Rendered<D> {
  const { desired, actual, ...rest } = d;
  return {
    ...rest,
    ...(desired === undefined ? {} : { desired: renderFact(desired) }),
    ...(actual === undefined ? {} : { actual: renderFact(actual) }),
  };
}
