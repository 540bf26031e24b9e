/**
 * Cleanup on interruption. A command that leaves something behind when killed (a temporary archive file, a
 * shadow database) registers an undo here; SIGINT/SIGTERM run them all, then the process exits with code 2.
 * SIGKILL cannot be caught: for that, the next run cleans up (see archive/writer.ts).
 */
type Cleanup = () => void | Promise<void>;
const cleanups = new Set<Cleanup>();
let installed = false;

export function onInterrupt(fn: Cleanup): () => void {
  cleanups.add(fn);
  if (!installed) {
    installed = true;
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(sig, () => {
        process.stderr.write(`pgsnap: interrupted by ${sig}; cleaning up\n`);
        void Promise.allSettled([...cleanups].map(async (c) => c())).then(() => process.exit(2));
      });
    }
  }
  return () => cleanups.delete(fn);
}
