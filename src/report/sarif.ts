import type { Location, Log, ReportingDescriptor, Result } from 'sarif';
import { type Finding, sortFindings } from './finding.js';

/**
 * SARIF 2.1.0 for code-scanning dashboards (GitHub code scanning: upload with github/codeql-action/upload-sarif).
 * One rule per finding kind; each result points at the schema file and line that define the object (or at the
 * schema directory when the object exists only live) and names the object as a logical location. The types come
 * from @types/sarif, the 2.1.0 object model, so the compiler checks the shape.
 */
export interface SarifOptions {
  readonly toolVersion: string;
  /** where to attach findings without a location, e.g. "schemas" */
  readonly fallbackFile?: string;
}

const LEVEL: Record<Finding['severity'], Result.level> = { error: 'error', warning: 'warning', note: 'note' };

export function sarifLog(findings: readonly Finding[], options: SarifOptions): Log {
  const sorted = sortFindings(findings);
  const kinds = [...new Set(sorted.map((f) => f.kind))].sort();
  const rules: ReportingDescriptor[] = kinds.map((kind) => ({
    id: kind,
    name: kind.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : '')),
    shortDescription: { text: `pgsnap: ${kind}` },
  }));
  const results: Result[] = sorted.map((f) => {
    const at = f.location ?? f.references?.[0];
    const file = at?.file ?? options.fallbackFile;
    const location: Location = {
      logicalLocations: [{ fullyQualifiedName: f.object, kind: f.kind }],
    };
    if (file) {
      location.physicalLocation = {
        artifactLocation: { uri: encodeURI(file) },
        ...(at?.line ? { region: { startLine: at.line, ...(at.column ? { startColumn: at.column } : {}) } } : {}),
      };
    }
    const result: Result = {
      ruleId: f.kind,
      ruleIndex: kinds.indexOf(f.kind),
      level: LEVEL[f.severity],
      message: { text: f.message },
      locations: [location],
      partialFingerprints: { 'pgsnapObject/v1': `${f.kind}:${f.object}` },
    };
    if (f.references && f.references.length > 1) {
      result.relatedLocations = f.references.slice(1).map((r, i) => ({
        id: i + 1,
        physicalLocation: { artifactLocation: { uri: encodeURI(r.file) }, region: { startLine: r.line } },
      }));
    }
    if (f.diff) result.properties = { diff: f.diff };
    return result;
  });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'pgsnap', semanticVersion: options.toolVersion, version: options.toolVersion, rules } },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
}

export function renderSarif(findings: readonly Finding[], options: SarifOptions): string {
  return `${JSON.stringify(sarifLog(findings, options), null, 2)}\n`;
}
