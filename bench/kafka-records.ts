import type { AccessRecord, SpanRecord } from '../pipeline/records.ts';
import { trafficLines } from '../pipeline/testing/mesh-traffic.ts';
import { LineParser } from '../processors/parse/line-parser.ts';

/** Parsed access records as the agent puts them on the records topic: outbound hops with distinct ids. */
export function accessRecords(n: number): AccessRecord[] {
  const parser = new LineParser('auto');
  const lines = trafficLines({
    service: 'reviews',
    subset: 'v2',
    requests: n,
    errorRate: 0.05,
    startMs: Date.parse('2024-06-01T00:00:00Z'),
  });
  return lines.map((l) => {
    const r = parser.parse(l);
    if (!r.ok) throw new Error(r.reason);
    return r.record;
  });
}

/** Spans shaped as the OTLP and Zipkin receivers normalise them, with Istio's usual attributes. */
export function spanRecords(n: number): SpanRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const start = 1717200000000000000n + BigInt(i) * 1_000_000n;
    return {
      '@timestamp': new Date(Number(start / 1_000_000n)).toISOString(),
      'event.dataset': 'mesh.span',
      'trace.id': (0x5b8efff798038103n + BigInt(i)).toString(16).padStart(32, '0'),
      'span.id': (i + 1).toString(16).padStart(16, '0'),
      'parent.id': null,
      'span.name': 'reviews.shop.svc.cluster.local:9080/*',
      'span.kind': 'client',
      'span.start_ns': start.toString(),
      'span.end_ns': (start + 20_000_000n).toString(),
      'event.duration': 20_000_000,
      'span.status': 'unset',
      'service.name': 'productpage.shop',
      'http.request.id': `84961386-6d84-929d-98bd-${String(i).padStart(12, '0')}`,
      'http.response.status_code': 200,
      'envoy.upstream.cluster': 'outbound|9080|v2|reviews.shop.svc.cluster.local',
      attributes: {
        'guid:x-request-id': `84961386-6d84-929d-98bd-${String(i).padStart(12, '0')}`,
        'http.method': 'GET',
        'http.url': 'http://reviews:9080/reviews/0',
        'http.status_code': '200',
        'upstream_cluster.name': 'outbound|9080|v2|reviews.shop.svc.cluster.local',
        'istio.canonical_service': 'productpage',
        'istio.namespace': 'shop',
        'istio.mesh_id': 'cluster.local',
        component: 'proxy',
        node_id: 'sidecar~10.1.0.5~productpage-v1-6b746f74dc-9stvs.shop~shop.svc.cluster.local',
      },
    };
  });
}
