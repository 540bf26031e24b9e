import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The import graph of src/, read from the source text (no TypeScript needed): every `import … from`,
 * `export … from`, side-effect `import '…'` and dynamic `import('…')`. Relative specifiers are resolved to
 * repository paths (`src/db/client.ts`); packages stay as their name (`pg`, `node:fs`).
 */
export interface ImportEdge {
  readonly from: string;
  /** a repository path for relative imports, else the package name */
  readonly to: string;
  /** `import type …` / `export type …` / only `type` specifiers: erased at compile time, loads nothing */
  readonly typeOnly: boolean;
  readonly line: number;
}

const STATEMENT =
  /(?:^|\n)[ \t]*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]|(?:^|\n)[ \t]*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

export function sourceFiles(root: string, dir = 'src'): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...sourceFiles(root, rel));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(rel);
  }
  return out.sort();
}

/** `import { type A, type B }`: every specifier is a type. */
function onlyTypes(clause: string): boolean {
  const braces = /^\{([^}]*)\}$/.exec(clause.trim());
  if (!braces) return false;
  const names = (braces[1] ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  return names.length > 0 && names.every((n) => n.startsWith('type '));
}

function resolve(from: string, spec: string): string {
  if (!spec.startsWith('.'))
    return spec.startsWith('node:')
      ? spec
      : spec
          .split('/')
          .slice(0, spec.startsWith('@') ? 2 : 1)
          .join('/');
  return path.posix.join(path.posix.dirname(from), spec).replace(/\.js$/, '.ts');
}

export function importsOf(file: string, text: string): ImportEdge[] {
  // comments could hold example imports; blank them, keeping line numbers
  const code = text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`])\/\/[^\n]*/g, '$1');
  const edges: ImportEdge[] = [];
  for (const m of code.matchAll(STATEMENT)) {
    const spec = m[4] ?? m[5] ?? m[6];
    if (!spec) continue;
    const typeOnly = m[4] !== undefined && (m[2] !== undefined || onlyTypes(m[3] ?? ''));
    const line = code.slice(0, m.index).split('\n').length + (m[0].startsWith('\n') ? 1 : 0);
    edges.push({ from: file, to: resolve(file, spec), typeOnly, line });
  }
  return edges;
}

export function importGraph(root: string): ImportEdge[] {
  return sourceFiles(root).flatMap((f) => importsOf(f, readFileSync(path.join(root, f), 'utf8')));
}

/** Every module `start` loads at run time, itself included (type-only imports load nothing). */
export function runtimeClosure(edges: readonly ImportEdge[], start: string): Set<string> {
  const seen = new Set<string>([start]);
  const queue = [start];
  while (queue.length > 0) {
    const f = queue.pop() as string;
    for (const e of edges) {
      if (e.from !== f || e.typeOnly || seen.has(e.to)) continue;
      seen.add(e.to);
      if (e.to.startsWith('src/')) queue.push(e.to);
    }
  }
  return seen;
}

/** Cycles among src/ modules (runtime imports), each as the list of files around it. */
export function cycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) if (!e.typeOnly && e.to.startsWith('src/')) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  // Tarjan's strongly connected components: a component of more than one file (or a self-import) is a cycle.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, idx.get(w) as number));
    }
    if (low.get(v) === idx.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (next.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of next.keys()) if (!idx.has(v)) visit(v);
  return found;
}
