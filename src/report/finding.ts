/**
 * One thing a check found: a drift between the live database and the schema files, or a table the application
 * code uses that is defined nowhere. Drift (src/drift) and the code scan (src/scan) both produce Findings; the
 * renderers in this folder (text, json, github, sarif) print them. Plain readonly data, JSON-serialisable.
 */
export type Severity = 'error' | 'warning' | 'note';

export interface SourceLocation {
  /** path relative to the working directory, with forward slashes (what CI annotations need) */
  readonly file: string;
  /** 1-based */
  readonly line: number;
  /** 1-based, when known */
  readonly column?: number;
}

export interface Finding {
  /**
   * What kind of object or problem, e.g. `table`, `column`, `index`, `policy` for drift (the catalog diff's
   * kinds), or `code.undefined-table` for the code scan. Ignore rules (`drift.ignore.kinds`) match on it.
   */
  readonly kind: string;
  /** the fully qualified object: `public.test_sessions.status`, `public.idx_name`, `auth.users.on_auth_user_created` */
  readonly object: string;
  readonly severity: Severity;
  /** one sentence for a human, without the diff */
  readonly message: string;
  /** where the object is used or mentioned (code references: every file:line that uses the table) */
  readonly references?: readonly SourceLocation[];
  /** a unified diff (schema files → live) of the object's definition, for changed objects */
  readonly diff?: string;
  /** where a fix belongs: the schema file and line that define the object (annotations point here) */
  readonly location?: SourceLocation;
  /** the table the object belongs to (`public.projects` for its columns, indexes, triggers…), for grouping */
  readonly table?: string;
}

export interface FindingSummary {
  readonly total: number;
  readonly errors: number;
  readonly warnings: number;
  readonly notes: number;
}

export function summarize(findings: readonly Finding[]): FindingSummary {
  let errors = 0;
  let warnings = 0;
  let notes = 0;
  for (const f of findings) {
    if (f.severity === 'error') errors++;
    else if (f.severity === 'warning') warnings++;
    else notes++;
  }
  return { total: findings.length, errors, warnings, notes };
}

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, note: 2 };

/** A stable order for output: by object, then kind, then severity (errors first). */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      a.object.localeCompare(b.object, 'en') ||
      a.kind.localeCompare(b.kind, 'en') ||
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      a.message.localeCompare(b.message, 'en'),
  );
}

/**
 * The places a reviewer should see a finding, one per line: every use site of the code (a column finding sits on
 * the line that names the column), and for drift the schema file line that defines the object. Code findings
 * carry their definition in `location` as context only (the fix is not always there); their sites are the uses.
 */
export function findingSites(f: Finding): SourceLocation[] {
  const sites: SourceLocation[] = [];
  const seen = new Set<string>();
  const add = (l: SourceLocation | undefined) => {
    if (!l || seen.has(`${l.file}:${l.line}`)) return;
    seen.add(`${l.file}:${l.line}`);
    sites.push(l);
  };
  const isCode = f.kind.startsWith('code.');
  if (!isCode || !f.references?.length) add(f.location);
  for (const r of f.references ?? []) add(r);
  return sites;
}
