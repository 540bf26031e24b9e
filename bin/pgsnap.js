#!/usr/bin/env node
// A password in `--url postgres://user:secret@…` would show in `ps` and /proc/<pid>/cmdline for the whole run.
// Setting the process title overwrites the memory those are read from (libuv writes the title over the original
// argument strings and zeroes the rest), so the first thing pgsnap does is put back its arguments with passwords
// masked, after a short name (the title cannot be longer than the original command line). process.argv keeps
// the real ones.
if (process.argv.some((a) => /:\/\/[^/?#@\s]*:[^@\s]*@|password=/i.test(a))) {
  process.title = ['pgsnap', ...process.argv.slice(2)]
    .map((a) => a.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)[^@\s]*@/gi, '$1***@').replace(/(password=)[^&\s]*/gi, '$1***'))
    .join(' ');
}
import fs from 'node:fs';

// `pgsnap --version` is answered here, from package.json, without loading the CLI (the cost is Node's own start).
// A reader that already went away (`pgsnap --version | true`) gets nothing, not a stack trace: writeSync throws
// EPIPE at once instead of emitting an unhandled 'error' event later.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { version } = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  try {
    fs.writeSync(1, `${version}\n`);
  } catch (e) {
    if (e.code !== 'EPIPE') throw e;
  }
} else {
  // Runs the compiled CLI in dist/ (scripts/build.mjs; `npm pack` and `npm publish` build it), so no TypeScript
  // compiler is loaded at run time. In a clone of the repository (scripts/ is not published) it first rebuilds
  // dist/ when the sources are newer (scripts/dist-stale.mjs, a few ms), so `npm install && npm run demo` and
  // `npx pgsnap` never run a stale build.
  const stale = new URL('../scripts/dist-stale.mjs', import.meta.url);
  if (fs.existsSync(stale)) {
    const { distIsStale } = await import(stale.href);
    if (distIsStale()) await (await import('../scripts/build.mjs')).buildDist();
  }
  const { main } = await import('../dist/cli.js');
  process.exitCode = await main(process.argv);
}
