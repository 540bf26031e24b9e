import { describe, expect, it } from 'vitest';
import { csvField, csvHeader, csvRow } from '../../src/inspect/csv.js';
import { insertStatement } from '../../src/inspect/insert-sql.js';
import { diffRows } from '../../src/inspect/row-diff.js';
import type { ArchivedRow } from '../../src/inspect/values.js';

const rows = (list: ArchivedRow[]) => () =>
  (async function* () {
    yield* list;
  })();

describe('CSV as COPY writes it', () => {
  it('tells NULL from the empty string and quotes only what needs it', () => {
    expect(csvRow([null, '', 'plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\r', 7, true, false])).toBe(
      ',"",plain,"a,b","say ""hi""","two\nlines","cr\r",7,t,f\n',
    );
    expect(csvField('\\.', true)).toBe('"\\."');
    expect(csvField('\\.', false)).toBe('\\.');
    expect(csvHeader(['id', 'we,ird "col"'])).toBe('id,"we,ird ""col"""\n');
  });
});

describe('INSERT statements', () => {
  it('quotes text, keeps numbers and NULL, overrides identity ALWAYS', () => {
    const table = {
      schema: 'public',
      name: "it's",
      columns: [
        { name: 'id', type: 'integer', notNull: true, identity: 'always' as const },
        { name: 'v', type: 'text', notNull: false, identity: null },
        { name: 'w', type: 'text', notNull: false, identity: null },
      ],
      key: null,
      rows: 1,
      entries: [],
      fingerprint: '0000000000000000',
    };
    expect(insertStatement(table, [1, "o'clock \\x", null])).toBe(
      `INSERT INTO "public"."it's" ("id", "v", "w") OVERRIDING SYSTEM VALUE VALUES (1, 'o''clock \\x', NULL);\n`,
    );
  });
});

describe('row diff', () => {
  it('matches by key: only in A, only in B, and which columns differ', async () => {
    const a = [{ id: 1, v: 'x' }, { id: 2, v: 'y' }, { id: 3, v: 'z' }];
    const b = [{ id: 2, v: 'Y' }, { id: 3, v: 'z' }, { id: 4, v: 'w' }];
    const r = await diffRows(rows(a), rows(b), { columns: ['id', 'v'], key: ['id'], limit: 10 });
    expect(r).toMatchObject({ rowsA: 3, rowsB: 3, onlyInA: 1, onlyInB: 1, differ: 1 });
    expect(r.samples.onlyInA).toEqual([{ id: 1, v: 'x' }]);
    expect(r.samples.onlyInB).toEqual([{ id: 4, v: 'w' }]);
    expect(r.samples.differ).toEqual([{ key: { id: 2 }, columns: ['v'], a: { id: 2, v: 'y' }, b: { id: 2, v: 'Y' } }]);
    expect(r.problem).toBeUndefined();
  });

  it('compares values as PostgreSQL text: 1 (integer) equals "1" (bigint); null is not ""', async () => {
    const r = await diffRows(rows([{ id: 1, v: null }]), rows([{ id: '1', v: '' }]), { columns: ['id', 'v'], key: ['id'], limit: 10 });
    expect(r).toMatchObject({ onlyInA: 0, onlyInB: 0, differ: 1 });
  });

  it('without a key, compares multisets of whole rows', async () => {
    const a = [{ m: 'boot' }, { m: 'boot' }, { m: 'ready' }];
    const b = [{ m: 'boot' }, { m: 'ready' }, { m: 'ready' }, { m: 'new' }];
    const r = await diffRows(rows(a), rows(b), { columns: ['m'], key: [], limit: 10 });
    expect(r).toMatchObject({ onlyInA: 1, onlyInB: 2, differ: 0 });
    expect(r.samples.onlyInA).toEqual([{ m: 'boot' }]);
    expect(r.samples.onlyInB).toEqual(expect.arrayContaining([{ m: 'ready' }, { m: 'new' }]));
  });

  it('says so when a key is not unique, and caps the samples', async () => {
    const dup = await diffRows(rows([{ id: 1 }, { id: 1 }]), rows([]), { columns: ['id'], key: ['id'], limit: 1 });
    expect(dup.problem).toMatch(/appears twice in A/);
    const many = await diffRows(rows([]), rows([{ id: 1 }, { id: 2 }, { id: 3 }]), { columns: ['id'], key: ['id'], limit: 2 });
    expect(many.onlyInB).toBe(3);
    expect(many.samples.onlyInB).toHaveLength(2);
  });
});
