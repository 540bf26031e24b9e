#!/usr/bin/env node
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
