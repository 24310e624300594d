import { protoType } from '../../pipeline/proto/load.ts';
import type { SpanRecord } from '../../pipeline/records.ts';

const KIND = { unspecified: 0, internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;
const STATUS = { unset: 0, ok: 1, error: 2 } as const;

function value(v: string | number | boolean): Record<string, unknown> {
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: v } : { doubleValue: v };
  return { stringValue: v };
}

/** SpanRecords as one ExportTraceServiceRequest (protobuf), grouped by service into resources. */
export function encodeSpans(spans: readonly SpanRecord[]): Uint8Array {
  const byResource = new Map<string, { attrs: Record<string, string>; spans: Record<string, unknown>[] }>();
  for (const s of spans) {
    const attrs: Record<string, string> = { 'service.name': s['service.name'] ?? 'unknown' };
    for (const k in s) if (k.startsWith('k8s.')) attrs[k] = String(s[k as `k8s.${string}`]);
    const key = JSON.stringify(attrs);
    let group = byResource.get(key);
    if (!group) byResource.set(key, (group = { attrs, spans: [] }));
    group.spans.push({
      traceId: Buffer.from(s['trace.id'].padStart(32, '0'), 'hex'),
      spanId: Buffer.from(s['span.id'], 'hex'),
      ...(s['parent.id'] ? { parentSpanId: Buffer.from(s['parent.id'], 'hex') } : {}),
      name: s['span.name'],
      kind: KIND[s['span.kind']],
      startTimeUnixNano: s['span.start_ns'],
      endTimeUnixNano: s['span.end_ns'],
      attributes: Object.entries(s.attributes).map(([key, v]) => ({ key, value: value(v) })),
      status: { code: STATUS[s['span.status']] },
    });
  }
  const type = protoType('opentelemetry.proto.trace.v1.ExportTraceServiceRequest');
  const req = {
    resourceSpans: [...byResource.values()].map((g) => ({
      resource: { attributes: Object.entries(g.attrs).map(([key, v]) => ({ key, value: { stringValue: v } })) },
      scopeSpans: [{ scope: { name: 'meshlog' }, spans: g.spans }],
    })),
  };
  return type.encode(type.fromObject(req)).finish();
}
