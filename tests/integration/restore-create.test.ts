import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readZip, sealManifest, writeZip } from '../helpers/archives.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { backupTo, restore, tableTexts, tempDir } from './restore-helpers.js';

/**
 * --create-missing (issue 14): partitioned unique indexes valid and attached on every partition, extensions in
 * their own schema, and a forged schema.json that must not run programs through a superuser restore.
 */
const SCHEMA = `
CREATE SCHEMA extensions;
CREATE EXTENSION citext WITH SCHEMA extensions;
CREATE SCHEMA app;
CREATE TABLE app.people (id int PRIMARY KEY, email extensions.citext NOT NULL) WITH (fillfactor = 70, autovacuum_enabled = false);
CREATE TABLE app.events (id int NOT NULL, at date NOT NULL, ref text) PARTITION BY RANGE (at);
CREATE TABLE app.events_2024 PARTITION OF app.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE app.events_2025 PARTITION OF app.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE UNIQUE INDEX events_ref_at ON app.events (ref, at);
INSERT INTO app.people VALUES (1, 'Ann@Example.com');
INSERT INTO app.events VALUES (1, '2024-02-01', 'a'), (2, '2025-02-01', 'b');
`;
const dbs: TestDatabase[] = [];
let source: TestDatabase;
let archive: string;

beforeAll(async () => {
  source = await createTestDatabase('rs_create_src');
  dbs.push(source);
  await source.query(SCHEMA);
  archive = await backupTo(source, tempDir('restore-create'), ['app']);
});
afterAll(async () => {
  for (const db of dbs) await db.drop();
});

/** An empty database; with `citext`, already holding the extension the archived tables use. */
async function emptyDatabase(prefix: string, citext = true): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix);
  dbs.push(db);
  if (citext) await db.query(`CREATE SCHEMA extensions; CREATE EXTENSION citext WITH SCHEMA extensions`);
  return db;
}

/** Copy the archive with schema.json changed, its checksum in the manifest updated to match. */
async function forge(change: (model: { tables: { name: string; columns: { name: string; default: string | null }[] }[]; functions: unknown[] }) => void): Promise<string> {
  const entries = await readZip(archive);
  const model = JSON.parse((entries.get('schema.json') as Buffer).toString('utf8'));
  change(model.model ?? model);
  const schemaJson = JSON.stringify(model);
  const manifest = JSON.parse((entries.get('manifest.json') as Buffer).toString('utf8'));
  manifest.schemaSha256 = createHash('sha256').update(schemaJson).digest('hex');
  entries.set('schema.json', Buffer.from(schemaJson));
  entries.set('manifest.json', Buffer.from(JSON.stringify(manifest)));
  const out = path.join(tempDir('restore-forged'), path.basename(archive));
  await writeZip(out, sealManifest(entries));
  return out;
}

describe('restore --create-missing', () => {
  it('creates a partitioned unique index valid and attached on every partition', async () => {
    const db = await emptyDatabase('rs_create_part');
    const r = await restore(db, archive, { createMissing: true });
    expect(r.code, r.error?.message).toBe(0);
    expect(await tableTexts(db, ['app.events', 'app.people'])).toEqual(await tableTexts(source, ['app.events', 'app.people']));
    const [parent] = await db.query<{ valid: boolean; attached: number }>(
      `SELECT i.indisvalid AS valid, (SELECT count(*)::int FROM pg_inherits WHERE inhparent = i.indexrelid) AS attached
         FROM pg_index i WHERE i.indexrelid = 'app.events_ref_at'::regclass`,
    );
    expect(parent).toEqual({ valid: true, attached: 2 });
    // uniqueness holds on a partition added later too
    await db.query(`CREATE TABLE app.events_2026 PARTITION OF app.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')`);
    await db.query(`INSERT INTO app.events VALUES (3, '2026-02-01', 'c')`);
    await expect(db.query(`INSERT INTO app.events VALUES (4, '2026-02-01', 'c')`)).rejects.toThrow(/duplicate key/);
  });

  it('brings back storage parameters (fillfactor, autovacuum settings)', async () => {
    const db = await emptyDatabase('rs_create_storage');
    const r = await restore(db, archive, { createMissing: true, tables: ['app.people'] });
    expect(r.code, r.error?.message).toBe(0);
    expect(await db.query(`SELECT reloptions FROM pg_class WHERE oid = 'app.people'::regclass`)).toEqual([
      { reloptions: ['fillfactor=70', 'autovacuum_enabled=false'] },
    ]);
  });

  it('creates an extension in its own schema (Supabase: extensions), schema included', async () => {
    const db = await emptyDatabase('rs_create_ext', false);
    const r = await restore(db, archive, { createMissing: true });
    expect(r.code, r.error?.message).toBe(0);
    expect(await tableTexts(db, ['app.people'])).toEqual(await tableTexts(source, ['app.people']));
    expect(await db.query(`SELECT extname, extnamespace::regnamespace::text AS schema FROM pg_extension WHERE extname = 'citext'`)).toEqual([
      { extname: 'citext', schema: 'extensions' },
    ]);
  });

  it('[bad-input] refuses a forged schema whose column default would run a program as the superuser, before changing anything', async () => {
    const marker = path.join(os.tmpdir(), `pgsnap-forged-${process.pid}-${Date.now()}`);
    const forged = await forge((m) => {
      const people = m.tables.find((t) => t.name === 'people');
      const email = people?.columns.find((c) => c.name === 'email');
      if (email) email.default = `'x'::text); COPY (SELECT 1) TO PROGRAM 'touch ${marker}'; CREATE TABLE app.pwned (x int`;
    });
    const db = await emptyDatabase('rs_create_forged');
    const r = await restore(db, forged, { createMissing: true });
    expect(r.code).toBe(2);
    expect(r.error?.message).toMatch(/refuses the archived schema: .*COPY/);
    expect(fs.existsSync(marker)).toBe(false);
    expect(await db.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'app'`)).toEqual([{ n: 0 }]);
  });

  it('[bad-input] refuses a forged PL/pgSQL function that reads server files or switches back to the superuser', async () => {
    for (const body of [
      `BEGIN RESET ROLE; COPY (SELECT 1) TO PROGRAM 'true'; RETURN 'x'; END`,
      `BEGIN RETURN pg_read_file('/etc/passwd'); END`,
      `BEGIN EXECUTE 'COPY (SELECT 1) TO PROGRAM ''true'''; RETURN 'x'; END`,
    ]) {
      const forged = await forge((m) => {
        m.functions.push({
          schema: 'app',
          name: 'evil',
          identityArgs: '',
          kind: 'function',
          returns: 'text',
          language: 'plpgsql',
          body,
          securityDefiner: false,
          volatility: 'volatile',
          definition: `CREATE OR REPLACE FUNCTION app.evil()\n RETURNS text\n LANGUAGE plpgsql\nAS $function$${body}$function$\n`,
          comment: null,
        });
        const email = m.tables.find((t) => t.name === 'people')?.columns.find((c) => c.name === 'email');
        if (email) email.default = 'app.evil()';
      });
      const db = await emptyDatabase('rs_create_forged_fn');
      const r = await restore(db, forged, { createMissing: true });
      expect(r.code, body).toBe(2);
      expect(r.error?.message).toMatch(/refuses the archived schema/);
      expect(await db.query(`SELECT count(*)::int AS n FROM pg_proc WHERE proname = 'evil'`)).toEqual([{ n: 0 }]);
    }
  });
});

describe('restore --create-missing after DROP TABLE … CASCADE', () => {
  const CASCADE = `
CREATE SCHEMA app;
CREATE TABLE app.parents (id int PRIMARY KEY);
CREATE TABLE app.kids (id int PRIMARY KEY, parent_id int CONSTRAINT kids_parent_fk REFERENCES app.parents ON DELETE CASCADE);
INSERT INTO app.parents VALUES (1), (2);
INSERT INTO app.kids VALUES (10, 1), (20, 2);
`;
  let cascadeArchive: string;
  beforeAll(async () => {
    const src = await createTestDatabase('rs_cascade_src');
    dbs.push(src);
    await src.query(CASCADE);
    cascadeArchive = await backupTo(src, tempDir('restore-cascade'), ['app']);
  });

  async function droppedParents(prefix: string): Promise<TestDatabase> {
    const db = await createTestDatabase(prefix);
    dbs.push(db);
    await db.query(CASCADE);
    await db.query(`DROP TABLE app.parents CASCADE`);
    return db;
  }
  const fkDefinition = async (db: TestDatabase) =>
    db.query<{ def: string }>(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'kids_parent_fk'`);

  it('puts back the foreign keys other tables had to the dropped table', async () => {
    const db = await droppedParents('rs_cascade_back');
    const r = await restore(db, cascadeArchive, { createMissing: true });
    expect(r.code, r.error?.message).toBe(0);
    expect(r.report?.foreignKeys).toEqual([
      { table: 'app.kids', constraint: 'kids_parent_fk', ddl: expect.stringContaining('ADD CONSTRAINT "kids_parent_fk" FOREIGN KEY (parent_id)'), restored: true },
    ]);
    expect(await fkDefinition(db)).toEqual([{ def: 'FOREIGN KEY (parent_id) REFERENCES app.parents(id) ON DELETE CASCADE' }]);
  });

  it('lists a foreign key it cannot put back, with the DDL, and restores the rows', async () => {
    const db = await droppedParents('rs_cascade_orphan');
    await db.query(`INSERT INTO app.kids VALUES (30, 3)`);
    const r = await restore(db, cascadeArchive, { createMissing: true });
    expect(r.code, r.error?.message).toBe(0);
    const [fk] = r.report?.foreignKeys ?? [];
    expect(fk?.restored).toBe(false);
    expect(fk?.reason).toMatch(/violates foreign key constraint/);
    expect(fk?.ddl).toMatch(/^ALTER TABLE "app"\."kids" ADD CONSTRAINT "kids_parent_fk" FOREIGN KEY/);
    expect(await fkDefinition(db)).toEqual([]);
    expect(await db.query(`SELECT count(*)::int AS n FROM app.parents`)).toEqual([{ n: 2 }]);
  });
});
