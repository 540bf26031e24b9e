import { formatLocation } from '../position.js';
import { type Finding, sortFindings, summarize } from './finding.js';
import { plural } from './numbers.js';

/**
 * Human text: findings grouped by the table they belong to (objects without a table form their own group),
 * each with its location and, for changed definitions, the unified diff; one summary line at the end.
 * ANSI colour only when asked (the caller passes `color: stream.isTTY`).
 */
export interface TextOptions {
  readonly color?: boolean;
  /** the summary line when nothing was found */
  readonly cleanMessage?: string;
}

const ANSI = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const;

function painter(enabled: boolean) {
  return (code: keyof typeof ANSI, s: string) => (enabled ? `\u001b[${ANSI[code]}m${s}\u001b[0m` : s);
}


export function summaryLine(findings: readonly Finding[], cleanMessage = 'no findings'): string {
  const s = summarize(findings);
  if (s.total === 0) return cleanMessage;
  const parts = [plural(s.errors, 'error'), plural(s.warnings, 'warning')];
  if (s.notes > 0) parts.push(plural(s.notes, 'note'));
  return `${plural(s.total, 'finding')}: ${parts.join(', ')}`;
}

export function renderText(findings: readonly Finding[], options: TextOptions = {}): string {
  const paint = painter(Boolean(options.color));
  const groups = new Map<string, Finding[]>();
  for (const f of sortFindings(findings)) {
    const key = f.table ?? f.object;
    const list = groups.get(key) ?? [];
    list.push(f);
    groups.set(key, list);
  }
  const out: string[] = [];
  for (const key of [...groups.keys()].sort((a, b) => a.localeCompare(b, 'en'))) {
    out.push(paint('bold', key));
    for (const f of groups.get(key) ?? []) {
      const sev = f.severity === 'error' ? paint('red', 'error  ') : f.severity === 'warning' ? paint('yellow', 'warning') : paint('cyan', 'note   ');
      const where = f.location ? paint('dim', ` (${formatLocation(f.location)})`) : '';
      out.push(`  ${sev} ${f.kind} ${f.object}: ${f.message}${where}`);
      for (const r of f.references ?? []) out.push(paint('dim', `          ${formatLocation(r)}`));
      if (f.diff) {
        for (const line of f.diff.replace(/\n$/, '').split('\n')) {
          const colored =
            line.startsWith('+') && !line.startsWith('+++')
              ? paint('green', line)
              : line.startsWith('-') && !line.startsWith('---')
                ? paint('red', line)
                : line.startsWith('@@')
                  ? paint('cyan', line)
                  : line;
          out.push(`          ${colored}`);
        }
      }
    }
    out.push('');
  }
  out.push(summaryLine(findings, options.cleanMessage));
  return `${out.join('\n')}\n`;
}
