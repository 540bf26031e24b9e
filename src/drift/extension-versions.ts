import type { CatalogModel } from '../catalog/model.js';
import { quoteIdent, quoteLiteral } from '../sql/quote.js';
import type { SchemaStatement } from '../schema-files/statements.js';
import type { DriftDifference } from './difference.js';

/**
 * Extension versions, compared only where the schema files say which version they want. The shadow installs what
 * the files ask for: a pinned version (`CREATE EXTENSION … VERSION '1.5'`, `ALTER EXTENSION … UPDATE TO '1.6'`) is
 * then the shadow's, and a live database on another version has drifted. Without a pin the shadow installs its
 * own server's default version, which says nothing about what the live database should run, so comparing would
 * report the shadow's packaging, not drift (catalog/diff.ts leaves versions out for that reason).
 */

/** The version each extension is left at by the files' last CREATE EXTENSION / ALTER EXTENSION … UPDATE of it. */
export function pinnedExtensionVersions(statements: readonly SchemaStatement[]): Map<string, string> {
  const pinned = new Map<string, string>();
  for (const st of statements) {
    const node = (st.ast.CreateExtensionStmt ?? st.ast.AlterExtensionStmt) as ExtensionStmt | undefined;
    if (!node || typeof node.extname !== 'string') continue;
    // CREATE EXTENSION IF NOT EXISTS of an extension already created changes nothing
    if (st.ast.CreateExtensionStmt && node.if_not_exists && pinned.has(node.extname)) continue;
    const version = node.options?.find((o) => o.DefElem?.defname === 'new_version')?.DefElem?.arg?.String?.sval;
    if (version === undefined) pinned.delete(node.extname);
    else pinned.set(node.extname, version);
  }
  return pinned;
}

/** An extension on both sides whose pinned version (the shadow's) differs from the live one. */
export function extensionVersionDifferences(pinned: ReadonlyMap<string, string>, desired: CatalogModel, actual: CatalogModel): DriftDifference[] {
  const out: DriftDifference[] = [];
  for (const d of desired.extensions) {
    if (!pinned.has(d.name)) continue;
    const a = actual.extensions.find((x) => x.name === d.name);
    if (!a || a.version === d.version) continue;
    out.push({ kind: 'extension.version', change: 'changed', object: d.name, desired: withVersion(d), actual: withVersion(a) });
  }
  return out;
}

interface ExtensionStmt {
  extname?: unknown;
  if_not_exists?: boolean;
  options?: { DefElem?: { defname?: string; arg?: { String?: { sval?: string } } } }[];
}

const withVersion = (e: { name: string; schema: string; version: string }) =>
  `CREATE EXTENSION IF NOT EXISTS ${quoteIdent(e.name)} WITH SCHEMA ${quoteIdent(e.schema)} VERSION ${quoteLiteral(e.version)};`;
