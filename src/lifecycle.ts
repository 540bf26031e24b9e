/**
 * Cleanup on interruption. A command that leaves something behind when killed (a temporary archive file, a
 * shadow database) registers an undo here; SIGINT/SIGTERM/SIGHUP run them all, then the process exits with code 2.
 * The signal handlers are installed only while something is registered, so pgsnap used as a library (or inside a
 * test runner) keeps the host's own signal handling the rest of the time.
 * SIGKILL cannot be caught: for that, the next run cleans up (see archive/directory.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

type Cleanup = () => void | Promise<void>;
/** What the interrupted command did or did not change, asked at the moment the signal arrives. */
type Saying = () => string;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const cleanups = new Set<Cleanup>();
const sayings = new Map<Cleanup, Saying>();

function onSignal(sig: NodeJS.Signals): void {
  // One line, as for every other failure: the newest command's word on what it changed, else the generic one.
  const said = [...sayings.values()].at(-1)?.();
  process.stderr.write(said ? `pgsnap: interrupted by ${sig}: ${said}\n` : `pgsnap: interrupted by ${sig}; cleaning up\n`);
  const pending = [...cleanups];
  cleanups.clear();
  sayings.clear();
  void Promise.allSettled(pending.map(async (c) => c())).then(() => process.exit(2));
}

/** Run `fn` on SIGINT/SIGTERM/SIGHUP; `say` (if given) tells the user what was and was not changed. */
export function onInterrupt(fn: Cleanup, say?: Saying): () => void {
  if (cleanups.size === 0) for (const sig of SIGNALS) process.on(sig, onSignal);
  cleanups.add(fn);
  if (say) sayings.set(fn, say);
  return () => {
    sayings.delete(fn);
    if (cleanups.delete(fn) && cleanups.size === 0) for (const sig of SIGNALS) process.off(sig, onSignal);
  };
}

const temporaryDirs = new Set<string>();
let exitHookInstalled = false;

function removeLeftDirs(): void {
  for (const dir of temporaryDirs) {
    try {
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // a child still writing into it; nothing more can be done while exiting
    }
  }
  temporaryDirs.clear();
}

/**
 * A fresh temporary directory that is removed by `remove()`, on SIGINT/SIGTERM/SIGHUP, and at the latest when
 * the process exits — also after an error nobody caught. An embedded server's data directory is 40 MB; leaving
 * one behind per failed cron run fills /tmp.
 */
export function temporaryDirectory(prefix: string, parent: string = os.tmpdir()): { readonly path: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(parent, prefix));
  temporaryDirs.add(dir);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', removeLeftDirs);
  }
  // On a signal the directory goes in the exit hook, after the other cleanups (a server using it has stopped by
  // then); registering keeps the signal handlers installed meanwhile.
  const undo = onInterrupt(() => {});
  const remove = () => {
    undo();
    if (temporaryDirs.delete(dir)) fs.rmSync(dir, { recursive: true, force: true });
  };
  return { path: dir, remove };
}
