import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../src/backup/backup.js';
import { resolveTarget } from '../../src/db/connection.js';
import { silentLogger } from '../../src/log.js';
import { parsePattern } from '../../src/patterns.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

/**
 * A backup's entries and fingerprint must stay what older pgsnap versions wrote for the same rows: restore's
 * already-identical check compares the fingerprint stored in an old archive with one taken now, and the entries'
 * sha256 are the archive's own checksums. These values were taken before backup's per-row path was made faster
 * (December 2026); types whose output text is the same on PostgreSQL 14–18 only.
 */
let db: TestDatabase;
let work: string;

beforeAll(async () => {
  db = await createTestDatabase('pinned');
  await db.query(`
    CREATE TABLE public.pinned (id bigint PRIMARY KEY, i integer, ok boolean, label text, doc jsonb, blob bytea, amount numeric(12,3));
    INSERT INTO public.pinned
    SELECT g,
           CASE WHEN g % 11 = 0 THEN NULL ELSE (g * 7919) % 100003 - 50000 END,
           CASE WHEN g % 13 = 0 THEN NULL ELSE g % 2 = 0 END,
           CASE WHEN g % 9 = 0 THEN NULL WHEN g % 17 = 0 THEN ''
                WHEN g = 2500 THEN repeat(E'big "\\\\ \\t', 40000)
                ELSE 'row ' || g || E' tab\\there "q" back\\\\slash nl\\n' || chr(1 + g % 31) || ' é🎉 ' || md5(g::text) END,
           CASE WHEN g % 7 = 0 THEN NULL ELSE jsonb_build_object('n', g, 'tag', 't' || (g % 100), 'ok', g % 2 = 0, 's', E'a"b\\\\c') END,
           CASE WHEN g % 5 = 0 THEN NULL ELSE decode(md5(g::text), 'hex') END,
           CASE WHEN g % 10 = 0 THEN NULL ELSE (g * 1.2345)::numeric(12,3) END
    FROM generate_series(1, 5000) AS g;`);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-pinned-'));
});

afterAll(async () => {
  await db?.drop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

async function backup(limits?: { rowsPerEntry: number; bytesPerEntry: number }) {
  const dir = fs.mkdtempSync(path.join(work, 'run-'));
  const selection = { schemas: [] as string[], tables: [parsePattern('public.pinned')], exclude: [] };
  const result = await runBackup({ target: resolveTarget(db.url), dir, selection, logger: silentLogger, ...(limits ? { limits } : {}) });
  const t = result.manifest.tables[0];
  return { rows: t?.rows, fingerprint: t?.fingerprint, entries: t?.entries.map((e) => [e.rows, e.bytes, e.sha256]) };
}

describe('backup output for fixed rows', () => {
  it('is the same entries and fingerprint as before, in one entry and split by rows or bytes', async () => {
    expect(await backup()).toEqual({
      rows: 5000,
      fingerprint: '35acead41e40a475',
      entries: [[5000, 1659442, 'ce2951d3dffb30704208289c87ba6ba9495799d02ec7c5005b4fafaebe5c8821']],
    });
    expect(await backup({ rowsPerEntry: 1300, bytesPerEntry: 1 << 30 })).toEqual({
      rows: 5000,
      fingerprint: '35acead41e40a475',
      entries: [
        [1300, 314195, '23e5b22621bf004c3e45df792e1383ce78c457d3fb4cd858b39108ea352415d9'],
        [1300, 757699, '980bf6c9c05c863160c5eab4f57a4456a46d4e8cc341648bc58fc062695733fd'],
        [1300, 318385, 'add26f94e6c29bee8bc3d213130ea04172393bc865a57412f0e5743f0cc1c954'],
        [1100, 269163, 'd8088e7d174dabcdf44c5f4cf3384104c475bbdfb1a68fc9c8660923d31f1b61'],
      ],
    });
    expect(await backup({ rowsPerEntry: 1e9, bytesPerEntry: 200_000 })).toEqual({
      rows: 5000,
      fingerprint: '35acead41e40a475',
      entries: [
        [832, 200194, '426e576fde41a443ed9304c4c31e2314ac2a0a2636825ba4972a2025f876980f'],
        [820, 200074, '716fe895cb825d9263c710a2f85acf02faebc423e60a0cf2d770e00097f1699b'],
        [818, 200119, '890cd78070ff1d0f7abc60a055227b18167bdcf296943518ad2c490ed2d28dd1'],
        [34, 448168, 'aa6a37a8a56979ac7d649c939a329b5520cd6a0cbd45379ded1c6e7778ec46ef'],
        [818, 200227, '8ce565a9cf5341a7b71da73b0367ea916d2e56883b4a6387b52a5fbc975afd05'],
        [817, 200072, '4a73f3333e8f1c7cc960c47f8509ed3e017d7bccae06b162e10335226036dc07'],
        [818, 200157, 'ebbf165fe9bf4a0998363a5ecf67821565a75b253ae5758ea83e1f8bf3334bf7'],
        [43, 10431, 'e745c1db570e9c979edfd6356b16b83be99402afc091bbfac9720abec2605104'],
      ],
    });
  });
});
