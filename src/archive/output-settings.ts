import type { Session } from '../db/client.js';
import { OUTPUT_SETTINGS } from './format.js';

/**
 * The one way a session is put under the settings archive values are printed and read back under (format.ts
 * OUTPUT_SETTINGS: DateStyle, IntervalStyle, lc_monetary, search_path = pg_catalog…). Backup prints under them,
 * restore and the verify drill read back under them. A manifest that records other settings is refused when it is
 * read (manifest.ts), so the archive's settings are these; they are applied from here and never taken from the
 * archive, which is untrusted input (a search_path from it would let target objects shadow restore's operators).
 * `transaction` scopes them like SET LOCAL (restore: its transaction ends them); `session` keeps them for the
 * connection.
 */
export async function useOutputSettings(s: Session, scope: 'session' | 'transaction'): Promise<void> {
  const names = Object.keys(OUTPUT_SETTINGS);
  const local = scope === 'transaction';
  await s.query(
    `SELECT ${names.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, ${local})`).join(', ')}`,
    names.flatMap((n) => [n, OUTPUT_SETTINGS[n]]),
  );
}
