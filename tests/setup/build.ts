import { execFileSync } from 'node:child_process';
import path from 'node:path';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');

/**
 * The CLI tests run bin/pgsnap.js, which runs the compiled dist/ — what users get. Build it from the current
 * sources first (esbuild, well under a second), so no test ever runs a stale build.
 */
export default function setup(): void {
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs')], { stdio: 'inherit' });
}
