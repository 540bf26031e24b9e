/**
 * Globs for `scan.exclude`: `**` crosses folders, `*` and `?` stay within one. A pattern without a slash matches
 * a name at any depth (`*.test.ts`, `generated`); a pattern naming a folder excludes everything under it.
 */
export function globMatcher(patterns: readonly string[]): (relativePath: string) => boolean {
  const res = patterns.map(compile);
  return (p) => {
    const path = p.replace(/\\/g, '/');
    return res.some((re) => re.test(path));
  };
}

function compile(glob: string): RegExp {
  let g = glob.replace(/\\/g, '/').replace(/^\.\//, '');
  if (g.endsWith('/')) g = g.slice(0, -1);
  const anywhere = !g.includes('/');
  let re = '';
  for (let i = 0; i < g.length; i++) {
    const c = g[i] as string;
    if (c === '*' && g[i + 1] === '*') {
      const slash = g[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[\\^$.+()[\]{}|]/g, '\\$&');
  }
  return new RegExp(`^${anywhere ? '(?:.*/)?' : ''}${re}(?:/.*)?$`);
}
