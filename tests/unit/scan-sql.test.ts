import { describe, expect, it } from 'vitest';
import { analyzeSql, analyzeSqlLenient, looksLikeSql, neutralizePlaceholders } from '../../src/scan/sql.js';

const tables = (sql: string) => (analyzeSqlLenient(sql)?.references ?? []).filter((r) => r.kind === 'table').map((r) => (r.schema ? `${r.schema}.${r.name}` : r.name));
const columns = (sql: string) =>
  (analyzeSqlLenient(sql)?.references ?? []).filter((r) => r.kind === 'column').map((r) => `${r.schema ? `${r.schema}.` : ''}${r.table}.${r.name}`).sort();

describe('looksLikeSql', () => {
  it('accepts statements that start with a statement keyword, after blanks, comments and parentheses', () => {
    expect(looksLikeSql('SELECT 1')).toBe(true);
    expect(looksLikeSql('\n  -- note\n  with x as (select 1) select * from x')).toBe(true);
    expect(looksLikeSql('(select 1) union (select 2)')).toBe(true);
    expect(looksLikeSql('/* c */ DELETE FROM t')).toBe(true);
  });
  it('rejects everything else cheaply', () => {
    expect(looksLikeSql('selected items')).toBe(false);
    expect(looksLikeSql('Hello select')).toBe(false);
    expect(looksLikeSql('')).toBe(false);
    expect(looksLikeSql('select-box')).toBe(false);
  });
});

describe('analyzeSql', () => {
  it('returns undefined for text PostgreSQL does not accept, instead of throwing', () => {
    expect(analyzeSql('pick one from the list')).toBeUndefined();
    expect(analyzeSql('SELEC * FROM t')).toBeUndefined();
    expect(analyzeSql('')).toBeUndefined();
  });

  it('tells prose that happens to parse from a query', () => {
    const prose = analyzeSql('select a file from your computer');
    expect(prose?.references.filter((r) => r.kind === 'table').map((r) => r.name)).toEqual(['your']);
    expect(prose?.shaped).toBe(false);
    expect(analyzeSql('delete from the list')?.shaped).toBe(false);
    expect(analyzeSql('select id from users where id = 1')?.shaped).toBe(true);
    expect(analyzeSql('select * from users')?.shaped).toBe(true);
    expect(analyzeSql('select u.id from users u')?.shaped).toBe(true);
    expect(analyzeSql('insert into t values (1)')?.shaped).toBe(true);
  });

  it('leaves out CTE names, subquery and function aliases, and set-returning functions', () => {
    expect(tables('WITH recent AS (SELECT * FROM s.events) SELECT * FROM recent r, generate_series(1, 3) g')).toEqual(['s.events']);
    expect(tables('SELECT * FROM (SELECT 1) AS sub JOIN LATERAL unnest(ARRAY[1]) AS u ON true')).toEqual([]);
    expect(tables('SELECT * FROM jsonb_to_recordset($1) AS x(a int)')).toEqual([]);
    expect(tables('WITH RECURSIVE tree AS (SELECT id FROM nodes UNION ALL SELECT n.id FROM nodes n JOIN tree t ON n.parent = t.id) SELECT * FROM tree')).toEqual(['nodes', 'nodes']);
  });

  it('finds tables in every kind of statement, but not the relation a CREATE defines', () => {
    expect(tables('INSERT INTO a (x) SELECT y FROM b')).toEqual(['a', 'b']);
    expect(tables('UPDATE a SET x = b.y FROM b WHERE a.id = b.id')).toEqual(['a', 'b']);
    expect(tables('DELETE FROM a USING b WHERE a.id = b.id')).toEqual(['a', 'b']);
    expect(tables('SELECT * FROM a WHERE id IN (SELECT a_id FROM b)')).toEqual(['a', 'b']);
    // DDL defines: a REFERENCES target and a CHECK's columns are parts of the definition, not uses
    expect(tables('CREATE TABLE c (id int REFERENCES d (id), n int CHECK (n > 0))')).toEqual([]);
    expect(columns('CREATE TABLE c (id int REFERENCES d (id), n int CHECK (n > 0))')).toEqual([]);
    expect(tables('ALTER TABLE c ADD CONSTRAINT c_d FOREIGN KEY (id) REFERENCES d (id)')).toEqual([]);
    expect(tables('CREATE VIEW v AS SELECT * FROM e')).toEqual(['e']);
    expect(tables('TRUNCATE f; LOCK g')).toEqual(['f', 'g']);
  });

  it('attributes qualified columns through aliases, and unqualified ones only where a single table is in scope', () => {
    expect(columns('SELECT p.name, s.status FROM projects p JOIN test_sessions s ON s.project_id = p.id')).toEqual([
      'projects.id', 'projects.name', 'test_sessions.project_id', 'test_sessions.status',
    ]);
    expect(columns('SELECT name FROM projects WHERE owner_id = $1 ORDER BY created_at')).toEqual(['projects.created_at', 'projects.name', 'projects.owner_id']);
    expect(columns('SELECT count(*) AS n FROM projects GROUP BY status ORDER BY n')).toEqual(['projects.status']);
    expect(columns('SELECT name FROM projects p JOIN profiles f ON f.id = p.owner_id')).toEqual(['profiles.id', 'projects.owner_id']);
    expect(columns('SELECT public.projects.name FROM public.projects')).toEqual(['public.projects.name']);
    expect(columns('INSERT INTO t (a, b) VALUES (1, 2) ON CONFLICT (a) DO UPDATE SET b = EXCLUDED.b')).toEqual(['t.a', 't.b']);
    expect(columns('SELECT x.ctid, x.* FROM t x')).toEqual([]);
    // the same alias for two tables in two scopes: neither is certain
    expect(columns('SELECT a.x FROM t1 a WHERE EXISTS (SELECT 1 FROM t2 a WHERE a.y = 1)')).toEqual([]);
  });

  it('reports offsets in UTF-16 code units even after non-ASCII text', () => {
    const sql = "SELECT 'héllo wörld 😀' AS g FROM users";
    const ref = analyzeSql(sql)?.references.find((r) => r.kind === 'table');
    expect(sql.slice(ref?.offset, (ref?.offset ?? 0) + 5)).toBe('users');
  });
});

describe('driver placeholders', () => {
  it('become literals of the same length, outside quotes and casts', () => {
    const sql = "SELECT * FROM t WHERE a = ? AND b = :name AND c = %s AND d = %(key)s AND e::text = '?' AND f ?| array['x']";
    const out = neutralizePlaceholders(sql);
    expect(out).toHaveLength(sql.length);
    expect(out).toBe("SELECT * FROM t WHERE a = 0 AND b = 0     AND c = 0  AND d = 0       AND e::text = '?' AND f ?| array['x']");
    expect(tables(sql)).toEqual(['t']);
  });
});
