import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// bin/pgsnap.js's check, in a clone, whether dist/ must be rebuilt before running (scripts/dist-stale.cjs).
const { distIsStale } = (await import('../../scripts/dist-stale.cjs' as string)) as { distIsStale: (root: string) => boolean };

const BEFORE = new Date('2026-01-01T00:00:00Z');
const BUILT = new Date('2026-01-02T00:00:00Z');
const AFTER = new Date('2026-01-03T00:00:00Z');
let root: string;

const at = (rel: string, when: Date) => fs.utimesSync(path.join(root, rel), when, when);
function write(rel: string, when = BEFORE): void {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), 'x');
  at(rel, when);
}
/** folders keep the old time too: only what a test changes is newer than the build */
const settle = () => {
  for (const d of ['src', 'src/db', 'src/commands', 'src/commands/actions']) at(d, BEFORE);
};

beforeEach(() => {
  root = `${fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-stale-'))}/`;
  for (const f of ['src/cli.ts', 'src/db/client.ts', 'src/commands/actions/backup.ts', 'package.json', 'scripts/build.mjs', 'node_modules/.package-lock.json'])
    write(f);
  write('dist/cli.cjs', BUILT);
  settle();
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('distIsStale', () => {
  it('is false when nothing changed since the build, true without a build', () => {
    expect(distIsStale(root)).toBe(false);
    fs.rmSync(path.join(root, 'dist'), { recursive: true });
    expect(distIsStale(root)).toBe(true);
  });

  it('sees a file edited in place deep in src/ (its folder keeps its time)', () => {
    at('src/commands/actions/backup.ts', AFTER);
    expect(fs.statSync(path.join(root, 'src/commands/actions')).mtime).toEqual(BEFORE);
    expect(distIsStale(root)).toBe(true);
  });

  it('sees a file added or removed (only its folder changes)', () => {
    write('src/db/pool.ts', BEFORE);
    expect(distIsStale(root)).toBe(true);
    fs.rmSync(path.join(root, 'src/db/pool.ts'));
    settle();
    expect(distIsStale(root)).toBe(false);
    fs.rmSync(path.join(root, 'src/db/client.ts'));
    expect(distIsStale(root)).toBe(true);
  });

  it('sees package.json, an npm install (node_modules/.package-lock.json) and the build script', () => {
    for (const f of ['package.json', 'node_modules/.package-lock.json', 'scripts/build.mjs']) {
      at(f, AFTER);
      expect(distIsStale(root), f).toBe(true);
      at(f, BEFORE);
      expect(distIsStale(root), f).toBe(false);
    }
  });
});
