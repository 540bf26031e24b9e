import type { ArchivedSequence } from '../archive/format.js';
import type { SequenceDef } from '../catalog/model.js';
import type { Session } from '../db/client.js';
import { qualify } from '../sql/quote.js';

/**
 * Sequence values are not transactional: a snapshot cannot see a sequence "as of" its start. They are read after
 * the rows, so every value a captured row took from a sequence is ≤ the recorded one, and a restore that sets
 * sequences to at least these values never hands out an id that collides with a restored row.
 */
export async function readSequences(s: Session, sequences: readonly SequenceDef[]): Promise<ArchivedSequence[]> {
  const out: ArchivedSequence[] = [];
  for (const seq of sequences) {
    const r = await s.query<{ last_value: string; is_called: boolean }>(`SELECT last_value::text AS last_value, is_called FROM ${qualify(seq.schema, seq.name)}`);
    const row = r.rows[0];
    if (row) out.push({ schema: seq.schema, name: seq.name, value: row.last_value, isCalled: row.is_called });
  }
  return out;
}
