import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TableReference } from '../../src/scan/reference.js';
import { scanSource } from '../../src/scan/source.js';

/**
 * Every file in tests/fixtures/scan says, line by line, what the scanner must find there (see its README). The
 * comparison is exact per line, so a false positive on any trap line fails as surely as a missed reference.
 */
const dir = path.resolve(import.meta.dirname, '..', 'fixtures', 'scan');
const files = fs.readdirSync(dir).filter((f) => f !== 'README.md' && fs.statSync(path.join(dir, f)).isFile()).sort();

function label(r: TableReference): string {
  const schema = r.schema === undefined ? '' : `${r.schema}.`;
  if (r.kind === 'column') return `column ${schema}${r.table}.${r.name}`;
  if (r.kind === 'function') return `function ${schema}${r.name}`;
  return `${r.definition ? 'define' : 'table'} ${schema}${r.name}`;
}

function expectations(text: string): Map<number, string[]> {
  const out = new Map<number, string[]>();
  text.split('\n').forEach((line, i) => {
    const m = /(?:\/\/|#|--)\s*expect:\s*(.+)$/.exec(line);
    if (m) out.set(i + 1, (m[1] as string).split(',').map((s) => s.trim()).sort());
  });
  return out;
}

describe('scanSource on the pattern fixtures', () => {
  it('has fixtures for every language the scanner reads', () => {
    expect(files.map((f) => path.extname(f)).sort()).toEqual(['.go', '.java', '.php', '.py', '.rb', '.sql', '.ts', '.ts', '.ts']);
  });

  for (const file of files) {
    it(`finds exactly what ${file} expects, line by line`, () => {
      const text = fs.readFileSync(path.join(dir, file), 'utf8');
      const refs = scanSource(text, `tests/fixtures/scan/${file}`);
      const actual = new Map<number, string[]>();
      for (const r of refs) actual.set(r.line, [...(actual.get(r.line) ?? []), label(r)]);
      for (const [line, labels] of actual) actual.set(line, labels.sort());
      const expected = expectations(text);
      expect(expected.size).toBeGreaterThan(0);
      expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected));
      for (const r of refs) expect(r.file).toBe(`tests/fixtures/scan/${file}`);
    });
  }
});
