import { describe, expect, it } from 'vitest';
import { protoType } from '../../../pipeline/proto/load.ts';
import type { SpanRecord } from '../../../pipeline/records.ts';
import { RecordPacker, unpackRecords } from '../../../pipeline/workers/record-codec.ts';
import { Rng } from '../../../test/fuzz/rng.ts';
import type { Rejection } from '../task.ts';
import { otlpTracesProtoToPacked } from './otlp-traces-packed.ts';
import { SPECIAL } from './span-attributes.ts';
import { decodeOtlpTracesProto, otlpToSpans } from './otlp-traces.ts';
import { WireError } from './values.ts';

const REQ = protoType('opentelemetry.proto.trace.v1.ExportTraceServiceRequest');

/** Keys spanRecord reads, keys that are special to JS objects, and plain ones. */
const KEYS = [...SPECIAL, '__proto__', 'toString', '1', '0', 'k8s.pod.name', 'service.name', 'a\u0000b'];
const TEXTS = [
  '',
  '-',
  '200',
  '503',
  '200.5',
  ' 404',
  '["abc"]',
  '"',
  '[',
  '"]',
  'UF,URX',
  ' UF , ,-',
  'sidecar~10.1.1.5~productpage-v1-6b746f74dc-9stvs.default~default.svc.cluster.local',
  'router~10.0.0.1~istio-ingressgateway-5d8c7c6b9-abcde.istio-system~istio-system.svc.cluster.local',
  'bad~node',
  'outbound|9080|v2|reviews.default.svc.cluster.local',
  'ünï✓',
  'x'.repeat(70),
];
const TIMES = ['0', '1', '1714557600000000000', '1714557659999999999', '18446744073709551615'];

function anyValue(rng: Rng): Record<string, unknown> {
  switch (rng.int(9)) {
    case 0:
      return {};
    case 1:
      return { intValue: rng.pick(['0', '-5', '200', '9007199254740993', '-9223372036854775808']) };
    case 2:
      return { doubleValue: rng.pick([0.25, 200, -0, NaN, 1e300]) };
    case 3:
      return { boolValue: rng.chance(0.5) };
    case 4:
      return { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 2 }] } };
    case 5:
      return { kvlistValue: { values: [{ key: 'k', value: { boolValue: false } }] } };
    case 6:
      return { bytesValue: Buffer.from([1, 2, rng.int(256)]) };
    default:
      return { stringValue: rng.pick(TEXTS) };
  }
}

/** An id: usually random bytes of `len`, sometimes missing, all zero or of a wrong length. */
function id(rng: Rng, len: number): Buffer | undefined {
  const r = rng.int(10);
  if (r === 0) return undefined;
  if (r === 1) return Buffer.alloc(len);
  if (r === 2) return Buffer.alloc(rng.int(20), 1 + rng.int(255));
  return Buffer.from(Array.from({ length: len }, () => rng.int(256)));
}

const attributes = (rng: Rng, n: number) =>
  Array.from({ length: rng.int(n) }, () => ({ key: rng.pick(KEYS), value: anyValue(rng) }));

/**
 * A span's attributes: often the last span's with one changed, removed or added (as a proxy's spans
 * repeat most of theirs, so the reader reuses what it read for the same bytes at the same place).
 */
function spanAttributes(rng: Rng, last: KeyValues | undefined): KeyValues {
  if (!last || rng.chance(0.4)) return attributes(rng, 12);
  const next = [...last];
  const at = rng.int(next.length + 1);
  const kv = { key: rng.pick(KEYS), value: anyValue(rng) };
  const change = rng.int(3);
  if (change === 0) next.splice(at, 1);
  else if (change === 1) next.splice(at, 0, kv);
  else next[at] = kv;
  return next;
}
type KeyValues = ReturnType<typeof attributes>;

/** A request of odd but valid spans: repeated and null attributes, every value kind, bad ids, extreme times. */
function request(rng: Rng): Uint8Array {
  let last: KeyValues | undefined;
  const resourceSpans = Array.from({ length: 1 + rng.int(3) }, () => ({
    resource: rng.chance(0.8) ? { attributes: attributes(rng, 4) } : undefined,
    scopeSpans: Array.from({ length: 1 + rng.int(2) }, () => ({
      spans: Array.from({ length: rng.int(8) }, () => ({
        traceId: id(rng, rng.chance(0.5) ? 16 : 8),
        spanId: id(rng, 8),
        parentSpanId: rng.chance(0.5) ? id(rng, 8) : undefined,
        name: rng.chance(0.9) ? rng.pick(TEXTS) : undefined,
        kind: rng.int(8),
        startTimeUnixNano: rng.chance(0.5) ? rng.pick(TIMES) : String(1714557600000000000n + BigInt(rng.u32()) * 997n),
        endTimeUnixNano: rng.chance(0.5) ? rng.pick(TIMES) : String(1714557600000000000n + BigInt(rng.u32()) * 991n),
        status: rng.chance(0.5) ? { code: rng.int(4) } : undefined,
        attributes: (last = spanAttributes(rng, last)),
      })),
    })),
  }));
  return REQ.encode(REQ.fromObject({ resourceSpans })).finish();
}

/** The records as another thread gets them: packed, structured-cloned, unpacked. */
function packedThenUnpacked(payloads: Uint8Array[]) {
  const packer = new RecordPacker();
  const rejections: Rejection[] = [];
  for (const p of payloads) otlpTracesProtoToPacked(p, 't', packer, rejections);
  return { spans: unpackRecords<SpanRecord>(structuredClone(packer.finish())), rejections };
}

/** protobufjs objects, toObject, then spanRecord: the reference. */
function reference(payloads: Uint8Array[]) {
  const out = { spans: [] as SpanRecord[], rejections: [] as Rejection[] };
  for (const p of payloads) otlpToSpans(decodeOtlpTracesProto(p), 't', out.spans, out.rejections);
  return out;
}

describe('OTLP traces packed straight from the wire', () => {
  it('gives the records and rejections the protobufjs objects give, key order included, over many odd requests', () => {
    const rng = new Rng(17);
    let spans = 0;
    let rejected = 0;
    for (let i = 0; i < 300; i++) {
      const payloads = Array.from({ length: 1 + rng.int(3) }, () => request(rng));
      const want = reference(payloads);
      expect(JSON.stringify(packedThenUnpacked(payloads))).toBe(JSON.stringify(want));
      spans += want.spans.length;
      rejected += want.rejections.length;
    }
    // The generator must reach both sides of the comparison.
    expect(spans).toBeGreaterThan(1000);
    expect(rejected).toBeGreaterThan(1000);
  });

  it('keeps nothing of a payload whose bytes break off, and everything of the payload before it', () => {
    const rng = new Rng(3);
    let good = request(rng);
    while (reference([good]).spans.length === 0) good = request(rng);
    const packer = new RecordPacker();
    otlpTracesProtoToPacked(good, 't', packer, []);
    const before = packer.count;
    let broken = request(rng);
    while (broken.length < 100) broken = request(rng);
    expect(() => otlpTracesProtoToPacked(broken.subarray(0, broken.length - 7), 't', packer, [])).toThrow(WireError);
    expect(packer.count).toBe(before);
    expect(JSON.stringify(unpackRecords(structuredClone(packer.finish())))).toBe(
      JSON.stringify(reference([good]).spans),
    );
  });
});
