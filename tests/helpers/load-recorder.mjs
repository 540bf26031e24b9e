// `node --import ./tests/helpers/load-recorder.mjs …` appends the URL of every ES module the process loads to the
// file named by LOAD_RECORDER_FILE, one per line. Used to check which ES modules a command loads besides dist/cli.cjs (a package loaded with import(); start-up
// cost is asserted by what loads, never by timing). Registered from the main thread; the hook itself runs on
// Node's loader thread, which loads this same file again.
// It also appends `global Response` the first time the process reads the global Response: Node 20 loads its whole
// fetch implementation (undici, about 30 ms of CPU) on that first read, which no ES module hook would show.
import fs from 'node:fs';
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) {
  register(import.meta.url);
  const original = Object.getOwnPropertyDescriptor(globalThis, 'Response');
  if (original?.configurable) {
    Object.defineProperty(globalThis, 'Response', {
      configurable: true,
      enumerable: original.enumerable,
      get() {
        const file = process.env.LOAD_RECORDER_FILE;
        if (file) fs.appendFileSync(file, 'global Response\n');
        Object.defineProperty(globalThis, 'Response', original);
        return globalThis.Response;
      },
      set(value) {
        Object.defineProperty(globalThis, 'Response', { value, writable: true, configurable: true, enumerable: original.enumerable });
      },
    });
  }
}

export async function load(url, context, nextLoad) {
  const file = process.env.LOAD_RECORDER_FILE;
  if (file) fs.appendFileSync(file, `${url}\n`);
  return nextLoad(url, context);
}
