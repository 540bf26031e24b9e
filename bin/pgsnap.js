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
// Runs the compiled CLI in dist/ (scripts/build.mjs; `npm pack` and `npm publish` build it), so no TypeScript
// compiler is loaded at run time. In a clone of the repository (scripts/ is not published) it first rebuilds
// dist/ when the sources are newer, so `npm install && npm run demo` and `npx pgsnap` never run a stale build.
import fs from 'node:fs';

const builder = new URL('../scripts/build.mjs', import.meta.url);
if (fs.existsSync(builder)) {
  const { buildDist, distIsStale } = await import(builder.href);
  if (distIsStale()) await buildDist();
}
const { main } = await import('../dist/cli.js');
process.exitCode = await main(process.argv);
