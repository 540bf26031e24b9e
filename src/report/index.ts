import type { Finding } from './finding.js';
import { renderGithub } from './github.js';
import { renderJson } from './json.js';
import { renderSarif } from './sarif.js';
import { renderText } from './text.js';

export type ReportFormat = 'text' | 'json' | 'github' | 'sarif';

export interface RenderOptions {
  readonly toolVersion: string;
  /** ANSI colour in text output (only when stdout is a terminal) */
  readonly color?: boolean;
  /** where findings without a location are attached in github / sarif output (the schema directory) */
  readonly fallbackFile?: string;
  /** the text summary when nothing was found */
  readonly cleanMessage?: string;
  /** extra fields for the JSON summary */
  readonly summary?: Readonly<Record<string, unknown>>;
}

/** One entry point for every command that prints findings (drift check, scan). */
export function renderFindings(format: ReportFormat, findings: readonly Finding[], options: RenderOptions): string {
  switch (format) {
    case 'json':
      return renderJson(findings, options.summary);
    case 'github':
      return renderGithub(findings, options.fallbackFile === undefined ? {} : { fallbackFile: options.fallbackFile });
    case 'sarif':
      return renderSarif(findings, { toolVersion: options.toolVersion, ...(options.fallbackFile ? { fallbackFile: options.fallbackFile } : {}) });
    default:
      return renderText(findings, {
        color: Boolean(options.color),
        ...(options.cleanMessage ? { cleanMessage: options.cleanMessage } : {}),
      });
  }
}

export type { Finding } from './finding.js';
