import { type Finding, type SourceLocation, findingSites, sortFindings } from './finding.js';

/**
 * GitHub Actions workflow commands (`::error file=…,line=…,title=…::message`), one per place a finding belongs
 * (see findingSites): the schema file line that defines a drifted object, and every line of code that uses an
 * undefined table or column, so each use site is annotated in the pull request. Objects that exist only live have
 * no line to point at: they are attached to `fallbackFile` (the schema directory).
 *
 * Escaping follows the runner's rules: `%`, CR and LF in the message; additionally `:` and `,` in properties.
 */
const COMMAND: Record<Finding['severity'], string> = { error: 'error', warning: 'warning', note: 'notice' };

function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export interface GithubOptions {
  /** where to attach findings without a location, e.g. "schemas" */
  readonly fallbackFile?: string;
  /** longest diff (in characters) put into an annotation; longer ones are cut */
  readonly maxDiff?: number;
}

export function renderGithub(findings: readonly Finding[], options: GithubOptions = {}): string {
  const maxDiff = options.maxDiff ?? 4000;
  const lines: string[] = [];
  for (const f of sortFindings(findings)) {
    let message = f.message;
    if (f.diff) message += `\n${f.diff.length > maxDiff ? `${f.diff.slice(0, maxDiff)}\n… (diff cut)` : f.diff}`;
    const sites: (SourceLocation | undefined)[] = findingSites(f);
    for (const at of sites.length > 0 ? sites : [undefined]) {
      const props: string[] = [];
      const file = at?.file ?? options.fallbackFile;
      if (file) props.push(`file=${escapeProperty(file)}`);
      if (at?.line) props.push(`line=${at.line}`);
      if (at?.column) props.push(`col=${at.column}`);
      props.push(`title=${escapeProperty(`pgsnap ${f.kind}: ${f.object}`)}`);
      lines.push(`::${COMMAND[f.severity]} ${props.join(',')}::${escapeData(message)}`);
    }
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
