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
// This file is CommonJS (bin/package.json says so): Node starts a CommonJS entry about 5 ms sooner than an ES
// module one, which is most of what `pgsnap --version` costs beyond Node itself. dist/cli.cjs is CommonJS too, for
// its code cache (bin/code-cache.js).
const fs = require('node:fs');
const path = require('node:path');

// `pgsnap --version` is answered here, from package.json, without loading the CLI. A reader that already went
// away (`pgsnap --version | true`) gets nothing, not a stack trace: writeSync throws EPIPE at once instead of
// emitting an unhandled 'error' event later.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
  try {
    fs.writeSync(1, `${version}\n`);
  } catch (e) {
    if (e.code !== 'EPIPE') throw e;
  }
} else {
  // A command whose work stopped without an answer (nothing left to wait for while main() still awaited) must
  // not look like success: as an ES module with top-level await this was Node's exit 13, here it is said.
  let answered = false;
  process.on('exit', (code) => {
    if (answered || code !== 0) return;
    process.stderr.write('pgsnap: the command stopped before it finished (a bug in pgsnap; run it again with --debug)\n');
    process.exitCode = 2;
  });
  // a build that fails or a dist/ that is missing is trouble (exit 2), said in one line
  runCli().then(
    () => {
      answered = true;
    },
    (e) => {
      answered = true;
      process.stderr.write(`pgsnap: could not start: ${e?.message ?? e}\n`);
      process.exitCode = 2;
    },
  );
}

// Runs the compiled CLI in dist/ (scripts/build.mjs; `npm pack` and `npm publish` build it), so no TypeScript
// compiler is loaded at run time, with a V8 code cache (bin/code-cache.js). In a clone of the repository
// (scripts/ is not published) it first rebuilds dist/ when the sources are newer (scripts/dist-stale.cjs, 2–3 ms),
// so `npm install && npm run demo` and `npx pgsnap` never run a stale build. main() never throws: it returns the
// exit code.
async function runCli() {
  const stale = path.join(__dirname, '..', 'scripts', 'dist-stale.cjs');
  if (fs.existsSync(stale)) {
    const { distIsStale } = require(stale);
    if (distIsStale()) await (await import('../scripts/build.mjs')).buildDist();
  }
  const { loadBundle } = require('./code-cache.js');
  const { exports, done } = loadBundle(path.join(__dirname, '..', 'dist', 'cli.cjs'), process.argv, process.env);
  process.exitCode = await exports.main(process.argv);
  done(process.exitCode);
}
