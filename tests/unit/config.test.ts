import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config.js';

describe('config file', () => {
  it('accepts the known settings', () => {
    const c = parseConfig({ dir: 'b', backup: { exclude: ['*_logs'], jobs: 2 }, drift: { ignore: { schemas: ['auth'] } } }, 'x');
    expect(c.backup?.jobs).toBe(2);
    expect(c.drift?.ignore?.schemas).toEqual(['auth']);
  });

  it('reports every problem at once', () => {
    expect(() => parseConfig({ dir: 3, bogus: true, backup: { jobs: -1 }, restore: { onConflict: 'clobber' } }, 'cfg.json')).toThrow(
      /dir must be a string.*bogus is not a known setting.*backup\.jobs must be a whole number.*restore\.onConflict must be one of/,
    );
  });

  it('reads pgsnap.config.json, else the pgsnap key of package.json', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-cfg-'));
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'x', pgsnap: { dir: 'from-pkg' } }));
    expect(loadConfig(dir).dir).toBe('from-pkg');
    fs.writeFileSync(path.join(dir, 'pgsnap.config.json'), JSON.stringify({ dir: 'from-file' }));
    expect(loadConfig(dir).dir).toBe('from-file');
    fs.writeFileSync(path.join(dir, 'pgsnap.config.json'), '{ nope');
    expect(() => loadConfig(dir)).toThrow(/not valid JSON/);
    fs.rmSync(dir, { recursive: true });
  });
});
