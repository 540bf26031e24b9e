import { describe, expect, it } from 'vitest';
import { parseConnectionString, parseConninfo } from '../../src/db/conninfo.js';
import { clientSettings, databaseName, resolveTarget } from '../../src/db/connection.js';
import { mayFallBack, sslPlan } from '../../src/db/ssl.js';
import { PgsnapError } from '../../src/errors.js';

describe('libpq key=value connection strings', () => {
  it('reads keywords, quoted values and backslash escapes', () => {
    expect(parseConninfo(`host=db port = 5432 dbname=app user=x password='a b\\'c' sslmode=require`)).toEqual({
      host: 'db',
      port: '5432',
      dbname: 'app',
      user: 'x',
      password: "a b'c",
      sslmode: 'require',
    });
    expect(parseConninfo(`password=\\ x\\\\y options='-c search_path=s'`)).toEqual({ password: ' x\\y', options: '-c search_path=s' });
    expect(parseConninfo(`password=''`)).toEqual({ password: '' });
  });

  it('refuses what libpq refuses, without echoing the string', () => {
    const refused = (s: string) => {
      try {
        parseConnectionString(s);
      } catch (e) {
        expect(e).toBeInstanceOf(PgsnapError);
        expect((e as PgsnapError).message).not.toContain('hunter2');
        return (e as PgsnapError).message;
      }
      throw new Error(`accepted ${s}`);
    };
    expect(refused('host=db password=hunter2 colour=blue')).toMatch(/unknown connection option "colour"/);
    expect(refused("host=db password='hunter2")).toMatch(/not closed/);
    expect(refused('db password=hunter2')).toMatch(/keyword=value/);
    expect(refused('host=db password=hunter2 sslmode=on')).toMatch(/sslmode=on is not an SSL mode/);
    expect(refused('postgres://u:hunter2@h/db?pgbouncer=true')).toMatch(/unknown connection option "pgbouncer"/);
    expect(refused('postgres://u:hunter2@h/a/b')).toMatch(/database name .* holds a \//);
  });

  it('reads URLs into the same keywords', () => {
    expect(parseConnectionString('postgresql://al%40ce:p%2Fw@[::1]:6543/my%20db?sslmode=verify-full&application_name=x')).toEqual({
      user: 'al@ce',
      password: 'p/w',
      host: '::1',
      port: '6543',
      dbname: 'my db',
      sslmode: 'verify-full',
      application_name: 'x',
    });
    // node-postgres' old opt-in is accepted and means nothing: libpq semantics are the only ones
    expect(parseConnectionString('postgres://h/db?sslmode=require&uselibpqcompat=true')).toEqual({ host: 'h', dbname: 'db', sslmode: 'require' });
  });

  it('names the database of either form for archive names', () => {
    expect(databaseName(resolveTarget('host=h dbname=shop user=u'), {})).toBe('shop');
    expect(databaseName(resolveTarget('postgres://u@h/shop'), {})).toBe('shop');
    expect(databaseName(resolveTarget(undefined, { PGDATABASE: 'pgdb' }), { PGDATABASE: 'pgdb' })).toBe('pgdb');
  });
});

describe('sslmode with libpq meaning', () => {
  const settings = (url: string | undefined, env: NodeJS.ProcessEnv = {}) => clientSettings(resolveTarget(url, env), env);

  it('prefer is the default: TLS without verification first, then plain', () => {
    expect(settings('postgres://u@h/db').ssl).toEqual({ mode: 'prefer', attempts: [{ rejectUnauthorized: false }, false] });
  });

  it('require encrypts without verifying; verify-full verifies; disable never uses TLS', () => {
    expect(settings('host=h sslmode=require').ssl.attempts).toEqual([{ rejectUnauthorized: false }]);
    expect(settings('host=h sslmode=verify-full', { HOME: '/nonexistent' }).ssl.attempts).toEqual([{ rejectUnauthorized: true }]);
    const ca = settings('host=h sslmode=verify-ca', { HOME: '/nonexistent' }).ssl.attempts[0] as { checkServerIdentity?: () => unknown };
    expect(ca.checkServerIdentity?.()).toBeUndefined();
    expect(settings('postgres://h/db?sslmode=disable').ssl.attempts).toEqual([false]);
  });

  it('reads PGSSLMODE when the string has no sslmode, and the string wins over it', () => {
    expect(settings(undefined, { PGSSLMODE: 'require' }).ssl.mode).toBe('require');
    expect(settings('host=h sslmode=disable', { PGSSLMODE: 'require' }).ssl.mode).toBe('disable');
    expect(() => settings(undefined, { PGSSLMODE: 'yes' })).toThrow(/PGSSLMODE=yes is not an SSL mode/);
  });

  it('falls back only when the server refused that kind of connection', () => {
    const plan = sslPlan('prefer', {});
    expect(mayFallBack(plan.attempts[0] ?? false, new Error('The server does not support SSL connections'))).toBe(true);
    expect(mayFallBack(plan.attempts[0] ?? false, new Error('password authentication failed for user "u"'))).toBe(false);
    expect(mayFallBack(false, new Error('no pg_hba.conf entry for host "1.2.3.4", user "u", database "d", no encryption'))).toBe(true);
  });

  it('never uses TLS on a Unix-domain socket, as libpq', () => {
    expect(settings('host=/var/run/postgresql dbname=app sslmode=require').ssl.attempts).toEqual([false]);
    expect(settings('postgres://u@%2Ftmp%2Fsock/db').ssl.attempts).toEqual([false]);
  });

  it('says which certificate file it cannot read', () => {
    expect(() => settings('host=h sslmode=verify-full sslrootcert=/nonexistent/ca.pem')).toThrow(/cannot read sslrootcert \/nonexistent\/ca.pem/);
  });
});
