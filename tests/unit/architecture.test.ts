import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ImportEdge, cycles, importGraph, importsOf, runtimeClosure, sourceFiles } from '../helpers/imports.js';

/**
 * The import rules of docs/architecture.md, as data: a new rule is one line. `files` are the importers (globs over
 * repository paths, `!` excludes), `forbid` what they may not import (globs over src/ paths, or package names).
 * `loads: true` checks everything the file loads at run time, through any chain of imports, instead of its own
 * import lines (type-only imports load nothing and are ignored there).
 */
interface Rule {
  readonly rule: string;
  readonly files: readonly string[];
  readonly forbid: readonly string[];
  readonly loads?: boolean;
}

const DRIVERS = ['pg', 'pg-copy-streams', 'pg-query-stream'];
const CAPABILITIES = ['src/backup/**', 'src/restore/**', 'src/drift/**', 'src/scan/**', 'src/verify/**', 'src/archive/**', 'src/types/**'];
const PURE = [
  'src/catalog/diff.ts',
  'src/catalog/model.ts',
  'src/catalog/render*.ts',
  'src/restore/plan.ts',
  'src/restore/order.ts',
  'src/scan/**',
  'src/report/**',
  'src/schema-files/**',
  'src/sql/**',
  'src/types/kysely-types.ts',
  'src/archive/prune-plan.ts',
  'src/archive/naming.ts',
];

const RULES: readonly Rule[] = [
  { rule: 'src/db is the only code that imports the PostgreSQL driver', files: ['src/**', '!src/db/**'], forbid: DRIVERS },
  { rule: 'the types generator is the one user of @databases/* (it brings its own pg)', files: ['src/**', '!src/types/typegen.ts'], forbid: ['@databases/*'] },
  { rule: 'pure cores load neither src/db nor the driver', files: PURE, forbid: ['src/db/**', ...DRIVERS, '@databases/*'], loads: true },
  {
    rule: 'src/db depends on nothing of pgsnap but errors, logging, redaction, lifecycle and quoting',
    files: ['src/db/**'],
    forbid: ['src/**', '!src/db/**', '!src/errors.ts', '!src/log.ts', '!src/redact.ts', '!src/lifecycle.ts', '!src/sql/**'],
  },
  {
    rule: 'catalog, schema-files, report and quoting sit below the capabilities',
    files: ['src/catalog/**', 'src/schema-files/**', 'src/report/**', 'src/sql/**'],
    forbid: CAPABILITIES,
  },
  {
    rule: 'command specs import no capability, src/db or storage: their actions (src/commands/actions/*) do, loaded when the command runs',
    // context.ts names the connection target's type (a type import, which loads nothing)
    files: ['src/commands/*.ts', '!src/commands/context.ts'],
    forbid: [...CAPABILITIES, 'src/db/**', ...DRIVERS, 'src/storage/**', 'src/inspect/**', 'src/demo.ts'],
  },
  { rule: 'capabilities never reach up into the command layer', files: CAPABILITIES, forbid: ['src/commands/**', 'src/cli.ts', 'src/demo.ts'] },
  { rule: 'nothing imports cli.ts, the entry point (commands get it as ctx.cli)', files: ['src/**', '!src/cli.ts'], forbid: ['src/cli.ts'] },
];

function glob(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*\*/g, '\u0000')
    .replace(/\*/g, '[^/]*')
    .replace(/\u0000/g, '.*');
  return new RegExp(`^${body}$`);
}

/** Globs with `!` exclusions: matches when an inclusion matches and no exclusion does. */
function matcher(patterns: readonly string[]): (path: string) => boolean {
  const include = patterns.filter((p) => !p.startsWith('!')).map(glob);
  const exclude = patterns.filter((p) => p.startsWith('!')).map((p) => glob(p.slice(1)));
  return (p) => include.some((r) => r.test(p)) && !exclude.some((r) => r.test(p));
}

function violations(edges: readonly ImportEdge[], rules: readonly Rule[] = RULES): string[] {
  const files = [...new Set(edges.map((e) => e.from))];
  const out: string[] = [];
  for (const r of rules) {
    const isSubject = matcher(r.files);
    const isForbidden = matcher(r.forbid);
    for (const f of files.filter(isSubject)) {
      if (r.loads) {
        const bad = [...runtimeClosure(edges, f)].filter((m) => m !== f && isForbidden(m));
        if (bad.length > 0) out.push(`${f} loads ${bad.join(', ')}: ${r.rule}`);
      } else {
        for (const e of edges.filter((x) => x.from === f && isForbidden(x.to))) out.push(`${f}:${e.line} imports ${e.to}: ${r.rule}`);
      }
    }
  }
  return out;
}

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const graph = importGraph(repoRoot);

describe('architecture (docs/architecture.md)', () => {
  it('reads the imports of every source file', () => {
    expect(sourceFiles(repoRoot).length).toBeGreaterThan(50);
    // the driver is imported somewhere, so a parser that saw nothing could not pass the rules below
    expect(graph.some((e) => e.from.startsWith('src/db/') && e.to === 'pg')).toBe(true);
    expect(graph.some((e) => e.from === 'src/catalog/diff.ts' && e.to === 'src/sql/quote.ts')).toBe(true);
  });

  it('every import follows the rules', () => {
    expect(violations(graph)).toEqual([]);
  });

  it('catalog/diff and the other pure cores do not load pg through any chain of imports', () => {
    for (const core of ['src/catalog/diff.ts', 'src/catalog/render.ts', 'src/restore/plan.ts', 'src/sql/quote.ts']) {
      const loaded = [...runtimeClosure(graph, core)];
      expect(
        loaded.filter((m) => m === 'pg' || m.startsWith('src/db/')),
        core,
      ).toEqual([]);
    }
  });

  it('there are no import cycles (type-only imports included)', () => {
    expect(cycles(graph.map((e) => ({ ...e, typeOnly: false })))).toEqual([]);
  });
});

describe('the checker itself', () => {
  const edge = (from: string, to: string, typeOnly = false): ImportEdge => ({ from, to, typeOnly, line: 1 });

  it('parses import, export-from, side-effect and dynamic imports, and tells type-only ones apart', () => {
    const text = [
      "import pg from 'pg';",
      "import type { Session } from '../db/client.js';",
      "import { type A, type B } from './a.js';",
      "import { type C, d } from './c.js';",
      "export { x } from '../sql/quote.js';",
      "import './side.js';",
      "const m = await import('../demo.js');",
      "// import { hidden } from './commented.js';",
    ].join('\n');
    expect(importsOf('src/catalog/x.ts', text).map((e) => [e.to, e.typeOnly, e.line])).toEqual([
      ['pg', false, 1],
      ['src/db/client.ts', true, 2],
      ['src/catalog/a.ts', true, 3],
      ['src/catalog/c.ts', false, 4],
      ['src/sql/quote.ts', false, 5],
      ['src/catalog/side.ts', false, 6],
      ['src/demo.ts', false, 7],
    ]);
  });

  it('flags a direct import, a chain that loads the driver, and a cycle', () => {
    const edges = [
      edge('src/catalog/diff.ts', 'src/catalog/helper.ts'),
      edge('src/catalog/helper.ts', 'src/db/client.ts'),
      edge('src/db/client.ts', 'pg'),
      edge('src/report/a.ts', 'pg'),
    ];
    const found = violations(edges);
    expect(found.some((v) => v.startsWith('src/report/a.ts:1 imports pg'))).toBe(true);
    expect(found.some((v) => v.startsWith('src/catalog/diff.ts loads src/db/client.ts, pg:'))).toBe(true);
    expect(violations([edge('src/catalog/diff.ts', 'src/db/client.ts', true)])).toEqual([]);
    expect(cycles([edge('src/a.ts', 'src/b.ts'), edge('src/b.ts', 'src/c.ts'), edge('src/c.ts', 'src/a.ts'), edge('src/c.ts', 'src/d.ts')])).toEqual([
      ['src/a.ts', 'src/b.ts', 'src/c.ts'],
    ]);
  });
});
