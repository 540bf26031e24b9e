import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/report/finding.js';
import { renderSarif } from '../../src/report/sarif.js';

/**
 * No npm package we could find ships the SARIF 2.1.0 JSON schema (node-sarif-builder, @microsoft/sarif,
 * @microsoft/sarif-multitool and @types/sarif do not), and the build has no internet access to fetch it. So: the
 * renderer is type-checked against @types/sarif (the 2.1.0 object model), and this test checks, on the printed
 * JSON, the constraints of the schema that our output touches (required properties, enums, minimums, unique
 * rule ids, no unknown top-level keys).
 */
function check(log: Record<string, unknown>): string[] {
  const errors: string[] = [];
  const req = (o: Record<string, unknown> | undefined, keys: string[], at: string) => {
    for (const k of keys) if (o?.[k] === undefined) errors.push(`${at}.${k} is required`);
  };
  const only = (o: Record<string, unknown>, keys: string[], at: string) => {
    for (const k of Object.keys(o)) if (!keys.includes(k)) errors.push(`${at}.${k} is not a SARIF property`);
  };
  req(log, ['version', 'runs'], 'log');
  only(log, ['$schema', 'version', 'runs', 'inlineExternalProperties', 'properties'], 'log');
  if (log.version !== '2.1.0') errors.push('log.version must be 2.1.0');
  const runs = log.runs as Record<string, unknown>[];
  if (!Array.isArray(runs)) return [...errors, 'runs must be an array'];
  runs.forEach((run, i) => {
    req(run, ['tool'], `runs[${i}]`);
    const driver = (run.tool as Record<string, unknown> | undefined)?.driver as Record<string, unknown> | undefined;
    req(driver, ['name'], `runs[${i}].tool.driver`);
    const rules = (driver?.rules ?? []) as Record<string, unknown>[];
    const ids = rules.map((r) => r.id);
    if (new Set(ids).size !== ids.length) errors.push('rule ids must be unique');
    rules.forEach((r, j) => {
      req(r, ['id'], `rules[${j}]`);
    });
    if (run.columnKind !== undefined && !['utf16CodeUnits', 'unicodeCodePoints'].includes(run.columnKind as string)) errors.push('columnKind');
    ((run.results ?? []) as Record<string, unknown>[]).forEach((res, j) => {
      const at = `results[${j}]`;
      req(res, ['message'], at);
      const message = res.message as Record<string, unknown>;
      if (message?.text === undefined && message?.id === undefined) errors.push(`${at}.message needs text or id`);
      if (res.level !== undefined && !['none', 'note', 'warning', 'error'].includes(res.level as string)) errors.push(`${at}.level`);
      if (typeof res.ruleIndex === 'number' && (res.ruleIndex < -1 || rules[res.ruleIndex]?.id !== res.ruleId)) errors.push(`${at}.ruleIndex`);
      for (const loc of [...((res.locations ?? []) as Record<string, unknown>[]), ...((res.relatedLocations ?? []) as Record<string, unknown>[])]) {
        const phys = loc.physicalLocation as Record<string, unknown> | undefined;
        if (phys) {
          const uri = (phys.artifactLocation as Record<string, unknown> | undefined)?.uri;
          if (typeof uri !== 'string' || /[\\\s]/.test(uri)) errors.push(`${at} uri must be a URI reference: ${String(uri)}`);
          const region = phys.region as Record<string, unknown> | undefined;
          if (region && (typeof region.startLine !== 'number' || region.startLine < 1)) errors.push(`${at}.region.startLine`);
          if (region?.startColumn !== undefined && (region.startColumn as number) < 1) errors.push(`${at}.region.startColumn`);
        }
        if (typeof loc.id === 'number' && loc.id < -1) errors.push(`${at} location id`);
        for (const l of (loc.logicalLocations ?? []) as Record<string, unknown>[]) if (typeof l.fullyQualifiedName !== 'string') errors.push(`${at} logical location`);
      }
      const fp = res.partialFingerprints as Record<string, unknown> | undefined;
      if (fp && Object.values(fp).some((v) => typeof v !== 'string')) errors.push(`${at}.partialFingerprints values must be strings`);
    });
  });
  return errors;
}

const findings: Finding[] = [
  { kind: 'column.type', object: 'public.t.c', severity: 'error', message: 'm', location: { file: 'schemas/my file.sql', line: 3, column: 2 }, diff: '-a\n+b\n' },
  { kind: 'table', object: 'public.x', severity: 'warning', message: 'm' },
  { kind: 'code.undefined-table', object: 'public.auth_configs', severity: 'error', message: 'm', references: [{ file: 'a.ts', line: 1 }, { file: 'b.ts', line: 2 }] },
  { kind: 'note.kind', object: 'o', severity: 'note', message: 'm' },
];

describe('SARIF output structure', () => {
  it('meets the SARIF 2.1.0 constraints it touches', () => {
    const log = JSON.parse(renderSarif(findings, { toolVersion: '0.1.0', fallbackFile: 'schemas' }));
    expect(check(log)).toEqual([]);
    const col = log.runs[0].results.find((r: { ruleId: string }) => r.ruleId === 'column.type');
    expect(col.locations[0].physicalLocation.artifactLocation.uri).toBe('schemas/my%20file.sql');
    expect(col.locations[0].physicalLocation.region).toEqual({ startLine: 3, startColumn: 2 });
  });

  it('the checker catches broken logs (so the test above can fail)', () => {
    expect(check({ version: '2.0.0', runs: [{ tool: { driver: {} }, results: [{ level: 'fatal', message: {} }] }], extra: 1 })).toEqual([
      'log.extra is not a SARIF property',
      'log.version must be 2.1.0',
      'runs[0].tool.driver.name is required',
      'results[0].message needs text or id',
      'results[0].level',
    ]);
  });

  it('an empty run is still a valid log', () => {
    expect(check(JSON.parse(renderSarif([], { toolVersion: '0.1.0' })))).toEqual([]);
  });
});
