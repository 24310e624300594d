import { describe, expect, it } from 'vitest';
import { packRecords, RecordPacker, REF, transferables, unpackRecords } from './record-codec.ts';
import { u64Decimal } from './record-reader.ts';

/** What the main thread gets back must be what the worker had, exactly as structured cloning gives it. */
const roundTrip = (records: object[]) => unpackRecords(structuredClone(packRecords(records)));

describe('record codec', () => {
  it('gives back every value kind, nested, in key order', () => {
    const records = Array.from({ length: 40 }, (_, i) => ({
      '@timestamp': `2024-06-01T00:00:${String(i % 60).padStart(2, '0')}.000Z`,
      n: i,
      neg: -0.5,
      zero: -0,
      big: 2 ** 60,
      nul: null,
      undef: undefined,
      yes: i % 2 === 0,
      flags: i % 3 === 0 ? [] : ['UF', 'URX'],
      attributes: i % 4 === 0 ? { a: 'x', nested: { deep: [1, 'two', null] } } : { b: i },
      'unicode ✓': 'ünïcødé',
    }));
    const back = roundTrip(records);
    expect(back).toEqual(records);
    expect(back.map((r) => Object.keys(r as object))).toEqual(records.map((r) => Object.keys(r)));
    expect(Object.is((back[0] as { zero: number }).zero, -0)).toBe(true);
    expect('undef' in (back[0] as object)).toBe(true);
  });

  it('keeps a "__proto__" key from JSON input as a key, on the compiled and the generic path', () => {
    for (const count of [1, 40]) {
      const records = Array.from({ length: count }, () => JSON.parse('{"__proto__": {"x": 1}, "a": 1}') as object);
      const back = roundTrip(records) as Array<Record<string, unknown>>;
      expect(Object.getPrototypeOf(back[0])).toBe(Object.prototype);
      expect(Object.keys(back[0])).toEqual(['__proto__', 'a']);
      expect(back[0].x).toBeUndefined();
    }
  });

  it('sends each string and shape once, in buffers that can be transferred', () => {
    const records = Array.from({ length: 100 }, (_, i) => ({ service: 'reviews', route: '/items/{id}', i }));
    const packed = packRecords(records);
    expect(packed.strings).toEqual(['reviews', '/items/{id}']);
    expect(packed.shapes).toEqual([['service', 'route', 'i']]);
    expect(transferables(packed)).toHaveLength(1);
    expect(roundTrip(records)).toEqual(records);
  });

  it('tells apart shapes whose keys join to the same text (an empty key, keys holding NUL)', () => {
    const records = [{}, { '': 'x' }, { 'a\u0000': 1, b: 2 }, { a: 3, '\u0000b': 4 }];
    for (const count of [1, 20]) {
      const many = Array.from({ length: count }, () => records).flat();
      const back = roundTrip(many);
      expect(back).toEqual(many);
      expect(back.map((r) => Object.keys(r as object))).toEqual(many.map((r) => Object.keys(r)));
    }
  });

  it('packs a record by its own keys when an inherited key would complete the keys of the record before', () => {
    const inheriting = Object.create({ b: 'inherited' }) as Record<string, unknown>;
    inheriting.a = 'own';
    const records = [{ a: 'x', b: 'y' }, inheriting, { b: 'y', a: 'x' }, { a: 'x', b: 'y', c: 1 }, { a: 'x' }];
    const back = roundTrip(records) as object[];
    expect(back.map((r) => Object.keys(r))).toEqual([['a', 'b'], ['a'], ['b', 'a'], ['a', 'b', 'c'], ['a']]);
    expect(back[1]).toEqual({ a: 'own' });
  });

  it('makes strings left in the source bytes on the receiving side, each ref once', () => {
    const bytes = Buffer.concat([Buffer.from('reviews✓'), Buffer.from([0x01, 0xff])]);
    const p = new RecordPacker();
    const src = p.addSource(bytes);
    const text = p.addRef(REF.utf8, src, 0, 10);
    const id = p.addRef(REF.hex, src, 10, 12);
    const shape = p.shapeOf(['name', 'id', 'again']);
    for (let i = 0; i < 3; i++) {
      p.beginRecord(shape);
      p.refAt(REF.utf8, text);
      p.refAt(REF.hex, id);
      p.refAt(REF.utf8, text);
    }
    const packed = structuredClone(p.finish());
    expect(packed.refs).toHaveLength(4);
    expect(unpackRecords(packed)).toEqual(Array(3).fill({ name: 'reviews✓', id: '01ff', again: 'reviews✓' }));
  });

  it('makes every ref right across text and hex chunks: long ones, non-ASCII ones, ones running past a chunk', () => {
    const parts: Buffer[] = [];
    const want: Array<{ text: string; id: string }> = [];
    for (let i = 0; i < 3000; i++) {
      const len = i % 97 === 0 ? 300 + (i % 200) : 1 + ((i * 7) % 60);
      const text =
        i < 400 && i % 53 === 0
          ? `ünï✓ ${i} `.padEnd(len, 'é')
          : `${i}-`.padEnd(len, String.fromCharCode(97 + (i % 26)));
      const id = Buffer.from(Array.from({ length: i % 89 === 0 ? 300 : 8 + (i % 9) }, (_, k) => (i * 31 + k) & 0xff));
      parts.push(Buffer.from(text), id);
      want.push({ text, id: id.toString('hex') });
    }
    const bytes = Buffer.concat(parts);
    const p = new RecordPacker();
    const src = p.addSource(bytes);
    const shape = p.shapeOf(['text', 'id']);
    let at = 0;
    for (let i = 0; i < want.length; i++) {
      const textEnd = at + Buffer.byteLength(want[i].text);
      const idEnd = textEnd + want[i].id.length / 2;
      p.beginRecord(shape);
      p.refAt(REF.utf8, p.addRef(REF.utf8, src, at, textEnd));
      p.refAt(REF.hex, p.addRef(REF.hex, src, textEnd, idEnd));
      at = idEnd;
    }
    const packed = structuredClone(p.finish());
    expect(packed.nonAsciiChunks.length).toBeGreaterThan(0);
    expect(packed.textBytes).toBeGreaterThan(4 * 4096);
    expect(unpackRecords(packed)).toEqual(want);
  });

  it('writes a fixed64 in decimal exactly as BigInt does, at the edges of what a double holds and past them', () => {
    const b = Buffer.alloc(8);
    const values = [0n, 1n, 999_999n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 64n - 1n, 1714557600000000000n];
    for (let i = 0n; i < 2000n; i++) values.push(1714557600000000000n + i * 999_983n, (2n ** 64n - 1n) / (i + 1n));
    for (const v of values) {
      b.writeBigUInt64LE(v);
      expect(u64Decimal(b, 0)).toBe(v.toString());
    }
  });

  it('refuses values a record cannot hold rather than sending them wrong', () => {
    expect(() => packRecords([{ f: () => 1 }])).toThrow(TypeError);
    expect(() => packRecords([{ b: 1n }])).toThrow(TypeError);
    expect(() => packRecords([{ payload: new Uint8Array(2) }])).toThrow(TypeError);
    expect(() => packRecords([{ at: new Date(0) }])).toThrow(TypeError);
  });
});
