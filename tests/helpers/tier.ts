import { it } from 'vitest';

/**
 * A test that belongs to the e2e tier inside a file that is otherwise fast: one that crosses a process boundary on
 * purpose (a signal to a child process, an environment variable only a fresh process reads) or that is load, not
 * logic (gigabytes of data, a writer racing for seconds). Skipped by `npm run test:fast`, run by `npm test` (CI).
 * Whole files of such tests are listed in vitest.config.ts instead.
 */
export const e2e = it.skipIf(process.env.PGSNAP_TEST_TIER === 'fast');
