import fs from 'node:fs';
import { PgsnapError } from '../errors.js';
import { type SchemaDefinitions, definitionsOf } from './definitions.js';
import { displayPath, listSchemaFiles } from './files.js';
import { type SchemaStatement, parseSchemaFile } from './statements.js';

/**
 * The committed schema files, read once: which files, their statements (what drift applies to the shadow) and
 * what they define where (what drift locates findings with, what the code scan judges uses against, what types
 * are generated from). Every consumer gets this one reading; nothing else opens or parses a schema file.
 */
export interface SchemaSource {
  /** the sources as given, shown relative to the working directory (`schemas`, `schema.sql`, `.`) */
  readonly sources: readonly string[];
  /** every file read, in the order applied, as shown (relative to cwd) */
  readonly files: readonly string[];
  /** the same, absolute, so the code scan can leave exactly these out */
  readonly absoluteFiles: readonly string[];
  readonly statements: readonly SchemaStatement[];
  readonly definitions: SchemaDefinitions;
}

export interface ReadSchemaOptions {
  readonly cwd: string;
}

/** Read one or more sources (folders or files), in the order given. */
export function readSchemaSource(sources: string | readonly string[], options: ReadSchemaOptions): SchemaSource {
  const list = typeof sources === 'string' ? [sources] : sources;
  if (list.length === 0) throw new PgsnapError('usage', 'no schema source given', { hint: 'pass --schemas DIR|FILE' });
  const absoluteFiles = [...new Set(list.flatMap((s) => listSchemaFiles(s, options.cwd)))];
  const texts = absoluteFiles.map((abs) => {
    const file = displayPath(abs, options.cwd);
    try {
      return { file, text: fs.readFileSync(abs, 'utf8') };
    } catch (e) {
      throw new PgsnapError('io', `cannot read ${file}: ${(e as Error).message}`);
    }
  });
  return schemaSourceOf(texts, { sources: list.map((s) => displayPath(s, options.cwd)), absoluteFiles });
}

/** The same from texts in memory (tests; `drift pull` checking what it wrote). */
export function schemaSourceOf(
  texts: readonly { readonly file: string; readonly text: string }[],
  where: Pick<SchemaSource, 'sources' | 'absoluteFiles'> = { sources: [], absoluteFiles: [] },
): SchemaSource {
  const parsed = texts.map((t) => parseSchemaFile(t.text, t.file));
  return {
    ...where,
    files: texts.map((t) => t.file),
    statements: parsed.flatMap((p) => p.statements),
    definitions: definitionsOf(parsed),
  };
}
