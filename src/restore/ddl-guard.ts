import { internalError } from '../errors.js';

/**
 * `--create-missing` runs DDL rendered from the archive's schema.json, and every definition in it (defaults,
 * checks, index expressions, function bodies) is text from a file. A forged archive must not get a superuser
 * restore to run programs, read or write server files, import large objects, change role or open connections.
 * Switching to a less privileged role cannot stop that (RESET ROLE works inside any statement), so the DDL is
 * parsed with PostgreSQL's own parser and refused unless every statement is one restore needs to create tables,
 * and nothing in it — function bodies included, SQL and PL/pgSQL, parsed too — is on the list below. Pure: the
 * caller loads the parser (`loadDdlParser`) and decides what to do with the findings.
 */

/** Top-level statements renderForTables writes. */
const CREATES = new Set([
  'CreateSchemaStmt', 'CreateExtensionStmt', 'CreateEnumStmt', 'CompositeTypeStmt', 'CreateDomainStmt', 'CreateSeqStmt',
  'AlterSeqStmt', 'CreateStmt', 'AlterTableStmt', 'IndexStmt', 'CreateTrigStmt', 'CreatePolicyStmt', 'GrantStmt',
  'CommentStmt', 'CreateFunctionStmt', 'DoStmt', 'VariableSetStmt', 'SelectStmt',
]);
/** Settings archived DDL may never change (a function's SET clause included): who runs, and what gets loaded. */
const FORBIDDEN_SETTING = /^(role|session_authorization|session_replication_role|.*preload_libraries|dynamic_library_path)$/i;
/** Statements a function body may hold. */
const BODY_STATEMENTS = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt', 'CallStmt', 'ReturnStmt']);
/** Functions that reach outside the database or change who is running: never called from archived DDL. */
const FORBIDDEN_FUNCTION = new RegExp(
  '^(pg_read_file|pg_read_binary_file|pg_ls_.*|pg_stat_file|pg_file_.*|pg_logdir_ls|lo_.*|dblink.*|set_config|pg_reload_conf|' +
    'pg_terminate_backend|pg_cancel_backend|pg_rotate_logfile|pg_promote|pg_switch_wal|.*replication_slot.*|pg_logical_.*|' +
    'query_to_xml.*|cursor_to_xml.*|pg_import_system_collations|pg_create_restore_point)$',
);
const LANGUAGES = new Set(['sql', 'plpgsql']);

type Node = Record<string, unknown>;

type Parser = typeof import('libpg-query');
let parser: Parser | undefined;

/**
 * Imported here, on demand: libpg-query instantiates its WASM as soon as it is imported (tens of ms of CPU), and
 * a restore without --where or --create-missing never parses anything.
 */
export async function loadDdlParser(): Promise<void> {
  const lib = await import('libpg-query');
  await lib.loadModule();
  parser = lib;
}

/** The loaded parser (row-filter.ts uses it too); a caller that skipped loadDdlParser is a bug, said as one. */
export function sqlParser(): Parser {
  if (!parser) throw internalError('the SQL parser was used before loadDdlParser()');
  return parser;
}

/** What the DDL would create (`table public.x`, `function public.f`, …) and what makes it unsafe (empty: safe). */
export function checkArchivedDdl(sql: string): { creates: string[]; problems: string[] } {
  const creates: string[] = [];
  const problems: string[] = [];
  checkScript(sql, 'top', creates, problems);
  return { creates, problems: [...new Set(problems)] };
}

function checkScript(sql: string, where: 'top' | 'body', creates: string[], problems: string[]): void {
  const { parseSync } = sqlParser();
  let parsed: { stmts?: { stmt: Node; stmt_location?: number; stmt_len?: number }[] };
  try {
    parsed = parseSync(sql) as typeof parsed;
  } catch (e) {
    problems.push(`archived DDL does not parse: ${(e as Error).message}`);
    return;
  }
  const bytes = Buffer.from(sql, 'utf8');
  for (const { stmt, stmt_location = 0, stmt_len } of parsed.stmts ?? []) {
    const [kind, node] = Object.entries(stmt)[0] as [string, Node];
    const text = bytes.subarray(stmt_location, stmt_len === undefined || stmt_len === 0 ? undefined : stmt_location + stmt_len).toString('utf8');
    const allowed = where === 'top' ? CREATES.has(kind) : BODY_STATEMENTS.has(kind) || CREATES.has(kind);
    const setting = kind === 'VariableSetStmt' ? String(node.name ?? '') : '';
    if (!allowed || (where === 'top' && setting !== '' && setting !== 'check_function_bodies') || FORBIDDEN_SETTING.test(setting)) {
      problems.push(`archived DDL holds a ${statementName(kind)} statement, which restore never writes (${snippet(text)})`);
      continue;
    }
    if (kind === 'CreateStmt') creates.push(`table ${rangeName(node.relation)}`);
    if (kind === 'CreateFunctionStmt') creates.push(`function ${nameList(node.funcname)}`);
    if (kind === 'CreateEnumStmt') creates.push(`type ${nameList(node.typeName)}`);
    if (kind === 'CreateDomainStmt') creates.push(`domain ${nameList(node.domainname)}`);
    if (kind === 'IndexStmt' && typeof node.idxname === 'string') creates.push(`index ${node.idxname}`);
    if (kind === 'CreateTrigStmt') creates.push(`trigger ${String(node.trigname)}`);
    walk(stmt, problems, kind);
    if (kind === 'CreateFunctionStmt') checkFunction(node, text, creates, problems);
    if (kind === 'DoStmt') checkPlpgsql(`CREATE FUNCTION pgsnap_do() RETURNS void LANGUAGE plpgsql AS ${dollarQuote(option(node.args, 'as') ?? '')}`, creates, problems);
  }
}

function checkFunction(node: Node, text: string, creates: string[], problems: string[]): void {
  const language = (option(node.options, 'language') ?? (node.sql_body ? 'sql' : '')).toLowerCase();
  if (!LANGUAGES.has(language)) {
    problems.push(`archived function ${nameList(node.funcname)} is LANGUAGE ${language || '(none)'}; only sql and plpgsql functions are created from an archive`);
    return;
  }
  const body = option(node.options, 'as');
  if (language === 'sql' && body !== undefined) checkScript(body, 'body', creates, problems);
  if (language === 'plpgsql') checkPlpgsql(text, creates, problems);
}

/** PL/pgSQL: every embedded statement and expression is parsed and checked; SQL built at run time is refused. */
function checkPlpgsql(createFunction: string, creates: string[], problems: string[]): void {
  const { parsePlPgSQLSync } = sqlParser();
  let tree: unknown;
  try {
    tree = parsePlPgSQLSync(createFunction);
  } catch (e) {
    problems.push(`an archived PL/pgSQL body does not parse: ${(e as Error).message}`);
    return;
  }
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) visit(x);
      return;
    }
    if (v === null || typeof v !== 'object') return;
    for (const [k, child] of Object.entries(v as Node)) {
      if (k === 'PLpgSQL_stmt_dynexecute' || k === 'PLpgSQL_stmt_dynfors' || (k === 'PLpgSQL_stmt_open' && (child as Node).dynquery)) {
        problems.push('an archived PL/pgSQL body runs SQL built at run time (EXECUTE), which restore cannot check');
      }
      if (k === 'PLpgSQL_expr') {
        const { query, parseMode } = child as { query: string; parseMode?: number };
        if (!parseMode) checkScript(query, 'body', creates, problems);
        else checkExpression(query, problems);
        continue;
      }
      visit(child);
    }
  };
  visit(tree);
}

function checkExpression(expr: string, problems: string[]): void {
  const rhs = expr.includes(':=') ? expr.slice(expr.indexOf(':=') + 2) : expr;
  const { parseSync } = sqlParser();
  try {
    walk(parseSync(`SELECT ${rhs}`) as Node, problems, 'expression');
  } catch {
    // Not parseable as an expression on its own (a PL/pgSQL construct): refuse it only if it names a forbidden function.
    for (const word of rhs.toLowerCase().match(/[a-z_][a-z0-9_]*/g) ?? []) {
      if (FORBIDDEN_FUNCTION.test(word)) problems.push(`archived DDL calls ${word}(), which restore never runs`);
    }
  }
}

/** Deep walk of a parse tree: forbidden functions, and statements nested where they do not belong. */
function walk(v: unknown, problems: string[], top: string): void {
  if (Array.isArray(v)) {
    for (const x of v) walk(x, problems, top);
    return;
  }
  if (v === null || typeof v !== 'object') return;
  for (const [k, child] of Object.entries(v as Node)) {
    if (k === 'FuncCall') {
      const name = nameList((child as Node).funcname).split('.').pop() ?? '';
      if (FORBIDDEN_FUNCTION.test(name.toLowerCase())) problems.push(`archived DDL calls ${name}(), which restore never runs`);
    } else if (/^[A-Z]\w*Stmt$/.test(k) && k !== top && !BODY_STATEMENTS.has(k) && !CREATES.has(k)) {
      // node types are capitalised (`InsertStmt`); fields are not (`selectStmt` of an INSERT … SELECT)
      problems.push(`archived DDL holds a ${statementName(k)} statement, which restore never writes`);
    } else if (k === 'VariableSetStmt' && k !== top && FORBIDDEN_SETTING.test(String((child as Node).name ?? ''))) {
      problems.push(`archived DDL sets ${String((child as Node).name)}, which restore never writes`);
    }
    walk(child, problems, top);
  }
}

function option(list: unknown, name: string): string | undefined {
  for (const item of (list as { DefElem?: Node }[] | undefined) ?? []) {
    const d = item.DefElem;
    if (d?.defname !== name) continue;
    const arg = d.arg as Node | undefined;
    const str = (arg?.String as { sval?: string } | undefined)?.sval;
    if (str !== undefined) return str;
    const items = (arg?.List as { items?: { String?: { sval?: string } }[] } | undefined)?.items;
    return items?.[0]?.String?.sval;
  }
  return undefined;
}

function nameList(list: unknown): string {
  return Array.isArray(list) ? (list as { String?: { sval?: string } }[]).map((x) => x.String?.sval ?? '').join('.') : '';
}

function rangeName(r: unknown): string {
  const x = (r ?? {}) as { schemaname?: string; relname?: string };
  return x.schemaname ? `${x.schemaname}.${x.relname}` : String(x.relname);
}

function statementName(kind: string): string {
  return kind.replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 60 ? `${flat.slice(0, 60)}…` : flat;
}

function dollarQuote(body: string): string {
  let tag = 'pgsnap';
  while (body.includes(`$${tag}$`)) tag += '_';
  return `$${tag}$${body}$${tag}$`;
}
