import { formatBytes, formatCount, formatDuration, formatSeconds } from './numbers.js';

/**
 * What a long command (backup, restore, verify) tells a person while it runs, on stderr only:
 *   bar    on a terminal: one redrawn line with percentage, tables, rows, bytes and an ETA
 *   lines  off a terminal when --progress asks: one line per finished table (cron mail, CI logs)
 *   off    otherwise (and with --quiet): nothing but the command's final summary
 * The percentage counts rows against the total the caller expects (backup: the planner's estimates,
 * pg_class.reltuples, so it is approximate; restore and verify: the manifest's exact counts).
 */
export interface Progress {
  /** false when nothing shows begin()'s row total (off, lines), so a caller need not work it out; else shown */
  readonly showsTotal?: boolean;
  /** `rows` is the expected total, 0 when unknown */
  begin(tables: number, rows?: number): void;
  tableStarted(table: string): void;
  tableProgress(table: string, rows: number, bytes: number): void;
  tableDone(table: string, rows: number, bytes: number, seconds: number): void;
  done(): void;
}

export type ProgressMode = 'bar' | 'lines' | 'off';

/** Where a command's progress goes: a bar on a terminal unless --quiet; lines only when asked for. */
export function progressMode(options: { tty: boolean; quiet: boolean; asked: boolean }): ProgressMode {
  if (options.quiet) return 'off';
  if (options.tty) return 'bar';
  return options.asked ? 'lines' : 'off';
}

export interface ProgressState {
  readonly verb: string;
  readonly tablesDone: number;
  readonly tables: number;
  readonly rows: number;
  /** expected rows, 0 when unknown */
  readonly expectedRows: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly current?: string;
}

const BAR = 20;

/** The bar line, pure: the same state always renders the same text. */
export function renderProgress(s: ProgressState, options: { color: boolean }): string {
  const fraction = progressFraction(s);
  const filled = Math.round(fraction * BAR);
  const percent = `${String(Math.floor(fraction * 100)).padStart(3)}%`;
  const paint = (code: number, text: string) => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const rows = s.expectedRows > 0 ? `${formatCount(s.rows)} of ~${formatCount(s.expectedRows)} rows` : `${formatCount(s.rows)} rows`;
  const left = eta(s);
  const parts = [
    `${s.verb} ${paint(1, percent)} ${paint(36, '█'.repeat(filled))}${'░'.repeat(BAR - filled)}`,
    `${s.tablesDone}/${s.tables} tables`,
    rows,
    formatBytes(s.bytes),
    left === undefined ? '' : `ETA ${formatDuration(left)}`,
    s.current ? paint(2, s.current) : '',
  ];
  return parts.filter(Boolean).join('  ');
}

/** Rows against the expected rows when known (never 100% before the end), else finished tables. */
function progressFraction(s: ProgressState): number {
  if (s.expectedRows > 0) return Math.min(s.rows / s.expectedRows, 0.99);
  return s.tables > 0 ? Math.min(s.tablesDone / s.tables, 0.99) : 0;
}

/** Seconds left at the rate so far; unknown in the first second or before anything moved. */
export function eta(s: ProgressState): number | undefined {
  const f = progressFraction(s);
  if (s.seconds < 1 || f <= 0) return undefined;
  return (s.seconds * (1 - f)) / f;
}

export function createProgress(options: {
  verb: string;
  mode: ProgressMode;
  stream: NodeJS.WritableStream;
  color: boolean;
  /** for tests: a clock in seconds */
  now?: () => number;
}): Progress {
  const { verb, mode, stream, color } = options;
  if (mode === 'off') return { showsTotal: false, begin() {}, tableStarted() {}, tableProgress() {}, tableDone() {}, done() {} };
  if (mode === 'lines') {
    return {
      showsTotal: false,
      begin() {},
      tableStarted() {},
      tableProgress() {},
      tableDone(table, rows, bytes, seconds) {
        stream.write(`${table}: ${formatCount(rows)} rows, ${formatBytes(bytes)}, ${formatSeconds(seconds)}\n`);
      },
      done() {},
    };
  }
  const now = options.now ?? (() => performance.now() / 1000);
  const start = now();
  let tables = 0;
  let expectedRows = 0;
  let tablesDone = 0;
  let doneRows = 0;
  let doneBytes = 0;
  // tables in flight (--jobs N reads several at once)
  const open = new Map<string, { rows: number; bytes: number }>();
  let lastDraw = Number.NEGATIVE_INFINITY;
  const draw = (force: boolean) => {
    const t = now();
    if (!force && t - lastDraw < 0.1) return;
    lastDraw = t;
    let rows = doneRows;
    let bytes = doneBytes;
    for (const o of open.values()) {
      rows += o.rows;
      bytes += o.bytes;
    }
    const current = [...open.keys()].join(', ');
    const state = { verb, tablesDone, tables, rows, expectedRows, bytes, seconds: t - start, ...(current ? { current } : {}) };
    stream.write(`\r\u001b[2K${renderProgress(state, { color })}`);
  };
  return {
    begin(n, rows = 0) {
      tables = n;
      expectedRows = rows;
      draw(true);
    },
    tableStarted(table) {
      open.set(table, { rows: 0, bytes: 0 });
      draw(true);
    },
    tableProgress(table, rows, bytes) {
      open.set(table, { rows, bytes });
      draw(false);
    },
    tableDone(table, rows, bytes) {
      open.delete(table);
      tablesDone++;
      doneRows += rows;
      doneBytes += bytes;
      draw(true);
    },
    done() {
      stream.write('\r\u001b[2K');
    },
  };
}
