import type { AccessRecord, RequestDoc } from '../../pipeline/records.ts';

/** A RequestDoc as the join emits it, for request `i` on day `day` (0-based from 2024-06-01). */
export function requestDoc(i: number, day = 0): RequestDoc {
  const ts = new Date(Date.parse('2024-06-01T00:00:00.000Z') + day * 86_400_000 + i).toISOString();
  return {
    '@timestamp': ts,
    'event.dataset': 'meshlog.request',
    'http.request.id': `req-${i}`,
    'trace.id': null,
    'mesh.hops': [
      {
        index: 0,
        parent: null,
        '@timestamp': ts,
        service: 'cart',
        direction: 'outbound',
        route: '/items',
        status: i % 10 === 0 ? 503 : 200,
        flags: i % 10 === 0 ? ['UF'] : [],
        'event.duration': 5_000_000,
        error_class: i % 10 === 0 ? 'mesh' : 'ok',
        cluster: 'outbound|80||cart.shop.svc.cluster.local',
      },
    ],
    spans: [],
    'http.response.status_code': i % 10 === 0 ? 503 : 200,
    'mesh.error_class': i % 10 === 0 ? 'mesh' : 'ok',
    'mesh.failed_hop': null,
    'event.duration': 5_000_000,
    'meshlog.join.state': 'complete',
    'labels.tenant': `t${i % 3}`,
  };
}

export function hop(i: number): AccessRecord {
  return {
    '@timestamp': new Date(Date.parse('2024-06-01T00:00:00.000Z') + i).toISOString(),
    'event.dataset': 'envoy.access',
    'http.request.id': `req-${i}`,
    'http.request.method': 'GET',
    'url.original': '/items/1',
    'http.response.status_code': 200,
    'event.duration': 5_000_000,
    'source.ip': '10.0.0.1',
    'source.port': 40000 + (i % 20000),
    'envoy.response_flags': [],
    'envoy.format': 'istio-text-G/H',
    'mesh.direction': 'outbound',
    'mesh.destination.service': 'cart',
    'mesh.route': '/items/{id}',
    'mesh.error_class': 'ok',
  };
}
