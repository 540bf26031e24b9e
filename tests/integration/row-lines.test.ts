import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRowLines } from '../../src/archive/row-lines.js';
import { rowSelectSql } from '../../src/archive/row-sql.js';
import { OUTPUT_SETTINGS } from '../../src/archive/format.js';
import { storedColumns } from '../../src/catalog/introspect.js';
import { introspect } from '../../src/catalog/introspect.js';
import { close, connect, type Session } from '../../src/db/client.js';
import { quoteLiteral } from '../../src/sql/quote.js';
import { resolveTarget } from '../../src/db/connection.js';
import { createFixtureDatabase, repoRoot, type TestDatabase } from '../helpers/db.js';

/**
 * Backup reads rows with plain COPY and writes the JSON itself (archive/row-lines.ts). This holds it to the
 * definition: for every table of the every-type fixture and of the fixture app, the lines must be byte for byte
 * what the server prints for rowSelectSql — row_to_json over each value's output text.
 */
let db: TestDatabase;
let s: Session;

beforeAll(async () => {
  db = await createFixtureDatabase('rowlines');
  await db.query(fs.readFileSync(path.join(repoRoot, 'tests', 'fixtures', 'all-types.sql'), 'utf8'));
  await db.query(`CREATE TABLE public.nasty ("we""ird	name" text, c "char", b bpchar(5), i inet, z text);
    INSERT INTO public.nasty VALUES (E'tab\\there\\nnl\\\\ \\"q\\" \\x01\\x0b\\x1f\\x7f', 'x', 'ab', '10.0.0.1/32', ''), (NULL, NULL, NULL, NULL, NULL)`);
  s = await connect(resolveTarget(db.url));
  for (const [k, v] of Object.entries(OUTPUT_SETTINGS)) await s.query(`SELECT set_config(${quoteLiteral(k)}, ${quoteLiteral(v)}, false)`);
});

afterAll(async () => {
  if (s) await close(s);
  await db?.drop();
});

async function collect(stream: AsyncIterable<Buffer>): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8').split('\n').filter((l) => l !== '').sort();
}

describe('archive lines from plain COPY', () => {
  it('are byte for byte what row_to_json prints, for every type and every table', async () => {
    const model = await introspect(s);
    let tables = 0;
    for (const t of model.tables.filter((x) => x.kind !== 'partition')) {
      const source = { schema: t.schema, name: t.name, partitioned: t.kind === 'partitioned', columns: storedColumns(t) };
      const ours = await collect(readRowLines(s, source));
      const theirs = await collect(
        s.copyOut(`COPY (${rowSelectSql(source)}) TO STDOUT WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')`) as AsyncIterable<Buffer>,
      );
      expect(ours, `${t.schema}.${t.name}`).toEqual(theirs);
      tables++;
    }
    expect(tables).toBeGreaterThan(15);
  });
});
