/**
 * The one way pgsnap prints numbers for people, so every command says "1,234,567 rows", "12.3 MB" and "4.2 s"
 * alike. JSON output never goes through here: it carries plain numbers (seconds rounded by `roundSeconds`).
 */
export function formatCount(n: number): string {
  // Whole numbers (every count pgsnap prints) are grouped by hand: the first toLocaleString of a process loads ICU's
  // number formatting, about 15-18 ms of CPU, which was the largest single item of a small backup's summary line.
  // Anything else keeps ICU's rules (fractions rounded to three digits, NaN, Infinity). Same text either way.
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n));
  let out = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let i = out.length; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return n < 0 || Object.is(n, -0) ? `-${out}` : out;
}

/** "1 table", "2 tables", "1,234 rows" */
export function plural(n: number, noun: string, many = `${noun}s`): string {
  return `${formatCount(n)} ${n === 1 ? noun : many}`;
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

export function formatSeconds(s: number): string {
  return `${s.toFixed(1)} s`;
}

/** "0:42", "1:02:03" */
export function formatDuration(seconds: number): string {
  const t = Math.max(0, Math.round(seconds));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const s = String(t % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** Seconds in JSON: milliseconds are the precision that means anything (not 1.2956874729999999). */
export function roundSeconds(s: number): number {
  return Math.round(s * 1000) / 1000;
}
