import { describe, expect, it } from 'vitest';
import type { FunctionDef } from '../../src/catalog/model.js';
import { renderSupabaseTypes } from '../../src/types/typegen-supabase.js';
import { column, model, table } from '../fixtures/catalog/builders.js';

const fn = (name: string, identityArgs: string, returns: string): FunctionDef => ({
  schema: 'public', name, identityArgs, kind: 'function', returns, language: 'sql', body: 'select 1', securityDefiner: false,
  volatility: 'stable', definition: '', comment: null,
});

describe('renderSupabaseTypes', () => {
  const text = renderSupabaseTypes({
    schemas: ['public'],
    viewColumns: [],
    model: model({
      enums: [{ schema: 'public', name: 'mood', labels: ['ok', 'sad'], comment: null }],
      compositeTypes: [{ schema: 'public', name: 'pair', attributes: [{ name: 'a', type: 'integer', collation: null }, { name: 'b', type: 'public.mood[]', collation: null }], comment: null }],
      tables: [
        table('public.t', {
          columns: [
            column('id', { typeName: 'pg_catalog.int8', notNull: true, identity: 'always' }),
            column('m', { typeName: 'public.mood', notNull: true, default: "'ok'::public.mood" }),
            column('n', { typeName: 'pg_catalog.numeric', isArray: true }),
          ],
        }),
      ],
      functions: [
        fn('search', 'q text, "limit" integer', 'TABLE(id bigint, score double precision)'),
        fn('all_t', '', 'SETOF public.t'),
        fn('pick', 'OUT x integer, y public.mood', 'integer'),
        fn('touch', '', 'trigger'),
        fn('anon_arg', 'text', 'text'),
      ],
    }),
  });

  it('prints Row/Insert/Update with identity ALWAYS columns unwritable and defaults optional', () => {
    expect(text).toContain('          id: number\n          m: Database["public"]["Enums"]["mood"]\n          n: number[] | null\n');
    expect(text).toContain('        Insert: {\n          id?: never\n          m?: Database["public"]["Enums"]["mood"]\n          n?: number[] | null\n');
  });

  it('prints functions PostgREST can call, with named arguments; trigger functions and unnamed arguments are left out', () => {
    expect(text).toContain('Args: { q: string; limit: number }\n        Returns: { id: number; score: number }[]');
    expect(text).toContain('all_t: {\n        Args: Record<PropertyKey, never>\n        Returns: Database["public"]["Tables"]["t"]["Row"][]');
    expect(text).toContain('Args: { y: Database["public"]["Enums"]["mood"] }\n        Returns: number');
    expect(text).not.toContain('touch');
    expect(text).not.toContain('anon_arg');
  });

  it('prints enums and composite types', () => {
    expect(text).toContain('mood: "ok" | "sad"');
    expect(text).toContain('pair: {\n        a: number | null\n        b: Database["public"]["Enums"]["mood"][] | null\n      }');
  });
});
