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
// Runs the TypeScript sources directly (through tsx), so a fresh clone needs no build step.
const { register } = await import('tsx/esm/api');
register();
// tsx turns on source maps, which makes node parse the map of every module it loads (a third of start-up);
// they only matter for stack traces, which pgsnap shows under --debug.
if (!process.argv.includes('--debug')) process.setSourceMapsEnabled(false);
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv);
