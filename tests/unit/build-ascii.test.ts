import { isAscii } from 'node:buffer';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';

// scripts/build.mjs writes the bundle in ASCII so that bin/code-cache.js reads it as latin1 (a one-byte string,
// several times faster than decoding UTF-8): non-ASCII left in comments is escaped, anywhere else it stops the build.
const { asciiOnly } = (await import('../../scripts/build.mjs' as string)) as { asciiOnly: (code: string) => Promise<string> };

describe('the bundle in ASCII (scripts/build.mjs asciiOnly)', () => {
  it('escapes non-ASCII in comments, astral characters as two escapes, and leaves the code as it was', async () => {
    const code = '/* server… 0–3 𝑊 */\nconst a = "\\u00e9"; // é\nmodule.exports = a + `x`;\n';
    const out = await asciiOnly(code);
    expect(isAscii(Buffer.from(out))).toBe(true);
    expect(out).toBe('/* server\\u2026 0\\u20133 \\ud835\\udc4a */\nconst a = "\\u00e9"; // \\u00e9\nmodule.exports = a + `x`;\n');
    const run = (src: string) => {
      const module = { exports: '' };
      vm.runInNewContext(src, { module });
      return module.exports;
    };
    expect(run(out)).toBe(run(code));
    expect(await asciiOnly('const b = 1;')).toBe('const b = 1;');
  });

  it('stops the build for non-ASCII outside a comment, and for a line separator in one', async () => {
    await expect(asciiOnly('const s = String.raw`é`;')).rejects.toThrow(/non-ASCII character outside a comment/);
    await expect(asciiOnly('const s = "é";')).rejects.toThrow(/outside a comment/);
    await expect(asciiOnly('// a\u2028b\n')).rejects.toThrow(/outside a comment/);
  });
});
