#!/usr/bin/env node
// Runs the compiled CLI in dist/ (built by `npm run build`: `npm install` in a clone runs it as `prepare`, and
// `npm pack` / `npm publish` run it as `prepack`), so no TypeScript compiler is loaded at run time.
let cli;
try {
  cli = await import('../dist/cli.js');
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('dist')) throw e;
  process.stderr.write('pgsnap: not built (dist/cli.js is missing) — run npm run build\n');
  process.exit(2);
}
process.exitCode = await cli.main(process.argv);
