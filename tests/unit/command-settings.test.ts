import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { mountCommand } from '../../src/commands/mount.js';
import { BACKUP, DRIFT_CHECK, DRIFT_PULL, PRUNE } from '../../src/commands/options.js';
import { resolveSettings } from '../../src/commands/settings.js';
import { defineCommand } from '../../src/commands/spec.js';
import { CONFIG_KEYS, type Config, parseConfig } from '../../src/config.js';
import { PgsnapError } from '../../src/errors.js';

const backup = defineCommand({ name: 'backup', description: 'b', options: BACKUP });
const prune = defineCommand({ name: 'prune', description: 'p', options: PRUNE });
const noConfig: Config = { file: undefined };

function refusal(run: () => unknown): PgsnapError {
  try {
    run();
  } catch (e) {
    if (e instanceof PgsnapError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('resolveSettings', () => {
  it('applies command line > config file > built-in default, per setting', () => {
    const config: Config = { file: 'c.json', dir: 'from-config', backup: { jobs: 2, exclude: ['*_logs'] } };
    const { settings, sources } = resolveSettings(backup, { jobs: '3' }, config);
    expect(settings.jobs).toBe(3);
    expect(settings.dir).toBe('from-config');
    expect(settings.exclude.map((p) => p.source)).toEqual(['*_logs']);
    expect(settings.schema).toEqual([]);
    expect(sources).toMatchObject({ jobs: 'command line', dir: 'config file', schema: 'default' });
    expect(resolveSettings(backup, {}, noConfig).settings.jobs).toBe(1);
  });

  it('refuses a flag and a config value with the same parser and the same words', () => {
    const flag = refusal(() => resolveSettings(backup, { jobs: '0' }, noConfig));
    const config = refusal(() => resolveSettings(backup, {}, { file: 'c.json', backup: { jobs: 0 } }));
    expect(flag.code).toBe('usage');
    expect(flag.message).toBe('--jobs must be a whole number ≥ 1 ("0" is invalid)');
    expect(config.code).toBe('config');
    expect(config.message).toBe('c.json: backup.jobs must be a whole number ≥ 1 (0 is invalid)');
    // and the config file itself is refused when it is loaded, whatever the command
    expect(() => parseConfig({ backup: { jobs: 0 } }, 'c.json')).toThrow(/backup\.jobs must be a whole number ≥ 1 \(0 is invalid\)/);
  });

  it('collects every problem into one error that points at the command help', () => {
    const e = refusal(() =>
      resolveSettings(backup, { jobs: 'many', table: ['a.b.c'] }, { file: 'c.json', dir: '' } as Config, ['other.json: nope is not a known setting']),
    );
    expect(e.code).toBe('usage');
    expect(e.message).toMatch(/--table: malformed table pattern "a\.b\.c"/);
    expect(e.message).toMatch(/--jobs must be a whole number ≥ 1 \("many" is invalid\)/);
    expect(e.message).toMatch(/other\.json: nope is not a known setting/);
    expect(e.message).toMatch(/c\.json: dir must be a non-empty string/);
    expect(e.message.split('\n')).toHaveLength(1);
    expect(e.hint).toBe('see pgsnap backup --help');
  });

  it('returns frozen settings', () => {
    const { settings } = resolveSettings(backup, { schema: ['app'] }, noConfig);
    expect(Object.isFrozen(settings)).toBe(true);
    expect(Object.isFrozen(settings.schema)).toBe(true);
    expect(Object.isFrozen(settings.exclude)).toBe(true); // a default list, shared by every run
    expect(() => {
      (settings as { jobs: number }).jobs = 9;
    }).toThrow(TypeError);
  });

  it('takes a group from one place: prune keep flags replace the config rules as a whole', () => {
    const config: Config = { file: 'c.json', prune: { keepDaily: 7, keepWeekly: 4 } };
    expect(resolveSettings(prune, {}, config).settings).toMatchObject({ keepDaily: 7, keepWeekly: 4 });
    const { settings } = resolveSettings(prune, { keepLast: '3' }, config);
    expect([settings.keepLast, settings.keepDaily, settings.keepWeekly]).toEqual([3, undefined, undefined]);
  });
});

describe('command specs', () => {
  it('show their defaults and config keys in help, from the spec', () => {
    const program = new Command('pgsnap');
    const help = mountCommand(program, backup).helpInformation().replace(/\s+/g, ' ');
    expect(help).toContain(`(default: ${BACKUP.jobs.default}; config: backup.jobs)`);
    expect(help).toContain(`(default: ${BACKUP.dir.default}; config: dir)`);
  });

  it('give every config key of a drift setting a flag on both drift check and drift pull', () => {
    const flagged = (options: object) =>
      new Set(Object.values(options as Record<string, { flag?: string; config?: string }>).filter((o) => o.flag && o.config).map((o) => o.config));
    const driftKeys = [...CONFIG_KEYS.keys()].filter((k) => k.startsWith('drift.') || k === 'url' || k === 'schemas');
    for (const key of driftKeys) expect(flagged(DRIFT_CHECK), key).toContain(key);
    for (const key of driftKeys.filter((k) => k !== 'drift.format' && k !== 'drift.failOn')) expect(flagged(DRIFT_PULL), key).toContain(key);
  });

  it('derive the config schema: the typed Config names exactly the keys the specs declare', () => {
    // Typed as Config, so every key here exists in the interface; compared with CONFIG_KEYS, none is missing.
    const full: Config = {
      file: undefined,
      url: 'postgres://x@h/db',
      dir: 'b',
      schemas: 's',
      code: ['src'],
      identity: 'key.txt',
      s3: { endpoint: 'http://127.0.0.1:9000', forcePathStyle: true },
      backup: { schema: ['public'], table: ['public.*'], exclude: ['*_logs'], jobs: 2, failOnShrink: true, shrinkThreshold: 30, lockWaitTimeout: 30, encryptTo: ['age1x'] },
      restore: { onConflict: 'update', jobs: 2, commitEachTable: true },
      prune: { keepLast: 1, keepDaily: 7, keepWeekly: 4, keepMonthly: 12 },
      drift: { shadow: 'docker', profile: 'supabase', baseline: 'platform.sql', format: 'sarif', failOn: 'error', ignore: { schemas: ['auth'], objects: ['public.x_*'], kinds: ['grant'] } },
      scan: { exclude: ['**/gen/**'], include: ['src/**'], external: ['auth.users'], calls: ['db.table'] },
    };
    const { file: _file, ...raw } = full;
    expect(() => parseConfig(raw, 'full.json')).not.toThrow();
    const leaves = (o: object, at = ''): string[] =>
      Object.entries(o).flatMap(([k, v]) =>
        typeof v === 'object' && !Array.isArray(v) ? leaves(v as object, `${at}${k}.`) : [`${at}${k}`],
      );
    expect(leaves(raw).sort()).toEqual([...CONFIG_KEYS.keys()].sort());
  });
});
