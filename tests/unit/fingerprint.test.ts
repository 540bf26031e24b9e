import { describe, expect, it } from 'vitest';
import { Fingerprint, fingerprintLines, murmurPair } from '../../src/archive/fingerprint.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');

describe('MurmurHash3_x86_32 lanes', () => {
  it('matches the published test vectors for both seeds', () => {
    expect(murmurPair(bytes('')).seed0).toBe(0);
    expect(murmurPair(bytes('test')).seed0).toBe(0xba6bd213);
    expect(murmurPair(bytes('Hello, world!')).seed9747b28c).toBe(0x24884cba);
    expect(murmurPair(bytes('The quick brown fox jumps over the lazy dog')).seed9747b28c).toBe(0x2fa826cd);
    expect(murmurPair(bytes('aaaa')).seed9747b28c).toBe(0x5a97808a);
    expect(murmurPair(bytes('abc')).seed9747b28c).toBe(0xc84a62dd);
    expect(murmurPair(bytes('a')).seed9747b28c).toBe(0x7fa09ea6);
  });
});

describe('fingerprintLines', () => {
  const rows = ['{"id":1,"name":"ä"}', '{"id":2,"name":null}', '{"id":3,"name":"x\\ny"}'];

  it('does not depend on row order', () => {
    expect(fingerprintLines(rows)).toBe(fingerprintLines([...rows].reverse()));
  });

  it('changes when a row changes, and counts duplicates', () => {
    const base = fingerprintLines(rows);
    expect(fingerprintLines([rows[0]!, rows[1]!, '{"id":3,"name":"x\\nz"}'])).not.toBe(base);
    expect(fingerprintLines([...rows, rows[0]!])).not.toBe(base);
    expect(fingerprintLines([...rows, rows[0]!, rows[0]!])).not.toBe(fingerprintLines(rows));
  });

  it('is the zero sum for no rows, 16 hex digits otherwise', () => {
    expect(fingerprintLines([])).toBe('0000000000000000');
    expect(fingerprintLines(rows)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('gives the same answer however the bytes are split into chunks', () => {
    const text = Buffer.from(`${rows.join('\n')}\n`);
    for (const size of [1, 2, 3, 5, 7, 64]) {
      const fp = new Fingerprint();
      for (let o = 0; o < text.length; o += size) {
        const chunk = text.subarray(o, o + size);
        let p = 0;
        for (;;) {
          const nl = chunk.indexOf(10, p);
          if (nl < 0) {
            fp.update(chunk, p, chunk.length);
            break;
          }
          fp.update(chunk, p, nl);
          fp.endLine();
          p = nl + 1;
        }
      }
      expect(fp.lines).toBe(3);
      expect(fp.digest()).toBe(fingerprintLines(rows));
    }
  });

  it('ignores a trailing newline on a line given as bytes', () => {
    expect(fingerprintLines([bytes(`${rows[0]}\n`)])).toBe(fingerprintLines([rows[0]!]));
  });
});
