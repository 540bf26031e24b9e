// Compile src/ into dist/ for the published package and for bin/pgsnap.js: one esbuild bundle of our own code
// (dependencies stay in node_modules), split at the lazy command imports so `pgsnap --version` and
// `pgsnap backup` load only what they use. Types are checked separately (`npm run typecheck`); this only strips
// them, in well under a second, so it can run on every `npm install` (prepare) and before the tests.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist');
fs.rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli.ts'],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  packages: 'external',
  // chunks stay beside cli.js: demo.ts finds the package's schemas/ and fixtures/ one level up from its module
  chunkNames: '[name]-[hash]',
  logLevel: 'warning',
});
