import { describe, expect, it } from 'vitest';
import { calibrateShell, measure, splitTimes } from '../../bench/measure.js';

describe('bench/measure: CPU through the shell', () => {
  it('splits the shell `times` lines off the end of stderr and reads the children line', () => {
    expect(splitTimes('boom\n0m0.01s 0m0.00s\n1m2.50s 0m0.25s\n')).toEqual({ stderr: 'boom\n', cpuSeconds: 62.75 });
    expect(splitTimes('0m0.000000s 0m0.000000s\n0m2.500000s 0m0.250000s\n')).toEqual({ stderr: '', cpuSeconds: 2.75 });
    // a command's own line that looks like `times` output is left alone unless it is the last two lines
    expect(splitTimes('0m1s 0m2s\nreal error\n')).toEqual({ stderr: '0m1s 0m2s\nreal error\n', cpuSeconds: null });
    expect(splitTimes('no times')).toEqual({ stderr: 'no times', cpuSeconds: null });
  });

  it("counts the command's CPU and its waited-for child's, and keeps its exit code, stdout and stderr", async () => {
    // the command spins, runs a child that spins (as pg_dump -j waits for its workers), and reports both CPUs itself
    const spin = 'const t=Date.now();while(Date.now()-t<250){}';
    const script = `${spin}
      const { spawnSync } = require('node:child_process');
      const c = spawnSync(process.execPath, ['-e', ${JSON.stringify(`${spin};const u=process.cpuUsage();process.stdout.write(String((u.user+u.system)/1e6))`)}], { encoding: 'utf8' });
      const u = process.cpuUsage();
      console.log(JSON.stringify({ self: (u.user + u.system) / 1e6, child: Number(c.stdout) }));
      console.error('last words');
      process.exit(3);`;
    const m = await measure(process.execPath, ['-e', script]);
    expect(m.code).toBe(3);
    expect(m.stderr).toBe('last words\n');
    const own = JSON.parse(m.stdout) as { self: number; child: number };
    expect(own.child).toBeGreaterThan(0.2);
    // /proc's times are in 10 ms ticks
    expect(m.cpuSeconds).not.toBeNull();
    expect(m.cpuSeconds as number).toBeGreaterThanOrEqual(own.self + own.child - 0.03);
    expect(m.peakRssMb).toBeGreaterThan(10);
  });

  it("takes the shell's own start off the wall time it measures", async () => {
    // no timing is asserted (that is the benchmark's business): only that the correction is a plain, non-negative
    // number and that a run timed after it still comes out positive
    const overhead = await calibrateShell(5);
    expect(Number.isFinite(overhead)).toBe(true);
    expect(overhead).toBeGreaterThanOrEqual(0);
    const m = await measure('/bin/sh', ['-c', 'sleep 0.05']);
    expect(m.code).toBe(0);
    expect(m.seconds).toBeGreaterThan(0.04);
  });
});
