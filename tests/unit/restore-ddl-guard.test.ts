import { beforeAll, describe, expect, it } from 'vitest';
import { checkArchivedDdl, loadDdlParser } from '../../src/restore/ddl-guard.js';

beforeAll(loadDdlParser);

describe('checkArchivedDdl', () => {
  it('lets through what --create-missing writes, and names what it creates', () => {
    const ddl = `CREATE SCHEMA IF NOT EXISTS app;
SET check_function_bodies = off;
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN NEW.updated_at := now(); IF NOT EXISTS (SELECT 1 FROM app.t WHERE id = NEW.id) THEN INSERT INTO app.log SELECT NEW.id; END IF; RETURN NEW; END $$;
CREATE TABLE app.t (id int PRIMARY KEY, updated_at timestamptz DEFAULT now() CHECK (updated_at > '2000-01-01'));
CREATE UNIQUE INDEX t_x ON app.t (id) WHERE id > 0;
CREATE TRIGGER t_touch BEFORE UPDATE ON app.t FOR EACH ROW EXECUTE FUNCTION app.touch();
ALTER TABLE app.t ENABLE ROW LEVEL SECURITY;
CREATE POLICY p ON app.t USING (EXISTS (SELECT 1 FROM app.t x WHERE x.id = t.id));
GRANT SELECT ON app.t TO PUBLIC;
RESET check_function_bodies;`;
    expect(checkArchivedDdl(ddl)).toEqual({ creates: ['function app.touch', 'table app.t', 'index t_x', 'trigger t_touch'], problems: [] });
  });

  it.each([
    ['COPY smuggled after a default', `CREATE TABLE t (a text DEFAULT 'x'); COPY (SELECT 1) TO PROGRAM 'id'; CREATE TABLE u (b int);`, /COPY/],
    ['a server file read in a default', `CREATE TABLE t (a text DEFAULT pg_catalog.pg_read_file('/etc/passwd'));`, /pg_read_file/],
    ['a large object import in a check', `CREATE TABLE t (a oid CHECK (lo_import('/etc/passwd') > 0));`, /lo_import/],
    ['RESET ROLE inside PL/pgSQL', `CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RESET ROLE; RETURN 1; END $$;`, /VARIABLE SET|RESET|role/i],
    ['dynamic SQL', `CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'select 1'; RETURN 1; END $$;`, /EXECUTE/],
    ['a connection out', `CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT dblink_connect('host=evil') $$;`, /dblink_connect/],
    ['a C function', `CREATE FUNCTION f() RETURNS int LANGUAGE c AS 'libc', 'system';`, /LANGUAGE c/],
    ['a function running as another role', `CREATE FUNCTION f() RETURNS int LANGUAGE sql SET role = 'postgres' AS $$ SELECT 1 $$;`, /sets role/],
    ['set_config as a way to SET ROLE', `CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$ SELECT set_config('role', 'postgres', false) $$;`, /set_config/],
    ['a DO block doing anything', `DO $$ BEGIN COPY (SELECT 1) TO PROGRAM 'id'; END $$;`, /COPY/],
    ['ALTER SYSTEM', `ALTER SYSTEM SET shared_preload_libraries = 'x';`, /ALTER SYSTEM/],
    ['a role', `CREATE ROLE evil SUPERUSER;`, /CREATE ROLE/],
  ])('refuses %s', (_what, ddl, message) => {
    const { problems } = checkArchivedDdl(ddl);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('; ')).toMatch(message);
  });
});
