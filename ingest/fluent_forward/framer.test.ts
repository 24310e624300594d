import { decode, encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { frameAll, MsgpackFramer } from './framer.ts';

const limits = { maxBytes: 1 << 20, maxElements: 100_000, maxDepth: 32 };

const messages = [
  ['kube.proxy', [[1714557600, { log: 'a line', n: -5, f: 1.5, big: 2 ** 40 }]], { chunk: 'c1' }],
  ['tag', 1714557601, { log: 'x'.repeat(70_000), bin: new Uint8Array(300), t: true, z: null }],
  [],
  { map: { nested: [1, [2, [3, {}]]] }, s: 's'.repeat(40) },
];

describe('MsgpackFramer', () => {
  it('cuts a stream into the same messages whatever the chunk boundaries', () => {
    const stream = Buffer.concat(messages.map((m) => encode(m)));
    for (const size of [1, 2, 3, 7, 64, 4096, stream.length]) {
      const framer = new MsgpackFramer(limits);
      const got: unknown[] = [];
      for (let i = 0; i < stream.length; i += size) {
        framer.append(stream.subarray(i, i + size));
        for (let m = framer.next(); m; m = framer.next()) got.push(decode(new Uint8Array(m))); // bin as Uint8Array, not Buffer
      }
      expect(got).toEqual(messages);
      expect(framer.pendingBytes).toBe(0);
    }
  });

  it("refuses the issue's array32 header claiming 2^32-1 elements at once", () => {
    const framer = new MsgpackFramer(limits);
    framer.append(Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0]));
    expect(() => framer.next()).toThrow('elements in one message exceeds the limit of 100000');
  });

  it('refuses nested array16 headers (16 KiB of them made the decoder allocate 2.5 GiB)', () => {
    const framer = new MsgpackFramer(limits);
    framer.append(Buffer.concat(Array.from({ length: 5000 }, () => Buffer.from([0xdc, 0xff, 0xff]))));
    expect(() => framer.next()).toThrow('elements in one message exceeds the limit of 100000');
    const deep = new MsgpackFramer(limits);
    deep.append(Buffer.alloc(100, 0x91)); // [[[[…]]]]: one element each, 100 deep
    expect(() => deep.next()).toThrow('levels of nesting exceeds the limit of 32');
  });

  it('refuses a string header longer than maxBytes, and a message that outgrows it', () => {
    const framer = new MsgpackFramer({ ...limits, maxBytes: 1000 });
    framer.append(Buffer.from([0xdb, 0x7f, 0xff, 0xff, 0xff]));
    expect(() => framer.next()).toThrow('bytes in one message exceeds the limit of 1000');
    const slow = new MsgpackFramer({ ...limits, maxBytes: 1000 });
    slow.append(Buffer.from([0xdc, 0x03, 0xe8])); // an array of 1000 …
    slow.append(Buffer.alloc(999, 0x01)); // … of which 999 arrive: 1002 bytes, still incomplete
    expect(() => slow.next()).toThrow('bytes in one message exceeds the limit of 1000');
  });

  it('names a byte that is not msgpack', () => {
    expect(() => frameAll(Buffer.from([0xc1]), limits)).toThrow('byte 0xc1 is not a msgpack type');
  });

  it('bounds a whole payload too: many tiny messages, and a payload that stops mid-message', () => {
    expect(() => frameAll(Buffer.alloc(200_000, 0x01), limits)).toThrow('elements in one payload exceeds');
    expect(() => frameAll(encode(['a', 'b']).subarray(0, 3), limits)).toThrow('msgpack ends inside a message');
  });
});
