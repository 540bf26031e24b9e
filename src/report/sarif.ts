import type { Location, Log, PhysicalLocation, ReportingDescriptor, Result } from 'sarif';
import { type Finding, type SourceLocation, findingSites, sortFindings } from './finding.js';

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
    const sites = findingSites(f);
    const at = sites[0];
    const file = at?.file ?? options.fallbackFile;
    const location: Location = {
      logicalLocations: [{ fullyQualifiedName: f.object, kind: f.kind }],
    };
    if (file) location.physicalLocation = physical(at ?? { file, line: 0 });
    const result: Result = {
      ruleId: f.kind,
      ruleIndex: kinds.indexOf(f.kind),
      level: LEVEL[f.severity],
      message: { text: f.message },
      locations: [location],
      partialFingerprints: { 'pgsnapObject/v1': `${f.kind}:${f.object}` },
    };
    // Every other place: the remaining use sites, and the definition when the primary location is a use.
    const related = [...sites.slice(1)];
    if (f.location && !sites.some((x) => x.file === f.location?.file && x.line === f.location?.line)) related.push(f.location);
    if (related.length > 0) {
      result.relatedLocations = related.map((r, i) => ({
        id: i + 1,
        physicalLocation: physical(r),
        ...(r === f.location ? { message: { text: `${f.object} is defined here` } } : {}),
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

/** Paths are relative to the working directory (the checkout) as GitHub expects; others become file:// URIs. */
function uri(file: string): string {
  return file.startsWith('/') ? `file://${encodeURI(file)}` : encodeURI(file);
}

function physical(at: SourceLocation): PhysicalLocation {
  return {
    artifactLocation: { uri: uri(at.file) },
    ...(at.line ? { region: { startLine: at.line, ...(at.column ? { startColumn: at.column } : {}) } } : {}),
  };
}

export function renderSarif(findings: readonly Finding[], options: SarifOptions): string {
  return `${JSON.stringify(sarifLog(findings, options), null, 2)}\n`;
}
