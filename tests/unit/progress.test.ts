import { describe, expect, it } from 'vitest';
import { printJson, wantsColor } from '../../src/log.js';
import { formatCount, formatDuration, plural, roundSeconds } from '../../src/report/numbers.js';
import { createProgress, eta, progressMode, renderProgress } from '../../src/report/progress.js';

const state = { verb: 'backup', tablesDone: 1, tables: 4, rows: 250_000, expectedRows: 1_000_000, bytes: 52_428_800, seconds: 10 };

describe('the progress line', () => {
  it('shows percentage from rows against the estimate, tables, rows, bytes and ETA', () => {
    expect(renderProgress({ ...state, current: 'public.big' }, { color: false })).toBe(
      'backup  25% █████░░░░░░░░░░░░░░░  1/4 tables  250,000 of ~1,000,000 rows  50 MB  ETA 0:30  public.big',
    );
    expect(eta(state)).toBeCloseTo(30);
  });

  it('never says 100% or a negative ETA when the estimate was low; counts tables when there is no estimate', () => {
    const over = renderProgress({ ...state, rows: 1_500_000 }, { color: false });
    expect(over).toMatch(/^backup {2}99% /);
    expect(eta({ ...state, rows: 1_500_000 })).toBeGreaterThanOrEqual(0);
    expect(renderProgress({ ...state, expectedRows: 0 }, { color: false })).toMatch(/^backup {2}25% .* 250,000 rows /);
    expect(renderProgress({ ...state, seconds: 0.5 }, { color: false })).not.toMatch(/ETA/);
  });

  it('uses ANSI colour only when asked, and NO_COLOR or a pipe turn it off', () => {
    expect(renderProgress(state, { color: true })).toContain('\u001b[');
    expect(renderProgress(state, { color: false })).not.toContain('\u001b[');
    expect(wantsColor({ isTTY: true }, {})).toBe(true);
    expect(wantsColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColor({ isTTY: false }, {})).toBe(false);
  });

  it('is a bar on a terminal, lines only when asked off it, nothing with --quiet', () => {
    expect(progressMode({ tty: true, quiet: false, asked: false })).toBe('bar');
    expect(progressMode({ tty: false, quiet: false, asked: false })).toBe('off');
    expect(progressMode({ tty: false, quiet: false, asked: true })).toBe('lines');
    expect(progressMode({ tty: true, quiet: true, asked: true })).toBe('off');
  });

  it('redraws one line and clears it at the end', () => {
    let out = '';
    let t = 0;
    const stream = {
      write(s: string) {
        out += s;
        return true;
      },
    } as NodeJS.WritableStream;
    const p = createProgress({ verb: 'verify', mode: 'bar', stream, color: false, now: () => t });
    p.begin(2, 10);
    p.tableStarted('public.a');
    t = 2;
    p.tableDone('public.a', 5, 100, 2);
    expect(out.split('\r\u001b[2K').pop()).toBe('verify  50% ██████████░░░░░░░░░░  1/2 tables  5 of ~10 rows  100 B  ETA 0:02');
    p.done();
    expect(out.endsWith('\r\u001b[2K')).toBe(true);
  });
});

describe('numbers for people', () => {
  it('one plural helper, one duration format, seconds rounded for JSON', () => {
    expect(plural(1, 'function')).toBe('1 function');
    expect(plural(1234, 'function')).toBe('1,234 functions');
    expect(plural(2, 'index', 'indexes')).toBe('2 indexes');
    expect(formatDuration(3723)).toBe('1:02:03');
    expect(roundSeconds(1.2956874729999999)).toBe(1.296);
  });

  it('groups whole numbers exactly as en-US toLocaleString does (without loading ICU for them)', () => {
    const values = [0, -0, 1, 9, 10, 99, 100, 999, 1000, 1001, 9999, 12345, 123456, 999999, 1000000, 1234567, 2 ** 31, 2 ** 53 - 1];
    for (const v of [...values, ...values.map((x) => -x), 0.5, 1234.5678, -1e21, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(formatCount(v), String(v)).toBe(v.toLocaleString('en-US'));
    }
    expect(formatCount(3359)).toBe('3,359');
    expect(formatCount(-1234567)).toBe('-1,234,567');
  });

  it('rounds every seconds member of a JSON document to the millisecond', () => {
    let out = '';
    printJson({ seconds: 1.2956874729999999, tables: [{ seconds: 0.1 + 0.2, rows: 3 }] }, {
      write(s: string) {
        out += s;
        return true;
      },
    } as NodeJS.WritableStream);
    expect(JSON.parse(out)).toEqual({ seconds: 1.296, tables: [{ seconds: 0.3, rows: 3 }] });
  });
});
