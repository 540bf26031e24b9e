import { describe, expect, it } from 'vitest';
import { parsePattern, parseSelection, selects } from '../../src/patterns.js';

describe('table patterns', () => {
  it('matches schema.table, bare table names and globs', () => {
    const sel = parseSelection(['public.*', 'audit_?', 'billing.invoices']);
    expect(selects(sel, 'public', 'users')).toBe(true);
    expect(selects(sel, 'auth', 'users')).toBe(false);
    expect(selects(sel, 'anything', 'audit_1')).toBe(true);
    expect(selects(sel, 'anything', 'audit_10')).toBe(false);
    expect(selects(sel, 'billing', 'invoices')).toBe(true);
    expect(selects(sel, 'billing', 'invoices_old')).toBe(false);
  });

  it('lets an exclude win over an include, and includes everything by default', () => {
    const sel = parseSelection([], ['*_logs', 'auth.*']);
    expect(selects(sel, 'public', 'projects')).toBe(true);
    expect(selects(sel, 'public', 'error_logs')).toBe(false);
    expect(selects(sel, 'auth', 'users')).toBe(false);
  });

  it('treats regex characters literally and supports quoted names with dots', () => {
    expect(selects(parseSelection(['a+b']), 's', 'aab')).toBe(false);
    expect(selects(parseSelection(['a+b']), 's', 'a+b')).toBe(true);
    const p = parsePattern('"My.Schema"."Orders"');
    expect(p.schema?.test('My.Schema')).toBe(true);
    expect(p.table.test('Orders')).toBe(true);
  });

  it('rejects malformed patterns with a usage error', () => {
    for (const bad of ['', 'a.b.c', '.t', 's.', '"unterminated']) {
      expect(() => parsePattern(bad)).toThrow(/pattern/);
    }
  });
});
