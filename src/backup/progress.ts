import type { Logger } from '../log.js';

/**
 * What a backup tells a person while it runs, on stderr only: a progress bar on a terminal, one line per table
 * otherwise (cron mail, CI logs), nothing with --quiet.
 */
export interface BackupProgress {
  begin(tables: number): void;
  tableStarted(table: string): void;
  tableProgress(table: string, rows: number, bytes: number): void;
  tableDone(table: string, rows: number, bytes: number, seconds: number): void;
  done(): void;
}

export function createProgress(options: {
  logger: Logger;
  stderr: NodeJS.WritableStream;
  quiet: boolean;
  tty: boolean;
}): BackupProgress {
  const { logger, stderr, quiet, tty } = options;
  if (quiet) return { begin() {}, tableStarted() {}, tableProgress() {}, tableDone() {}, done() {} };
  if (!tty) {
    return {
      begin() {},
      tableStarted() {},
      tableProgress() {},
      tableDone(table, rows, bytes, seconds) {
        logger.info(`${table}: ${formatCount(rows)} rows, ${formatBytes(bytes)}, ${seconds.toFixed(1)} s`);
      },
      done() {},
    };
  }
  let tables = 0;
  let finished = 0;
  let totalRows = 0;
  let totalBytes = 0;
  let lastDraw = 0;
  const draw = (table: string, rows: number, bytes: number, force = false) => {
    const now = Date.now();
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    const width = 20;
    const filled = Math.round((finished / Math.max(tables, 1)) * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    stderr.write(`\r\x1b[2K${bar} ${finished}/${tables} tables  ${formatCount(totalRows + rows)} rows  ${formatBytes(totalBytes + bytes)}  ${table}`);
  };
  return {
    begin(n) {
      tables = n;
    },
    tableStarted(table) {
      draw(table, 0, 0, true);
    },
    tableProgress(table, rows, bytes) {
      draw(table, rows, bytes);
    },
    tableDone(table, rows, bytes) {
      finished++;
      totalRows += rows;
      totalBytes += bytes;
      draw(table, 0, 0, true);
    },
    done() {
      stderr.write('\r\x1b[2K');
    },
  };
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
