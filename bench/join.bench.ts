import type { AccessRecord, RequestDoc, SpanRecord } from '../pipeline/records.ts';
import { joinConfig } from '../processors/join/config.ts';
import { JoinEngine } from '../processors/join/engine.ts';
import { LineParser } from '../processors/parse/line-parser.ts';
import { measure, type Bench, type Row } from './harness.ts';

const HOPS_PER_REQUEST = 4;
const SPAN_RATE = 0.04;

/** Templates for one request: gateway → frontend → backend, 4 hops, parsed once and cloned. */
function templates(): { hops: AccessRecord[]; span: SpanRecord } {
  const p = new LineParser('auto');
  const lines = [
    '[2024-06-01T00:00:00.000Z] "GET /api/v1/items/42 HTTP/1.1" 200 - via_upstream - "-" 0 512 20 19 "203.0.113.7" "Mozilla/5.0" "RID" "shop.example.com" "10.1.0.5:8080" outbound|8080||frontend.shop.svc.cluster.local 10.1.0.2:41000 10.1.0.2:8080 203.0.113.7:5555 - -',
    '[2024-06-01T00:00:00.001Z] "GET /api/v1/items/42 HTTP/1.1" 200 - via_upstream - "-" 0 512 18 18 "203.0.113.7" "Mozilla/5.0" "RID" "shop.example.com" "10.1.0.5:8080" inbound|8080|| 127.0.0.6:4000 10.1.0.5:8080 10.1.0.2:41000 outbound_.8080_._.frontend.shop.svc.cluster.local default',
    '[2024-06-01T00:00:00.003Z] "GET /items/42 HTTP/1.1" 200 - via_upstream - "-" 0 300 10 9 "-" "python-requests" "RID" "backend:9080" "10.1.0.9:9080" outbound|9080|v2|backend.shop.svc.cluster.local 10.1.0.5:42000 10.96.0.9:9080 10.1.0.5:50000 - default',
    '[2024-06-01T00:00:00.004Z] "GET /items/42 HTTP/1.1" 200 - via_upstream - "-" 0 300 8 8 "-" "python-requests" "RID" "backend:9080" "10.1.0.9:9080" inbound|9080|| 127.0.0.6:4001 10.1.0.9:9080 10.1.0.5:42000 outbound_.9080_._.backend.shop.svc.cluster.local default',
  ];
  const hops = lines.map((l) => {
    const r = p.parse(l);
    if (!r.ok) throw new Error(r.reason);
    return r.record;
  });
  const span: SpanRecord = {
    '@timestamp': '2024-06-01T00:00:00.000Z',
    'event.dataset': 'mesh.span',
    'trace.id': '5b8efff798038103d269b633813fc60c',
    'span.id': 'eee19b7ec3c1b174',
    'parent.id': null,
    'span.name': 'frontend',
    'span.kind': 'client',
    'span.start_ns': '1717200000000000000',
    'span.end_ns': '1717200000020000000',
    'event.duration': 20_000_000,
    'span.status': 'unset',
    'service.name': 'gw',
    'http.request.id': 'RID',
    'envoy.upstream.cluster': 'outbound|8080||frontend.shop.svc.cluster.local',
    attributes: { 'guid:x-request-id': 'RID' },
  };
  return { hops, span };
}

/** The parts of request i, as they would come from the parser: fresh objects, distinct ids and ports. */
function partsOf(
  t: { hops: AccessRecord[]; span: SpanRecord },
  i: number,
  baseMs: number,
): Array<AccessRecord | SpanRecord> {
  const id = `84961386-6d84-929d-98bd-${String(i).padStart(12, '0')}`;
  const ts = (k: number) => new Date(baseMs + Math.floor(i / 10) + k).toISOString();
  const parts: Array<AccessRecord | SpanRecord> = t.hops.map((h, k) => ({
    ...h,
    '@timestamp': ts(k),
    'http.request.id': id,
    'source.port': 10000 + (i % 50000),
    'envoy.upstream.local_address': `10.1.0.${k}:${20000 + (i % 40000)}`,
  }));
  if ((i * 7919) % 100 < SPAN_RATE * 100)
    parts.push({ ...t.span, 'http.request.id': id, 'span.id': (i + 1).toString(16).padStart(16, '0') });
  return parts;
}

/**
 * Join throughput (hops/s on one core: the engine runs on the main thread) at 4 hops and 0.04
 * spans per request, and the heap held per buffered event with 100k requests in flight.
 */
const bench: Bench = {
  name: 'join',
  description: `join, ${HOPS_PER_REQUEST} hops and ${SPAN_RATE} spans per request`,
  async run() {
    const t = templates();
    const rows: Row[] = [];
    const base = Date.parse('2024-06-01T00:00:00.000Z');

    // Throughput: a steady stream, docs emitted as they fall due.
    let i = 0;
    const engine = new JoinEngine({ ...joinConfig.parse({}) });
    const sink: RequestDoc[] = [];
    const batch = 256;
    // Hops per CPU second too (warm-up included): on a shared machine the wall-clock rate follows
    // the other processes' load; the CPU this process spent follows mostly the code.
    let allHops = 0;
    const cpu = process.cpuUsage();
    const r = await measure(5000, () => {
      let hops = 0;
      for (let k = 0; k < batch; k++, i++) {
        for (const p of partsOf(t, i, base)) {
          engine.add(p, sink);
          if (p['event.dataset'] === 'envoy.access') hops++;
        }
      }
      engine.advance(undefined, sink);
      sink.length = 0;
      allHops += hops;
      return hops;
    });
    const { user, system } = process.cpuUsage(cpu);
    rows.push({
      measure: 'join throughput (main thread)',
      value: Math.round(r.opsPerSec),
      unit: 'hops/s per core',
      note: `${engine.pending} requests pending at the end`,
    });
    rows.push({
      measure: 'join throughput per CPU second',
      value: Math.round(allHops / ((user + system) / 1e6)),
      unit: 'hops/CPU s',
      note: 'user + system CPU of the process (GC threads included)',
    });

    // Memory: 100k requests in flight, none due; heap delta over buffered events.
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) {
      rows.push({
        measure: 'heap per buffered event',
        value: 0,
        unit: 'B',
        note: 'run with node --expose-gc (npm run bench does)',
      });
      return rows;
    }
    const N = 100_000;
    const held = new JoinEngine({
      ...joinConfig.parse({}),
      maxPending: 1_000_000,
      idleMs: 3_600_000,
      maxAgeMs: 3_600_000,
    });
    gc();
    gc();
    const before = process.memoryUsage().heapUsed;
    let events = 0;
    // Parts are made and handed over one request at a time, as the parser would; once added,
    // they are garbage, so after a GC the heap delta is what the engine keeps.
    for (let k = 0; k < N; k++) {
      for (const p of partsOf(t, 10_000_000 + k, base)) {
        held.add(p);
        events++;
      }
    }
    gc();
    gc();
    const after = process.memoryUsage().heapUsed;
    rows.push({
      measure: 'heap per buffered event',
      value: Math.round((after - before) / events),
      unit: 'B',
      note: `${N.toLocaleString('en-US')} requests, ${events.toLocaleString('en-US')} events, pending ${held.pending.toLocaleString('en-US')}`,
    });
    return rows;
  },
};
export default bench;
