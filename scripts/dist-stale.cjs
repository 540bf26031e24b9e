// In a clone, bin/pgsnap.js asks this before every run whether dist/ must be rebuilt, so it is on the start-up
// path of every command there: no esbuild, just stats. It stats every file and folder under src/ (a folder's
// mtime changes when a file is added, removed or renamed in it; an edit in place changes only the file's), plus
// package.json, npm's record of what node_modules holds (the bundled dependencies) and the build script: about
// 200 stats, ~2 ms. A cheaper check that looked only at folders would miss an editor saving in place, and run
// yesterday's code without a word. CommonJS, like bin/: the first import() of an ES module starts Node's ES
// module loader, 12-15 ms of every command in a clone; require() does not.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/**
 * Is dist/ missing, or older than the start of the build that made it (scripts/build.mjs stamps dist/cli.cjs)?
 * `root` (with a trailing slash) is the clone; the tests pass a copy.
 */
function distIsStale(root = `${path.join(__dirname, '..')}${path.sep}`) {
  const built = fs.statSync(`${root}dist/cli.cjs`, { throwIfNoEntry: false });
  if (!built) return true;
  const since = built.mtimeMs;
  const newer = (p) => (fs.statSync(p, { throwIfNoEntry: false })?.mtimeMs ?? 0) > since;
  const tree = (dir) =>
    newer(dir) || fs.readdirSync(dir, { withFileTypes: true }).some((e) => (e.isDirectory() ? tree(`${dir}/${e.name}`) : newer(`${dir}/${e.name}`)));
  return tree(`${root}src`) || ['package.json', 'node_modules/.package-lock.json', 'scripts/build.mjs'].some((f) => newer(`${root}${f}`));
}

module.exports = { distIsStale };
