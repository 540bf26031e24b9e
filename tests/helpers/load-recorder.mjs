// `node --import ./tests/helpers/load-recorder.mjs …` appends the URL of every ES module the process loads to the
// file named by LOAD_RECORDER_FILE, one per line. Used to check which bundle chunks a command loads (start-up
// cost is asserted by what loads, never by timing). Registered from the main thread; the hook itself runs on
// Node's loader thread, which loads this same file again.
import fs from 'node:fs';
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) register(import.meta.url);

export async function load(url, context, nextLoad) {
  const file = process.env.LOAD_RECORDER_FILE;
  if (file) fs.appendFileSync(file, `${url}\n`);
  return nextLoad(url, context);
}
