import { configDefaults, defineConfig } from 'vitest/config';

// Test tiers. `npm run test:fast` (PGSNAP_TEST_TIER=fast): unit tests and the integration tests that run pgsnap
// in-process (the CLI tests too, through tests/helpers/cli.ts cliInProcess), for a developer's edit-run loop.
// `npm run test:e2e` (PGSNAP_TEST_TIER=e2e): the end-to-end files below. `npm test` (CI) runs everything, then the
// integration project again on PostgreSQL 14. A new slow or process-level file goes here.
const E2E = [
  // the CLI as a child process: signals, EPIPE, the process title, environment variables, umask, the package, the
  // demo; and the fuzz and S3 runs (the other tests/cli files run the CLI in process: tests/helpers/cli.ts)
  'tests/cli/backup-signals.test.ts',
  'tests/cli/demo.test.ts',
  'tests/cli/package.test.ts',
  'tests/cli/process.test.ts',
  'tests/cli/restore-interrupt.test.ts',
  'tests/cli/reliability-drill.test.ts',
  'tests/cli/reliability-environment.test.ts',
  'tests/cli/reliability-faults.test.ts',
  'tests/cli/reliability-fuzz.test.ts',
  'tests/cli/reliability-hostile.test.ts',
  'tests/cli/reliability-messages.test.ts',
  'tests/cli/reliability-secrets.test.ts',
  'tests/cli/s3.test.ts',
  'tests/integration/restore-large.test.ts',
  'tests/integration/catalog-scale.test.ts',
  'tests/integration/reliability-load.test.ts',
  // sweeps over every catalog fixture (hundreds of databases each); the fast tier keeps one case of each path:
  // catalog-introspect / catalog-roundtrip (every object kind), drift-kinds, drift-plan, drift-pull
  'tests/integration/drift-pull-fixtures.test.ts',
  'tests/integration/drift-plan-roundtrip.test.ts',
  'tests/integration/drift-plan-catalog-pairs.test.ts',
  'tests/integration/catalog-fixtures.test.ts',
  // private embedded servers beside the test server: a second major, a realistic schema checked twice on the
  // default embedded shadow (drift-check and tests/cli/drift keep that path in the fast tier)
  'tests/integration/catalog-cross-version.test.ts',
  'tests/integration/drift-realistic.test.ts',
  // the TypeScript compiler type-checking generated types (seconds of CPU each); tsc in child processes
  'tests/integration/types-generate.test.ts',
  'tests/integration/scan-types-kysely.test.ts',
  'tests/integration/supabase-types.test.ts',
];
const tier = process.env.PGSNAP_TEST_TIER;
// The fast tier loads pgsnap's modules once per worker, not once per file (module loading was a large share of its
// CPU time); CI (`npm test`) keeps every file in a fresh module registry, so a test that leans on another file's
// module state still fails there.
const isolate = tier !== 'fast';
// The fast tier runs unit and integration files side by side on three workers: while one integration worker waits
// for the server, the unit files use the core (measured on the idle 2-core machine: 75 s one group after the other
// on two workers, 59 s side by side on three). CI keeps the unit tests first and two workers beside the server.
const fast = tier === 'fast';
const workers = fast ? { maxWorkers: 3 } : {};

export default defineConfig({
  test: {
    reporters: ['default', './tests/setup/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          isolate,
          ...workers,
        },
      },
      {
        test: {
          name: 'integration',
          isolate,
          include: tier === 'e2e' ? E2E : ['tests/integration/**/*.test.ts', 'tests/cli/**/*.test.ts', 'tests/fixtures/**/*.test.ts'],
          exclude: tier === 'fast' ? [...configDefaults.exclude, ...E2E] : configDefaults.exclude,
          globalSetup: ['tests/setup/build.ts', 'tests/setup/server.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // two cores: a database server plus two workers is what the machine takes
          maxWorkers: fast ? 3 : 2,
          sequence: { groupOrder: fast ? 0 : 1 },
        },
      },
    ],
  },
});
