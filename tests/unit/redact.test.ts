import { describe, expect, it } from 'vitest';
import { describeTarget, resolveTarget } from '../../src/db/connection.js';
import { redact, redactUrl } from '../../src/redact.js';

describe('redaction', () => {
  it('removes the password from URLs in free text', () => {
    expect(redactUrl('connect postgres://alice:s3cr%40t@db:5432/app failed')).toBe('connect postgres://alice:***@db:5432/app failed');
    expect(redact('host=db password=hunter22 user=x')).toBe('host=db password=*** user=x');
  });

  it('finds passwords holding unencoded / and :, several URLs in one text, and leaves text without userinfo alone', () => {
    const samples: [string, string][] = [
      ['a postgres://u:p/a:ss@h/db b', 'a postgres://u:***@h/db b'],
      ['x://u:1@h y+z://v:2@k', 'x://u:***@h y+z://v:***@k'],
      ['postgres://h:5432/db and http://example.com/a:b', 'postgres://h:5432/db and http://example.com/a:b'],
      ['://u:p@h 1://u:p@h', '://u:p@h 1://u:p@h'],
      ['postgres://u:p q@h', 'postgres://u:p q@h'],
      ['s://a:b://c:d@h', 's://a:***@h'],
    ];
    for (const [text, expected] of samples) expect(redactUrl(text), text).toBe(expected);
  });

  it('takes linear time on hostile text (a 256 KB name once took minutes to print)', () => {
    const texts = ['c'.repeat(256 * 1024), 'a://b:'.repeat(50_000), `${'p://u:'.repeat(40_000)}@`, 'password='.repeat(30_000)];
    for (const text of texts) {
      const started = performance.now();
      redact(text);
      expect(performance.now() - started, text.slice(0, 20)).toBeLessThan(500);
    }
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

  it('lets DATABASE_URL beat the config file, and the config file beat PG* variables', () => {
    const env = { DATABASE_URL: 'postgres://env@h/db' };
    expect(resolveTarget(undefined, env, 'postgres://config@h/db')).toEqual({ url: 'postgres://env@h/db', source: 'DATABASE_URL' });
    expect(resolveTarget(undefined, {}, 'postgres://config@h/db')).toEqual({ url: 'postgres://config@h/db', source: 'config file' });
    expect(resolveTarget('postgres://flag@h/db', env, 'postgres://config@h/db').source).toBe('flag');
  });

  it('scrubs the password of a key=value string and describes it without it', () => {
    const t = resolveTarget("host=db.internal port=6432 dbname=app user=dave password='open sesame'");
    expect(describeTarget(t)).toBe('dave@db.internal:6432/app');
    expect(redact('the server said open sesame')).toBe('the server said ***');
  });
});
