import { describe, expect, it } from 'vitest';
import { fill, joinLiterals } from '../../src/scan/holes.js';
import { stringLiterals } from '../../src/scan/strings.js';

const values = (text: string, lang: Parameters<typeof stringLiterals>[1]) => stringLiterals(text, lang).map((s) => s.value);

describe('stringLiterals', () => {
  it('python: quotes, triple quotes, raw strings; # comments skipped; the callee recorded', () => {
    const src = `# cur.execute("no")\ncur.execute("SELECT 1")  # "not this"\nq = r'''a\\nb'''\nx = 'it\\'s'\n`;
    expect(values(src, 'python')).toEqual(['SELECT 1', 'a\\nb', "it's"]);
    expect(stringLiterals(src, 'python')[0]?.callee).toBe('execute');
  });

  it('ruby: heredocs (the body is one string, the rest of the line still code), =begin blocks', () => {
    const src = `=begin\n"hidden"\n=end\nfind_by_sql(<<~SQL, "after")\n  SELECT 1\nSQL\nputs 'x' # "no"\n`;
    const found = stringLiterals(src, 'ruby');
    expect(found.map((s) => s.value)).toEqual(['  SELECT 1\n', 'after', 'x']);
    expect(found[0]?.callee).toBe('find_by_sql');
    expect(src.slice(found[0]?.start, (found[0]?.start ?? 0) + 10)).toBe('  SELECT 1');
  });

  it('go: raw backtick strings, rune literals, block comments', () => {
    const src = "/* db.Query(\"no\") */\nr := '\"'\ndb.Query(`SELECT\n 1`)\n// \"no\"\n";
    expect(values(src, 'go')).toEqual(['SELECT\n 1']);
  });

  it('java: text blocks and char literals', () => {
    const src = 'char q = \'"\';\nps = c.prepareStatement("""\n    SELECT 1\n    """);\n';
    const found = stringLiterals(src, 'java');
    expect(found.map((s) => s.value)).toEqual(['    SELECT 1\n    ']);
    expect(found[0]?.callee).toBe('prepareStatement');
  });

  it('php: heredoc, nowdoc, # and // comments, attributes are not comments', () => {
    const src = "<?php\n# 'no'\n// 'no'\n#[Attr('yes')]\n$a = <<<'SQL'\n  SELECT 2\n  SQL;\n$b = \"x\";\n";
    expect(values(src, 'php')).toEqual(['yes', '  SELECT 2\n', 'x']);
  });
});

describe('SQL built from pieces', () => {
  const sql = (text: string, lang: Parameters<typeof stringLiterals>[1], standIn?: (i: number) => string) =>
    joinLiterals(text, stringLiterals(text, lang), lang).map((h) => fill(h, standIn).text);

  it('joins adjacent and concatenated literals; a concatenated variable is a hole', () => {
    expect(sql('cur.execute("SELECT a "\n  "FROM t WHERE id IN %s", (x,))', 'python')).toEqual(['SELECT a FROM t WHERE id IN ($1)']);
    expect(sql('db.Query("SELECT a FROM t " +\n "WHERE " + where + " ORDER BY a")', 'go')).toEqual(['SELECT a FROM t WHERE $1 ORDER BY a']);
    expect(sql("$pdo->query('SELECT a ' . 'FROM t WHERE b = :b');", 'php')).toEqual(['SELECT a FROM t WHERE b = $1']);
  });

  it('fills f-string, format, Ruby and PHP interpolation; stand-ins where a value cannot stand', () => {
    expect(sql('q = f"SELECT * FROM {table} WHERE id = {ids[0]}"', 'python', (i) => `h${i}`)).toEqual(['SELECT * FROM h1 WHERE id = h2']);
    expect(sql('q = "UPDATE t SET a = {} WHERE id = {}".format(a, b)', 'python')).toEqual(['UPDATE t SET a = $1 WHERE id = $2']);
    expect(sql('x = "SELECT 1 FROM t WHERE n = \'#{name}\' AND s IN :s"', 'ruby')).toEqual(["SELECT 1 FROM t WHERE n = '$1' AND s IN ($2)"]);
    expect(sql('$q = "SELECT 1 FROM t WHERE id = $id AND n = \'{$n}\'";', 'php')).toEqual(["SELECT 1 FROM t WHERE id = $1 AND n = '$2'"]);
    // single-quoted Ruby and PHP strings do not interpolate; quoted text and casts are not placeholders
    expect(sql("x = 'SELECT \"#{a}\" FROM t WHERE at > \\'10:00\\'::time'", 'ruby')).toEqual(["SELECT \"#{a}\" FROM t WHERE at > '10:00'::time"]);
  });
});
