import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliInProcess } from '../helpers/cli.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-cmdlayer-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function lines(s: string): string[] {
  return s.trim().split('\n');
}

describe('the command layer', () => {
  it('[bad-input] pgsnap with no command prints help on stderr and exits 2', async () => {
    const r = await cliInProcess([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Usage: pgsnap/);
    expect(r.stderr).toMatch(/^ {2}backup\b/m);
  });

  it('[bad-input] a usage error points at the command own help, in one line', async () => {
    const r = await cliInProcess(['list', '--no-such-flag']);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual(["pgsnap: unknown option '--no-such-flag' (see pgsnap list --help)"]);
    const j = await cliInProcess(['backup', '--jobs', '0', '--exclude', 'a.b.c']);
    expect(j.code).toBe(2);
    expect(lines(j.stderr)).toHaveLength(1);
    expect(j.stderr).toMatch(/--exclude: malformed table pattern "a\.b\.c"; --jobs must be a whole number ≥ 1 \("0" is invalid\) — see pgsnap backup --help/);
  });

  it('[bad-input] refuses backup.jobs: 0 in the config file as it refuses --jobs 0', async () => {
    const cwd = path.join(root, 'jobs0');
    fs.mkdirSync(cwd);
    fs.writeFileSync(path.join(cwd, 'pgsnap.config.json'), JSON.stringify({ backup: { jobs: 0 } }));
    const r = await cliInProcess(['list'], { cwd });
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/backup\.jobs must be a whole number ≥ 1 \(0 is invalid\)/);
  });

  it('[bad-input] under --json a failure prints one error document on stdout and one line on stderr', async () => {
    const empty = path.join(root, 'empty');
    fs.mkdirSync(empty);
    const r = await cliInProcess(['verify', 'latest', '--dir', empty, '--json']);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    const doc = JSON.parse(r.stdout) as { error: { code: string; message: string } };
    expect(doc.error.code).toBe('archive_not_found');
    expect(r.stderr).toContain(doc.error.message);

    const usage = await cliInProcess(['backup', '--jobs', 'x', '--json']);
    expect(usage.code).toBe(2);
    expect((JSON.parse(usage.stdout) as { error: { code: string } }).error.code).toBe('usage');
    const unknown = await cliInProcess(['list', '--json', '--bogus']);
    expect(unknown.code).toBe(2);
    expect((JSON.parse(unknown.stdout) as { error: { message: string } }).error.message).toMatch(/unknown option '--bogus'/);
  });

  it('[bad-input] offers --json only where there is JSON output', async () => {
    for (const cmd of [['types'], ['demo']]) {
      const r = await cliInProcess([...cmd, '--json']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`unknown option '--json' \\(see pgsnap ${cmd[0]} --help\\)`));
    }
    const help = await cliInProcess(['prune', '--help']);
    expect(help.stdout).toMatch(/--json/);
  });

  it('shows defaults from the spec in help, and gives drift pull the flags its config keys have', async () => {
    const b = await cliInProcess(['backup', '--help']);
    expect(b.code).toBe(0);
    expect(b.stdout.replace(/\s+/g, ' ')).toContain('(default: 1; config: backup.jobs)');
    const p = await cliInProcess(['drift', 'pull', '--help']);
    for (const flag of ['--url', '--schemas', '--shadow', '--profile', '--ignore-schema', '--ignore-object', '--ignore-kind', '--json']) {
      expect(p.stdout).toContain(flag);
    }
  });
});
