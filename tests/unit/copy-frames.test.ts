import { describe, expect, it } from 'vitest';
import { CopyDataFramer } from '../../src/db/copy-frames.js';

/** one backend message: type byte, length word (counting itself), body */
function message(code: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = code.charCodeAt(0);
  head.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const rows = ['1\talpha\n', '2\t\\N\n', '', '3\t' + 'x'.repeat(300) + '\n', '4\tlast\n'].map((r) => Buffer.from(r));
const after = Buffer.concat([message('C', Buffer.from('COPY 4\0')), message('Z', Buffer.from('I'))]);
const stream = Buffer.concat([
  message('H', Buffer.from([0, 0, 2, 0, 0, 0, 0])),
  message('d', rows[0] as Buffer),
  message('N', Buffer.from('notice in the middle\0')),
  message('d', rows[1] as Buffer),
  message('d', rows[2] as Buffer),
  message('S', Buffer.from('TimeZone\0UTC\0')),
  message('d', rows[3] as Buffer),
  message('d', rows[4] as Buffer),
  message('c', Buffer.alloc(0)),
  after,
]);

/** feed `bytes` cut at the given offsets, each piece in a buffer of its own (as the socket gives them) */
function run(bytes: Buffer, cuts: number[]) {
  const framer = new CopyDataFramer();
  const data: Buffer[] = [];
  let rest: Buffer | null = null;
  let failed = false;
  let from = 0;
  for (const to of [...cuts, bytes.length]) {
    const piece = Buffer.from(bytes.subarray(from, to));
    from = to;
    if (rest !== null) {
      rest = Buffer.concat([rest, piece]);
      continue;
    }
    const r = framer.feed(piece);
    data.push(Buffer.from(r.data));
    if (r.rest !== null) {
      rest = r.rest;
      failed = r.failed;
    }
  }
  return { data: Buffer.concat(data), rest, failed };
}

describe('CopyDataFramer', () => {
  it('hands on exactly the CopyData payloads, and pg the bytes after CopyDone, wherever the reads are cut', () => {
    const want = Buffer.concat(rows);
    for (let a = 0; a <= stream.length; a++) {
      const r = run(stream, [a]);
      expect(r.data.equals(want), `one cut at ${a}`).toBe(true);
      expect(r.rest?.equals(after), `rest, cut at ${a}`).toBe(true);
      expect(r.failed).toBe(false);
    }
    // every byte in a read of its own: headers split at each of their bytes
    const r = run(stream, Array.from({ length: stream.length - 1 }, (_, i) => i + 1));
    expect(r.data.equals(want)).toBe(true);
    expect(r.rest?.equals(after)).toBe(true);
  });

  it('stops at an ErrorResponse and hands it to pg unread', () => {
    const error = message('E', Buffer.from('SERROR\0Mcanceling statement due to user request\0\0'));
    const failing = Buffer.concat([message('H', Buffer.alloc(7)), message('d', rows[0] as Buffer), error, message('Z', Buffer.from('E'))]);
    for (let a = 0; a <= failing.length; a++) {
      const r = run(failing, [a]);
      expect(r.failed, `cut at ${a}`).toBe(true);
      expect(r.data.equals(rows[0] as Buffer), `cut at ${a}`).toBe(true);
      expect(r.rest?.subarray(0, error.length).equals(error), `cut at ${a}`).toBe(true);
    }
  });

  it('fails loudly on a length word that cannot be', () => {
    const framer = new CopyDataFramer();
    expect(() => framer.feed(Buffer.from([0x64, 0, 0, 0, 2]))).toThrow(/length 2/);
  });
});
