import type { Command } from 'commander';
import type { Action } from './context.js';
import { notImplemented } from './options.js';

export interface TypesFlags {
  fromSchemas?: string;
  out?: string;
}

export const types: Action<TypesFlags> = async () => notImplemented('types');

export function register(program: Command, wrap: <O>(a: Action<O>) => (...args: unknown[]) => Promise<void>): void {
  program
    .command('types')
    .description('write TypeScript types for the tables of the live database or of the schema files')
    .option('--from-schemas <dir>', 'read the schema files (through a shadow database) instead of the live database')
    .option('--out <file>', 'write here instead of stdout')
    .addHelpText('after', '\nExamples:\n  pgsnap types --from-schemas schemas --out src/db-types.ts')
    .action(wrap(types));
}
