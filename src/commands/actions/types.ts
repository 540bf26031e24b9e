import fs from 'node:fs';
import path from 'node:path';
import { withSession } from '../../db/client.js';
import { type ConnectionTarget, targetUrl } from '../../db/connection.js';
import { DEFAULT_EMBEDDED_MAJOR } from '../../db/embedded.js';
import { applyStatements } from '../../drift/apply.js';
import { openShadow, parseShadowSpec } from '../../drift/shadow.js';
import { readSchemaSource } from '../../schema-files/source.js';
import { EXIT, PgsnapError, usageError } from '../../errors.js';
import { generateKyselyTypes, generateTypes } from '../../types/typegen.js';
import { generateSupabaseTypes } from '../../types/typegen-supabase.js';
import type { Action, CommandContext } from '../context.js';
import type { TYPES } from '../options.js';

type Generate = (target: ConnectionTarget, schemas: readonly string[]) => Promise<string>;

/** The module to print: pgsnap's own (record and insert types, a `Tables` index), supabase-js's `Database`, or Kysely's `DB`. */
function generatorFor(format: 'pgsnap' | 'supabase' | 'kysely'): Generate {
  if (format === 'supabase') return generateSupabaseTypes;
  if (format === 'kysely') return (target, schemas) => generateKyselyTypes(targetUrl(target) as string, { schemas });
  return (target, schemas) => generateTypes(targetUrl(target) as string, { schemas });
}

/** Load the schema files into a shadow database (as `drift check` does) and print types from there. */
async function typesFromSchemaFiles(dir: string, shadowAt: string, ctx: CommandContext, schemas: readonly string[], generate: Generate): Promise<string> {
  const { files, statements } = readSchemaSource(dir, { cwd: ctx.cwd });
  const shadow = await openShadow(parseShadowSpec(shadowAt), { major: DEFAULT_EMBEDDED_MAJOR, logger: ctx.logger });
  try {
    await withSession(shadow.target, (s) => applyStatements(s, statements), { logger: ctx.logger });
    ctx.logger.info(`applied ${files.length} schema file(s) from ${dir} to ${shadow.description}`);
    return await generate(shadow.target, schemas);
  } finally {
    await shadow.dispose();
  }
}

export const types: Action<typeof TYPES> = async (settings, ctx) => {
  const schemas = settings.schema;
  let text: string;
  if (settings.fromSchemas) {
    text = await typesFromSchemaFiles(settings.fromSchemas, settings.shadow, ctx, schemas, generatorFor(settings.format));
  } else {
    const target = ctx.target();
    if (!target.url) throw usageError('pgsnap types needs a connection URL', 'pass --url, set DATABASE_URL, or use --from-schemas DIR');
    // Connect once through pgsnap's own client first: connection problems are reported the same way as elsewhere.
    await withSession(target, async () => {}, { logger: ctx.logger });
    text = await generatorFor(settings.format)(target, schemas);
  }
  const tables =
    settings.format === 'supabase'
      ? (text.match(/^ {8}Insert: \{$/gm) ?? []).length
      : (/export interface (?:Tables|DB) \{\n([^}]*)\}/.exec(text)?.[1] ?? '').split('\n').filter((l) => l.trim()).length;
  if (settings.out) {
    const out = path.resolve(ctx.cwd, settings.out);
    try {
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, text);
    } catch (e) {
      throw new PgsnapError('io', `cannot write ${settings.out}: ${(e as Error).message}`);
    }
    ctx.logger.info(`wrote types for ${tables} table(s) to ${settings.out}`);
  } else {
    ctx.stdout.write(text);
  }
  return EXIT.OK;
};
