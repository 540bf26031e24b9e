import { describe, expect, it } from 'vitest';
import { isoWeek, planPrune } from '../../src/archive/prune-plan.js';

const at = (iso: string) => ({ file: `app-${iso}.zip`, takenAt: new Date(iso) });
const now = new Date('2025-07-31T23:00:00Z');
// two a day at 03:00 and 15:00 for July 2025, plus one a month for Jan–Jun
const july = Array.from({ length: 31 }, (_, i) => [
  at(`2025-07-${String(i + 1).padStart(2, '0')}T03:00:00.000Z`),
  at(`2025-07-${String(i + 1).padStart(2, '0')}T15:00:00.000Z`),
]).flat();
const earlier = [1, 2, 3, 4, 5, 6].map((m) => at(`2025-0${m}-15T03:00:00.000Z`));
const all = [...earlier, ...july];
const kept = (rules: Parameters<typeof planPrune>[1], list = all) => planPrune(list, rules, now).keep.map((d) => d.archive.file);

describe('planPrune', () => {
  it('keep-last keeps the N newest', () => {
    expect(kept({ keepLast: 3 })).toEqual(['app-2025-07-31T15:00:00.000Z.zip', 'app-2025-07-31T03:00:00.000Z.zip', 'app-2025-07-30T15:00:00.000Z.zip']);
  });

  it('keep-daily keeps the newest archive of each of the last N days that have archives', () => {
    expect(kept({ keepDaily: 3 })).toEqual(['app-2025-07-31T15:00:00.000Z.zip', 'app-2025-07-30T15:00:00.000Z.zip', 'app-2025-07-29T15:00:00.000Z.zip']);
    // days without archives do not use up the count
    const gappy = [at('2025-07-01T03:00:00.000Z'), at('2025-07-10T03:00:00.000Z'), at('2025-07-20T03:00:00.000Z')];
    expect(kept({ keepDaily: 2 }, gappy)).toEqual(['app-2025-07-20T03:00:00.000Z.zip', 'app-2025-07-10T03:00:00.000Z.zip']);
  });

  it('keep-weekly uses ISO weeks (Monday to Sunday) and keep-monthly calendar months, in UTC', () => {
    // 2025-07-27 is a Sunday, 2025-07-28 a Monday
    expect(kept({ keepWeekly: 2 })).toEqual(['app-2025-07-31T15:00:00.000Z.zip', 'app-2025-07-27T15:00:00.000Z.zip']);
    expect(kept({ keepMonthly: 3 })).toEqual(['app-2025-07-31T15:00:00.000Z.zip', 'app-2025-06-15T03:00:00.000Z.zip', 'app-2025-05-15T03:00:00.000Z.zip']);
  });

  it('keeps the union of the rules, with the reasons, and removes the rest', () => {
    const plan = planPrune(all, { keepDaily: 2, keepMonthly: 2 }, now);
    expect(plan.keep.map((d) => [d.archive.file, d.reasons])).toEqual([
      ['app-2025-07-31T15:00:00.000Z.zip', ['newest', 'daily 2025-07-31', 'monthly 2025-07']],
      ['app-2025-07-30T15:00:00.000Z.zip', ['daily 2025-07-30']],
      ['app-2025-06-15T03:00:00.000Z.zip', ['monthly 2025-06']],
    ]);
    expect(plan.remove).toHaveLength(all.length - 3);
    expect(plan.remove.every((d) => d.reasons.length === 0)).toBe(true);
  });

  it('never removes the newest archive, nor archives dated after now', () => {
    const future = at('2025-08-05T00:00:00.000Z');
    const plan = planPrune([...all, future], { keepLast: 0 }, now);
    expect(plan.keep.map((d) => [d.archive.file, d.reasons])).toEqual([['app-2025-08-05T00:00:00.000Z.zip', ['newest', 'future']]]);
    expect(planPrune([at('2025-07-01T00:00:00.000Z')], { keepDaily: 0 }, now).remove).toEqual([]);
  });

  it('refuses to plan without any rule', () => {
    expect(() => planPrune(all, {}, now)).toThrow(/at least one keep rule/);
  });

  it('computes ISO week numbers across year ends', () => {
    expect(isoWeek(new Date('2025-07-11T00:00:00Z'))).toBe('2025-W28');
    expect(isoWeek(new Date('2024-12-30T00:00:00Z'))).toBe('2025-W01');
    expect(isoWeek(new Date('2021-01-03T23:59:59Z'))).toBe('2020-W53');
  });
});
