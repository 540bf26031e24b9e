/**
 * `.gitignore` rules, so the code scan reads what the repository tracks: build output, generated clients and
 * local copies listed there are not application code. The rules of gitignore(5) that matter here: `#` comments,
 * `!` re-includes, a trailing `/` matches folders only, a pattern with a slash is relative to the .gitignore's
 * folder, one without matches a name at any depth below it, `*` `?` `[…]` stay within a path segment, `**`
 * crosses them; the last matching rule wins. (An ignored folder is not entered, so nothing below it comes back.)
 */
export interface IgnoreRule {
  /** the folder holding the .gitignore, relative to the scan root ('' at the root) */
  readonly base: string;
  readonly re: RegExp;
  readonly negate: boolean;
  readonly dirOnly: boolean;
}

export function parseGitignore(text: string, base: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    let line = rawLine.replace(/(?<!\\)\s+$/, '');
    if (line === '' || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1);
    const dirOnly = line.endsWith('/');
    if (dirOnly) line = line.slice(0, -1);
    const anchored = line.includes('/');
    if (line.startsWith('/')) line = line.slice(1);
    rules.push({ base, re: compile(line, anchored), negate, dirOnly });
  }
  return rules;
}

function compile(glob: string, anchored: boolean): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end === -1) re += '\\[';
      else {
        re += `[${glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < glob.length) {
      re += (glob[i + 1] as string).replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
      i++;
    } else re += c.replace(/[\\^$.+()[\]{}|]/g, '\\$&');
  }
  return new RegExp(`^${anchored ? '' : '(?:.*/)?'}${re}$`);
}

/** Is `rel` (relative to the scan root, forward slashes) ignored by the rules in force? */
export function isIgnored(rules: readonly IgnoreRule[], rel: string, isDir: boolean): boolean {
  let ignored = false;
  for (const r of rules) {
    if (r.dirOnly && !isDir) continue;
    const prefix = r.base === '' ? '' : `${r.base}/`;
    if (prefix && !rel.startsWith(prefix)) continue;
    if (r.re.test(rel.slice(prefix.length))) ignored = !r.negate;
  }
  return ignored;
}
