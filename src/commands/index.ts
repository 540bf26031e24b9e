import type { Command } from 'commander';
import type { Action } from './context.js';
import * as backup from './backup.js';
import * as demo from './demo.js';
import * as drift from './drift.js';
import * as list from './list.js';
import * as prune from './prune.js';
import * as restore from './restore.js';
import * as scan from './scan.js';
import * as types from './types.js';
import * as verify from './verify.js';

type Wrap = <O>(a: Action<O>) => (...args: unknown[]) => Promise<void>;

/** The order here is the order of `pgsnap --help`. */
export function registerCommands(program: Command, wrap: Wrap): void {
  for (const m of [backup, list, verify, restore, prune, drift, scan, types, demo]) m.register(program, wrap);
}
