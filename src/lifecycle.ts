/**
 * Cleanup on interruption. A command that leaves something behind when killed (a temporary archive file, a
 * shadow database) registers an undo here; SIGINT/SIGTERM/SIGHUP run them all, then the process exits with code 2.
 * The signal handlers are installed only while something is registered, so pgsnap used as a library (or inside a
 * test runner) keeps the host's own signal handling the rest of the time.
 * SIGKILL cannot be caught: for that, the next run cleans up (see archive/directory.ts).
 */
type Cleanup = () => void | Promise<void>;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const cleanups = new Set<Cleanup>();

function onSignal(sig: NodeJS.Signals): void {
  process.stderr.write(`pgsnap: interrupted by ${sig}; cleaning up\n`);
  const pending = [...cleanups];
  cleanups.clear();
  void Promise.allSettled(pending.map(async (c) => c())).then(() => process.exit(2));
}

export function onInterrupt(fn: Cleanup): () => void {
  if (cleanups.size === 0) for (const sig of SIGNALS) process.on(sig, onSignal);
  cleanups.add(fn);
  return () => {
    if (cleanups.delete(fn) && cleanups.size === 0) for (const sig of SIGNALS) process.off(sig, onSignal);
  };
}
