#!/usr/bin/env node
// Runs the TypeScript sources directly (through tsx), so a fresh clone needs no build step.
import { register } from 'tsx/esm/api';

register();
// tsx turns on source maps, which makes node parse the map of every module it loads (a third of start-up);
// they only matter for stack traces, which pgsnap shows under --debug.
if (!process.argv.includes('--debug')) process.setSourceMapsEnabled(false);
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv);
