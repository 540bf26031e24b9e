import { it } from 'vitest';

/**
 * A test that crosses a process boundary on purpose (a signal to a child process) inside a file that is otherwise
 * in-process: skipped by `npm run test:fast`, run by `npm test` (CI). Whole files of such tests are listed in
 * vitest.config.ts instead.
 */
export const e2e = it.skipIf(process.env.PGSNAP_TEST_TIER === 'fast');
