import { describe, expect, it } from 'vitest';
import { partitionKey } from './keys.ts';

describe('partitionKey', () => {
  it.each<[string, Record<string, unknown>, string | null]>([
    ['a hop by its request id', { 'event.dataset': 'envoy.access', 'http.request.id': 'r-1', 'trace.id': 't' }, 'r-1'],
    [
      'a span with a request id by it',
      { 'event.dataset': 'mesh.span', 'http.request.id': 'r-2', 'trace.id': 't' },
      'r-2',
    ],
    [
      'a span without one by its trace id',
      { 'event.dataset': 'mesh.span', 'http.request.id': null, 'trace.id': 'abc' },
      'abc',
    ],
    [
      'a hop with neither: spread',
      { 'event.dataset': 'envoy.access', 'http.request.id': null, 'trace.id': 'abc' },
      null,
    ],
    ['a RequestDoc by its request id', { 'event.dataset': 'meshlog.request', 'http.request.id': 'r-3' }, 'r-3'],
    [
      'a window by its route',
      {
        'event.dataset': 'meshlog.window',
        'mesh.destination.namespace': 'shop',
        'mesh.destination.service': 'reviews',
        'mesh.route': '/items',
        'mesh.destination.subset': 'v2',
      },
      'shop/reviews//items/v2',
    ],
    ['a window with a route key', { 'event.dataset': 'meshlog.window', 'mesh.route_key': 'k' }, 'k'],
    ['a calls record by its source', { 'event.dataset': 'meshlog.calls', 'calls.source': 'node-1/42' }, 'node-1/42'],
    ['a breaker decision by its edge', { 'event.dataset': 'meshlog.decision', 'breaker.edge': 'a->b' }, 'a->b'],
    [
      'a canary decision by its service',
      {
        'event.dataset': 'meshlog.decision',
        'mesh.destination.namespace': 'shop',
        'mesh.destination.service': 'reviews',
      },
      'shop/reviews//',
    ],
    ['an unknown record: spread', { 'event.dataset': 'other' }, null],
  ])('%s', (_name, record, key) => {
    expect(partitionKey(record)).toBe(key);
  });
});
