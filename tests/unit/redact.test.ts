import { describe, expect, it } from 'vitest';
import { describeTarget, normalizeUrl, resolveTarget } from '../../src/db/connection.js';
import { redact, redactUrl } from '../../src/redact.js';

describe('redaction', () => {
  it('removes the password from URLs in free text', () => {
    expect(redactUrl('connect postgres://alice:s3cr%40t@db:5432/app failed')).toBe('connect postgres://alice:***@db:5432/app failed');
    expect(redact('host=db password=hunter22 user=x')).toBe('host=db password=*** user=x');
  });

  it('scrubs registered passwords wherever they appear', () => {
    resolveTarget('postgres://bob:correct-horse@db/app');
    expect(redact('server said: correct-horse is wrong')).toBe('server said: *** is wrong');
  });

  it('describes a target without the password', () => {
    const t = resolveTarget('postgres://carol:pw-123456@db.example.com:6543/prod');
    expect(describeTarget(t)).toBe('carol@db.example.com:6543/prod');
  });
});

describe('connection precedence', () => {
  it('prefers the flag, then DATABASE_URL, then PG* variables', () => {
    const env = { DATABASE_URL: 'postgres://env@h/db', PGHOST: 'pghost' };
    expect(resolveTarget('postgres://flag@h/db', env).source).toBe('flag');
    expect(resolveTarget(undefined, env).url).toBe('postgres://env@h/db');
    expect(resolveTarget(undefined, { PGHOST: 'pghost' }).url).toBeUndefined();
  });

  it('asks node-postgres for libpq sslmode semantics', () => {
    expect(normalizeUrl('postgres://u@h/db?sslmode=require')).toBe('postgres://u@h/db?sslmode=require&uselibpqcompat=true');
    expect(normalizeUrl('postgres://u@h/db')).toBe('postgres://u@h/db');
  });
});
