import { describe, expect, it } from 'vitest';
import { packRecords } from '../../pipeline/workers/record-codec.ts';
import { unpackResult, type ParseResult } from './task.ts';

describe('unpackResult', () => {
  it('unpacks records and spans into a new result, and leaves the worker message holding neither them nor its packed parts', () => {
    const records = [{ '@timestamp': '2026-12-01T00:00:00.000Z', 'event.dataset': 'envoy.access', n: 1 }];
    const spans = [{ 'span.id': 'eee19b7ec3c1b174', 'event.dataset': 'mesh.span' }];
    const message: ParseResult = {
      records: [],
      rejections: [],
      packedRecords: packRecords(records),
      packedSpans: packRecords(spans),
    };
    const out = unpackResult(message);
    expect(out.records).toEqual(records);
    expect(out.spans).toEqual(spans);
    expect(out.packedRecords).toBeUndefined();
    expect(out.packedSpans).toBeUndefined();
    // The message points at neither the unpacked objects nor its string table: it is often held
    // from V8's old generation by then, which would keep them alive through every scavenge.
    expect(out).not.toBe(message);
    expect(message).toEqual({ records: [], rejections: [], packedRecords: undefined, packedSpans: undefined });
  });

  it('returns a result without packed parts as it is', () => {
    const message: ParseResult = { records: [], rejections: [], undecodable: 'bad protobuf' };
    expect(unpackResult(message)).toBe(message);
  });
});
