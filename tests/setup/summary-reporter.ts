import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints, after vitest's own summary:
 *  - how many reliability cases ran and held, by tag: tests named `[fault] …`, `[bad-input] …`, `[load] …`
 *    (issue: "the suite prints, at its end, how many fault, bad-input and load cases ran and held");
 *  - one plain closing line `tests: N passed, N failed, N skipped` that any CI can read.
 */
const TAGS = ['fault', 'bad-input', 'load', 'secret'] as const;

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const tags = new Map<string, { ran: number; held: number }>(TAGS.map((t) => [t, { ran: 0, held: 0 }]));
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
        const tag = /^\[([a-z-]+)\]/.exec(test.name)?.[1];
        const counter = tag ? tags.get(tag) : undefined;
        if (counter && state !== 'skipped' && state !== 'pending') {
          counter.ran++;
          if (state === 'passed') counter.held++;
        }
      }
    }
    const reliability = [...tags].filter(([, c]) => c.ran > 0).map(([t, c]) => `${t} ${c.held}/${c.ran} held`);
    if (reliability.length > 0) process.stdout.write(`\nreliability cases: ${reliability.join(', ')}\n`);
    process.stdout.write(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
