import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/report/finding.js';
import { renderGithub } from '../../src/report/github.js';
import { renderFindings } from '../../src/report/index.js';
import { jsonReport } from '../../src/report/json.js';
import { sarifLog } from '../../src/report/sarif.js';
import { renderText, summaryLine } from '../../src/report/text.js';

const findings: Finding[] = [
  {
    kind: 'column',
    object: 'public.test_sessions.status',
    severity: 'error',
    message: 'column public.test_sessions.status differs between the schema files and the live database',
    diff: '--- schema files\n+++ live database\n@@ -1,1 +1,1 @@\n-"status" text NOT NULL\n+"status" text\n',
    location: { file: 'schemas/040_sessions.sql', line: 6 },
    table: 'public.test_sessions',
  },
  {
    kind: 'table',
    object: 'public.audit_log',
    severity: 'warning',
    message: 'table public.audit_log exists in the live database but in no schema file',
    table: 'public.audit_log',
  },
  {
    kind: 'code.undefined-table',
    object: 'public.auth_configs',
    severity: 'error',
    message: 'used by code, defined in no schema file: a, b',
    references: [
      { file: 'src/a.ts', line: 3, column: 7 },
      { file: 'src/b.ts', line: 10 },
    ],
  },
];

describe('text report', () => {
  it('groups findings by table, shows locations and the diff, and ends with one summary line', () => {
    const out = renderText(findings);
    const lines = out.trimEnd().split('\n');
    expect(lines[lines.length - 1]).toBe('3 findings: 2 errors, 1 warning');
    expect(out).toContain('public.test_sessions\n  error   column public.test_sessions.status:');
    expect(out).toContain('(schemas/040_sessions.sql:6)');
    expect(out).toContain('-"status" text NOT NULL');
    expect(out).toContain('src/a.ts:3:7');
    expect(out).not.toContain('\u001b[');
  });

  it('uses ANSI colour only when asked', () => {
    expect(renderText(findings, { color: true })).toContain('\u001b[31m');
  });

  it('says so when there is nothing', () => {
    expect(renderText([], { cleanMessage: 'no drift' }).trim()).toBe('no drift');
    expect(summaryLine([])).toBe('no findings');
  });
});

describe('json report', () => {
  it('has findings with kind, object, severity, message and a summary', () => {
    const doc = JSON.parse(renderFindings('json', findings, { toolVersion: '1.0.0', summary: { schemaDir: 'schemas' } }));
    expect(doc.summary).toEqual({ total: 3, errors: 2, warnings: 1, notes: 0, schemaDir: 'schemas' });
    expect(doc.findings.map((f: Finding) => f.object)).toEqual(['public.audit_log', 'public.auth_configs', 'public.test_sessions.status']);
    for (const f of doc.findings) expect(Object.keys(f)).toEqual(expect.arrayContaining(['kind', 'object', 'severity', 'message']));
    const code = doc.findings.find((f: Finding) => f.kind === 'code.undefined-table');
    expect(code.references).toHaveLength(2);
    expect(jsonReport([]).findings).toEqual([]);
  });
});

describe('github annotations', () => {
  it('points at the defining file and line, or the schema directory, and escapes newlines', () => {
    const out = renderGithub(findings, { fallbackFile: 'schemas' });
    const lines = out.trimEnd().split('\n');
    // one annotation per use site of the undefined table
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^::warning file=schemas,title=pgsnap table%3A public\.audit_log::table public\.audit_log exists/);
    expect(lines[1]).toMatch(/^::error file=src\/a\.ts,line=3,col=7,title=/);
    expect(lines[2]).toMatch(/^::error file=src\/b\.ts,line=10,title=/);
    expect(lines[3]).toMatch(/^::error file=schemas\/040_sessions\.sql,line=6,title=pgsnap column%3A public\.test_sessions\.status::/);
    expect(lines[3]).toContain('%0A-"status" text NOT NULL%0A');
  });

  it('escapes percent signs and commas in properties', () => {
    const out = renderGithub([{ kind: 'x', object: 'a,b%c', severity: 'note', message: '100%' }]);
    expect(out).toBe('::notice title=pgsnap x%3A a%2Cb%25c::100%25\n');
  });
});

describe('sarif', () => {
  it('is a SARIF 2.1.0 log with one rule per kind and located results', () => {
    const log = sarifLog(findings, { toolVersion: '0.1.0', fallbackFile: 'schemas' });
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toMatch(/sarif-2\.1\.0/);
    const run = log.runs[0]!;
    expect(run.tool.driver.name).toBe('pgsnap');
    expect(run.tool.driver.rules?.map((r) => r.id)).toEqual(['code.undefined-table', 'column', 'table']);
    const results = run.results ?? [];
    expect(results).toHaveLength(3);
    for (const r of results) {
      expect(run.tool.driver.rules?.[r.ruleIndex ?? -1]?.id).toBe(r.ruleId);
      expect(r.message.text).toBeTruthy();
      expect(['error', 'warning', 'note']).toContain(r.level);
    }
    const col = results.find((r) => r.ruleId === 'column')!;
    expect(col.locations?.[0]?.physicalLocation?.artifactLocation?.uri).toBe('schemas/040_sessions.sql');
    expect(col.locations?.[0]?.physicalLocation?.region?.startLine).toBe(6);
    expect(col.locations?.[0]?.logicalLocations?.[0]?.fullyQualifiedName).toBe('public.test_sessions.status');
    expect(col.properties?.diff).toContain('NOT NULL');
    const table = results.find((r) => r.ruleId === 'table')!;
    expect(table.locations?.[0]?.physicalLocation?.artifactLocation?.uri).toBe('schemas');
    expect(table.locations?.[0]?.physicalLocation?.region).toBeUndefined();
    const code = results.find((r) => r.ruleId === 'code.undefined-table')!;
    expect(code.relatedLocations?.[0]?.physicalLocation?.artifactLocation?.uri).toBe('src/b.ts');
  });
});

describe('code findings where a reviewer acts on them', () => {
  const column: Finding = {
    kind: 'code.undefined-column',
    object: 'public.projects.nmae',
    severity: 'error',
    message: 'public.projects.nmae is used by the code (3 places in 2 files) but public.projects has no column nmae',
    references: [
      { file: 'src/a.ts', line: 4, column: 30 },
      { file: 'src/a.ts', line: 4, column: 52 },
      { file: 'src/b.ts', line: 8, column: 12 },
    ],
    location: { file: 'schemas/030_projects.sql', line: 3, column: 14 },
    table: 'public.projects',
  };

  it('github: a column finding sits on each code line that uses the column, once per line', () => {
    const lines = renderGithub([column]).trimEnd().split('\n');
    expect(lines.map((l) => /file=([^,]+),line=(\d+)/.exec(l)?.slice(1).join(':'))).toEqual(['src/a.ts:4', 'src/b.ts:8']);
  });

  it('sarif: the first use is the location; the other uses and the definition are all related locations, with columns', () => {
    const r = sarifLog([column], { toolVersion: '0' }).runs[0]?.results?.[0];
    expect(r?.locations?.[0]?.physicalLocation).toEqual({ artifactLocation: { uri: 'src/a.ts' }, region: { startLine: 4, startColumn: 30 } });
    expect(r?.relatedLocations?.map((l) => [l.physicalLocation?.artifactLocation?.uri, l.physicalLocation?.region?.startLine, l.physicalLocation?.region?.startColumn])).toEqual([
      ['src/b.ts', 8, 12],
      ['schemas/030_projects.sql', 3, 14],
    ]);
  });

  it('drift check --code: one finding for a table missing live that the code uses', async () => {
    const { mergeCodeFindings } = await import('../../src/drift/merge-code.js');
    const merged = mergeCodeFindings(
      [{ kind: 'table', object: 'public.error_logs', severity: 'error', message: 'table public.error_logs is defined in the schema files but missing from the live database', location: { file: 'schemas/040.sql', line: 16 } }],
      [{ kind: 'code.missing-live-table', object: 'public.error_logs', severity: 'error', message: 'x', references: [{ file: 'src/a.ts', line: 2 }] }],
    );
    expect(merged).toHaveLength(1);
    expect(merged[0]?.references).toEqual([{ file: 'src/a.ts', line: 2 }]);
    expect(renderGithub(merged).trimEnd().split('\n').map((l) => /file=([^,]+),line=(\d+)/.exec(l)?.slice(1).join(':'))).toEqual(['schemas/040.sql:16', 'src/a.ts:2']);
  });
});
