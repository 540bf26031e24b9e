import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTarget } from '../../src/db/index.js';
import { checkDrift } from '../../src/drift/check.js';
import { pullDrift } from '../../src/drift/pull.js';
import { cliInProcess } from '../helpers/cli.js';
import { type TestDatabase, adminQuery, adminUrl, createFixtureDatabase, repoRoot } from '../helpers/db.js';

/** Round trip: check finds live-only objects → pull writes them to a new schema file → check finds nothing. */
let live: TestDatabase;
let work: string;

beforeAll(async () => {
  await adminQuery(`DO $$ BEGIN CREATE ROLE pgsnap_pull_reader NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
  live = await createFixtureDatabase('drift_pull');
  await live.query(`
    CREATE SCHEMA reporting;
    CREATE TYPE reporting.severity AS ENUM ('low', 'high');
    CREATE FUNCTION reporting.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
    CREATE TABLE reporting.incidents (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      project_id bigint REFERENCES public.projects (id) ON DELETE CASCADE,
      severity reporting.severity NOT NULL DEFAULT 'low'
    );
    CREATE TABLE reporting.actions (id bigint PRIMARY KEY, incident_id bigint NOT NULL);
    ALTER TABLE reporting.incidents ADD COLUMN action_id bigint REFERENCES reporting.actions (id);
    ALTER TABLE reporting.actions ADD CONSTRAINT actions_incident_fk FOREIGN KEY (incident_id) REFERENCES reporting.incidents (id);
    CREATE INDEX incidents_severity ON reporting.incidents (severity);
    CREATE TRIGGER incidents_touch BEFORE UPDATE ON reporting.incidents FOR EACH ROW EXECUTE FUNCTION reporting.touch();
    ALTER TABLE public.profiles ADD COLUMN bio text;
    ALTER TABLE public.profiles ADD COLUMN ticket_no serial;
    CREATE INDEX idx_profiles_name ON public.profiles (display_name);
    CREATE POLICY projects_read_all ON public.projects FOR SELECT USING (true);
    GRANT SELECT ON public.projects TO pgsnap_pull_reader;
    CREATE VIEW reporting.open_incidents AS SELECT id, severity FROM reporting.incidents;
  `);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-pull-'));
  fs.cpSync(path.join(repoRoot, 'schemas'), path.join(work, 'schemas'), { recursive: true });
});

afterAll(async () => {
  await live?.drop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('drift pull', () => {
  const options = () => ({ live: resolveTarget(live.url, {}), schemaDir: 'schemas', cwd: work, shadow: { kind: 'url' as const, url: adminUrl() } });

  it('check → pull → check gives no drift', async () => {
    const before = await checkDrift(options());
    expect(before.findings.map((f) => f.object).sort()).toEqual(
      [
        'public.idx_profiles_name',
        'public.profiles.bio',
        // a serial column is one finding: its sequence is part of it
        'public.profiles.ticket_no',
        'public.projects.pgsnap_pull_reader.SELECT',
        'public.projects.projects_read_all',
        'reporting',
        'reporting.actions',
        'reporting.incidents',
        'reporting.open_incidents',
        'reporting.severity',
        'reporting.touch()',
      ].sort(),
    );
    const pulled = await pullDrift(options(), new Date('2025-07-11T12:00:00Z'));
    expect(pulled.file).toBe('schemas/050_pulled_20250711.sql');
    expect(pulled.skipped).toEqual([]);
    expect(pulled.objects).toHaveLength(11);
    const text = fs.readFileSync(path.join(work, pulled.file!), 'utf8');
    expect(text).toMatch(/^-- Pulled from the live database by pgsnap drift pull/);
    // Existing files are never touched.
    expect(fs.readFileSync(path.join(work, 'schemas', '020_profiles.sql'), 'utf8')).toBe(fs.readFileSync(path.join(repoRoot, 'schemas', '020_profiles.sql'), 'utf8'));

    const after = await checkDrift(options());
    expect(after.findings).toEqual([]);
  });

  it('pgsnap drift pull says there is nothing more to pull', async () => {
    const r = await cliInProcess(['drift', 'pull', '--url', live.url], { cwd: work });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/nothing to pull/);
    expect(fs.readdirSync(path.join(work, 'schemas')).filter((f) => f.includes('pulled'))).toHaveLength(1);
  });
});
