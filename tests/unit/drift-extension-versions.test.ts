import { describe, expect, it } from 'vitest';
import type { CatalogModel } from '../../src/catalog/model.js';
import { extensionVersionDifferences, pinnedExtensionVersions } from '../../src/drift/extension-versions.js';
import { parseSchemaFile } from '../../src/schema-files/statements.js';

const pins = (sql: string) => pinnedExtensionVersions(parseSchemaFile(sql, 'schemas/001.sql').statements);
const model = (...ext: [string, string][]) => ({ extensions: ext.map(([name, version]) => ({ name, schema: 'public', version })) }) as unknown as CatalogModel;

describe('extension versions the schema files pin', () => {
  it('takes the last CREATE EXTENSION … VERSION or ALTER EXTENSION … UPDATE TO of each; an unpinned one clears it', () => {
    expect(pins("CREATE EXTENSION citext VERSION '1.5';\nCREATE EXTENSION hstore;")).toEqual(new Map([['citext', '1.5']]));
    expect(pins("CREATE EXTENSION citext VERSION '1.5';\nALTER EXTENSION citext UPDATE TO '1.6';")).toEqual(new Map([['citext', '1.6']]));
    expect(pins("CREATE EXTENSION citext VERSION '1.5';\nALTER EXTENSION citext UPDATE;")).toEqual(new Map());
    // IF NOT EXISTS of an extension already created changes nothing
    expect(pins("CREATE EXTENSION citext VERSION '1.5';\nCREATE EXTENSION IF NOT EXISTS citext VERSION '1.4';")).toEqual(new Map([['citext', '1.5']]));
  });

  it('reports only pinned extensions present on both sides whose versions differ', () => {
    const pinned = new Map([['citext', '1.6']]);
    expect(extensionVersionDifferences(pinned, model(['citext', '1.6'], ['hstore', '1.8']), model(['citext', '1.5'], ['hstore', '1.7']))).toEqual([
      {
        kind: 'extension.version',
        change: 'changed',
        object: 'citext',
        desired: `CREATE EXTENSION IF NOT EXISTS "citext" WITH SCHEMA "public" VERSION '1.6';`,
        actual: `CREATE EXTENSION IF NOT EXISTS "citext" WITH SCHEMA "public" VERSION '1.5';`,
      },
    ]);
    expect(extensionVersionDifferences(pinned, model(['citext', '1.6']), model(['citext', '1.6']))).toEqual([]);
    expect(extensionVersionDifferences(pinned, model(['citext', '1.6']), model())).toEqual([]);
  });
});
