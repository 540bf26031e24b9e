import { configDefaults, defineConfig } from 'vitest/config';

// Test tiers. `npm run test:fast` (PGSNAP_TEST_TIER=fast): unit tests and the integration tests that run pgsnap
// in-process, for a developer's edit-run loop. `npm run test:e2e` (PGSNAP_TEST_TIER=e2e): the end-to-end files —
// the CLI as a child process (exit codes, signals, the demo, the package), big tables and load. `npm test` (CI)
// runs everything, then the integration project again on PostgreSQL 14. A new slow or process-level file goes here.
const E2E = [
  'tests/cli/**/*.test.ts',
  'tests/integration/restore-large.test.ts',
  'tests/integration/catalog-scale.test.ts',
  'tests/integration/reliability-load.test.ts',
];
const tier = process.env.PGSNAP_TEST_TIER;

export default defineConfig({
  test: {
    reporters: ['default', './tests/setup/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: tier === 'e2e' ? E2E : ['tests/integration/**/*.test.ts', 'tests/cli/**/*.test.ts', 'tests/fixtures/**/*.test.ts'],
          exclude: tier === 'fast' ? [...configDefaults.exclude, ...E2E] : configDefaults.exclude,
          globalSetup: ['tests/setup/build.ts', 'tests/setup/server.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // two cores: a database server plus two workers is what the machine takes
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
