// Compile src/ into dist/ for the published package and for bin/pgsnap.js: one esbuild bundle of our own code
// (dependencies stay in node_modules), split at the lazy command imports so `pgsnap --version` and
// `pgsnap backup` load only what they use. Types are checked separately (`npm run typecheck`); this only strips
// them, in well under a second. It runs before `npm pack` / `npm publish` (prepack), before the tests, and from
// bin/pgsnap.js in a clone whose sources are newer than dist/. Not as `prepare`: npm lists a `prepare` script
// among the install scripts to approve when pgsnap is installed from a tarball or git.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function buildDist() {
  const { build } = await import('esbuild');
  const outdir = path.join(root, 'dist');
  // Build beside dist/ and swap it in, so a process starting meanwhile sees the old build or the new, never half.
  const next = `${outdir}.${process.pid}.tmp`;
  fs.rmSync(next, { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    entryPoints: ['src/cli.ts'],
    outdir: next,
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
  const old = `${outdir}.${process.pid}.old`;
  if (fs.existsSync(outdir)) fs.renameSync(outdir, old);
  fs.renameSync(next, outdir);
  fs.rmSync(old, { recursive: true, force: true });
}

/** In a clone: is dist/ missing or older than any source file? */
export function distIsStale() {
  const built = path.join(root, 'dist', 'cli.js');
  if (!fs.existsSync(built)) return true;
  const since = fs.statSync(built).mtimeMs;
  const newer = (dir) =>
    fs.readdirSync(dir, { withFileTypes: true }).some((e) => {
      const p = path.join(dir, e.name);
      return e.isDirectory() ? newer(p) : fs.statSync(p).mtimeMs > since;
    });
  return newer(path.join(root, 'src')) || fs.statSync(path.join(root, 'package.json')).mtimeMs > since;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await buildDist();
