import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { type TestDatabase, repoRoot } from '../helpers/db.js';
import { createSupabaseDatabase } from '../helpers/supabase.js';

/**
 * `pgsnap types --format supabase` against the Supabase-shaped fixture, proven with the real supabase-js types:
 * tsc compiles ordinary supabase-js usage against the generated `Database`, and refuses each wrong use. (A
 * `Database` that supabase-js cannot read would make every query `any`: then the wrong uses would compile too.)
 */
let live: TestDatabase;
// Inside node_modules so that tsc resolves @supabase/supabase-js from the repository's node_modules.
const dir = path.join(repoRoot, 'node_modules', '.cache', `pgsnap-types-${process.pid}`);

beforeAll(async () => {
  live = await createSupabaseDatabase('sb_types', { seed: false });
  await live.query(`
    CREATE TYPE public.note_status AS ENUM ('draft', 'published');
    ALTER TABLE public.notes ADD COLUMN status public.note_status NOT NULL DEFAULT 'draft',
                             ADD COLUMN tags text[],
                             ADD COLUMN words int GENERATED ALWAYS AS (length(body)) STORED;
    CREATE VIEW public.note_counts AS SELECT owner_id, count(*) AS notes FROM public.notes GROUP BY owner_id;
    CREATE FUNCTION public.note_count(owner uuid) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM public.notes WHERE owner_id = owner $$;
  `);
  fs.mkdirSync(dir, { recursive: true });
});

afterAll(async () => {
  await live?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const usage = `import { createClient } from '@supabase/supabase-js';
import type { Database, Enums, Tables, TablesInsert } from './database.types';

const supabase = createClient<Database>('http://localhost:54321', 'anon-key');

export async function fine(owner: string): Promise<void> {
  const { data: profiles } = await supabase.from('profiles').select();
  const fullName: string | null | undefined = profiles?.[0]?.full_name;
  const { data: picked } = await supabase.from('profiles').select('id, username').eq('id', owner).single();
  const id: string | undefined = picked?.id;
  await supabase.from('notes').insert({ body: 'hello' });
  await supabase.from('notes').insert({ body: 'hello', owner_id: owner, status: 'published', tags: ['a', null as unknown as string] });
  await supabase.from('notes').update({ body: 'changed' }).eq('id', 1);
  const { data: counts } = await supabase.from('note_counts').select('owner_id, notes');
  const n: number | null | undefined = counts?.[0]?.notes;
  const { data: total } = await supabase.rpc('note_count', { owner });
  const t: number | null = total;
  const status: Enums<'note_status'> = 'draft';
  const row: Tables<'profiles'> | undefined = profiles?.[0];
  const insert: TablesInsert<'notes'> = { body: 'x' };
  void [fullName, id, n, t, status, row, insert];
}
`;

// Each line marked WRONG must be an error, and nothing else may be.
const wrong = `import { createClient } from '@supabase/supabase-js';
import type { Database } from './database.types';

const supabase = createClient<Database>('http://localhost:54321', 'anon-key');

export async function wrong(): Promise<void> {
  await supabase.from('profiles').insert({ id: 'x', full_name: 42 }); // WRONG
  const { data } = await supabase.from('profiles').select();
  void data?.[0]?.nickname; // WRONG
  await supabase.from('no_such_table').select(); // WRONG
  await supabase.from('notes').insert({ owner_id: 'x' }); // WRONG
  await supabase.from('notes').insert({ body: 'x', words: 3 }); // WRONG
  await supabase.from('notes').insert({ body: 'x', status: 'deleted' }); // WRONG
  await supabase.rpc('note_count', { user: 'x' }); // WRONG
}
`;

function diagnostics(file: string): ts.Diagnostic[] {
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    skipLibCheck: true,
    types: [],
  });
  return ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === file);
}

describe('pgsnap types --format supabase', () => {
  it('writes a Database type that real supabase-js usage compiles against, and that refuses wrong columns', async () => {
    const out = path.join(dir, 'database.types.ts');
    const r = await runCli(['types', '--format', 'supabase', '--url', live.url, '--out', out]);
    expect(r.stderr).toContain(`wrote types for 2 table(s) to ${out}`);
    expect(r.code).toBe(0);
    const text = fs.readFileSync(out, 'utf8');
    expect(text).toContain('referencedRelation: "users"');
    expect(text).toContain('note_status: "draft" | "published"');

    fs.writeFileSync(path.join(dir, 'usage.ts'), usage);
    const ok = diagnostics(path.join(dir, 'usage.ts'));
    expect(ok.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);

    fs.writeFileSync(path.join(dir, 'wrong.ts'), wrong);
    const bad = diagnostics(path.join(dir, 'wrong.ts'));
    const lines = new Set(bad.map((d) => (d.file as ts.SourceFile).getLineAndCharacterOfPosition(d.start ?? 0).line + 1));
    const expected = wrong.split('\n').flatMap((l, i) => (l.includes('// WRONG') ? [i + 1] : []));
    expect([...lines].sort((a, b) => a - b)).toEqual(expected);
  }, 120_000);
});
