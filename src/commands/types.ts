import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { withSession } from '../db/client.js';
import { DEFAULT_EMBEDDED_MAJOR } from '../db/embedded.js';
import { applyStatements } from '../drift/apply.js';
import { listSchemaFiles, readSchemaStatements } from '../drift/schema-files.js';
import { openShadow, parseShadowSpec } from '../drift/shadow.js';
import { EXIT, PgsnapError, usageError } from '../errors.js';
import { generateTypes } from '../scan/typegen.js';
import type { Action, CommandContext } from './context.js';
import { collect } from './options.js';

export interface TypesFlags {
  fromSchemas?: string;
  out?: string;
  schema?: string[];
}

/** Load the schema files into a shadow database (as `drift check` does) and print types from there. */
async function typesFromSchemaFiles(dir: string, ctx: CommandContext, schemas: readonly string[]): Promise<string> {
  const files = listSchemaFiles(path.resolve(ctx.cwd, dir));
  if (files.length === 0) throw usageError(`no *.sql files in ${dir}`, 'pass --from-schemas DIR with your schema files');
  const statements = await readSchemaStatements(files, ctx.cwd);
  const shadow = await openShadow(parseShadowSpec(ctx.config.drift?.shadow), { major: DEFAULT_EMBEDDED_MAJOR, logger: ctx.logger });
  try {
    await withSession(shadow.target, (s) => applyStatements(s, statements), { logger: ctx.logger });
    ctx.logger.info(`applied ${files.length} schema file(s) from ${dir} to ${shadow.description}`);
    return await generateTypes(shadow.target.url as string, { schemas });
  } finally {
    await shadow.dispose();
  }
}

export const types: Action<TypesFlags> = async (flags, ctx) => {
  const schemas = flags.schema ?? [];
  let text: string;
  if (flags.fromSchemas) {
    text = await typesFromSchemaFiles(flags.fromSchemas, ctx, schemas);
  } else {
    const target = ctx.target();
    if (!target.url) throw usageError('pgsnap types needs a connection URL', 'pass --url, set DATABASE_URL, or use --from-schemas DIR');
    // Connect once through pgsnap's own client first: connection problems are reported the same way as elsewhere.
    await withSession(target, async () => {}, { logger: ctx.logger });
    text = await generateTypes(target.url, { schemas });
  }
  const tables = (/export interface Tables \{\n([^}]*)\}/.exec(text)?.[1] ?? '').split('\n').filter((l) => l.trim()).length;
  if (flags.out) {
    const out = path.resolve(ctx.cwd, flags.out);
    try {
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, text);
    } catch (e) {
      throw new PgsnapError('io', `cannot write ${flags.out}: ${(e as Error).message}`);
    }
    ctx.logger.info(`wrote types for ${tables} table(s) to ${flags.out}`);
  } else {
    ctx.stdout.write(text);
  }
  return EXIT.OK;
};

export function register(program: Command, wrap: <O>(a: Action<O>) => (...args: unknown[]) => Promise<void>): void {
  program
    .command('types')
    .description('write TypeScript types for the tables of the live database or of the schema files')
    .option('--from-schemas <dir>', 'read the schema files (through a shadow database) instead of the live database')
    .option('--out <file>', 'write here instead of stdout')
    .option('--schema <name>', 'only this schema (repeatable; default: every schema with tables)', collect)
    .addHelpText(
      'after',
      `
The module exports a record and an insert type per table (identity, generated and defaulted columns optional on
insert) and a \`Tables\` interface keyed by table name, so code typed with it does not compile when it names a
table that no schema file defines.

Examples:
  pgsnap types --from-schemas schemas --out src/db-types.ts
  pgsnap types --url postgres://app@localhost/app --schema public > src/db-types.ts`,
    )
    .action(wrap(types));
}
