import { describe, expect, it } from 'vitest';
import { packRecords } from '../../pipeline/workers/record-codec.ts';
import { unpackResult, type ParseResult } from './task.ts';

describe('unpackResult', () => {
  it('unpacks records and spans into a new result and leaves the worker message as it came', () => {
    const records = [{ '@timestamp': '2026-12-01T00:00:00.000Z', 'event.dataset': 'envoy.access', n: 1 }];
    const spans = [{ 'span.id': 'eee19b7ec3c1b174', 'event.dataset': 'mesh.span' }];
    const message: ParseResult = {
      records: [],
      rejections: [],
      packedRecords: packRecords(records),
      packedSpans: packRecords(spans),
    };
    const { packedRecords, packedSpans } = message;
    const out = unpackResult(message);
    expect(out.records).toEqual(records);
    expect(out.spans).toEqual(spans);
    expect(out.packedRecords).toBeUndefined();
    expect(out.packedSpans).toBeUndefined();
    // The message keeps its packed form and never points at the unpacked objects: it is often in
    // V8's old generation by now, where it would keep them alive through every scavenge.
    expect(out).not.toBe(message);
    expect(message).toEqual({ records: [], rejections: [], packedRecords, packedSpans });
  });

  it('returns a result without packed parts as it is', () => {
    const message: ParseResult = { records: [], rejections: [], undecodable: 'bad protobuf' };
    expect(unpackResult(message)).toBe(message);
  });
});
