import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { otlpToSpans } from '../parse/decoders/otlp-traces.ts';
import { LineParser } from '../parse/line-parser.ts';
import type { AccessRecord, RequestDoc, SpanRecord } from '../../pipeline/records.ts';
import { joinConfig } from './config.ts';
import { JoinEngine } from './engine.ts';
import { JoinProcessor } from './processor.ts';
import { createBatch, type Ack } from '../../pipeline/batch.ts';
import { CaptureIntake } from '../../pipeline/testing/capture.ts';
import { testContext } from '../../pipeline/testing/context.ts';
import { syntheticSpanId, syntheticTraceId } from './synthesize.ts';

const parser = new LineParser('auto');
const hop = (line: string) => {
  const r = parser.parse(line);
  if (!r.ok) throw new Error(r.reason);
  return r.record;
};
const engine = (o: Partial<ReturnType<typeof joinConfig.parse>> = {}) =>
  new JoinEngine({ ...joinConfig.parse({}), ...o });

function replay(e: JoinEngine, parts: Array<AccessRecord | SpanRecord>): RequestDoc[] {
  const docs: RequestDoc[] = [];
  for (const p of parts) {
    e.add(p, docs);
    e.advance(undefined, docs);
  }
  return e.flush('complete', docs);
}

const HOPS = readFileSync(new URL('./testdata/bookinfo-hops.log', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map(hop);
const TRACE = (() => {
  const spans: SpanRecord[] = [];
  otlpToSpans(
    JSON.parse(readFileSync(new URL('./testdata/otlp-trace-kiali-bookinfo-tempo.json', import.meta.url), 'utf8')),
    't',
    spans,
    [],
  );
  return spans;
})();

describe('join: the real bookinfo trace with its access-log hops', () => {
  it('gives one complete RequestDoc with the hops in call order and each span on its hop', () => {
    const [doc, ...rest] = replay(engine(), [...TRACE, ...HOPS].reverse());
    expect(rest).toEqual([]);
    expect(doc).toMatchObject({
      'http.request.id': 'e4e8c177-3962-9359-945e-61e7175cd867',
      'trace.id': '3ba55609c3cde49649cd77d1f9dcd936',
      'meshlog.join.state': 'complete',
      'http.response.status_code': 200,
      'mesh.error_class': 'ok',
      'mesh.failed_hop': null,
    });
    expect(doc.spans).toHaveLength(8);
    expect(doc['mesh.hops'].map((h) => [h.index, h.parent, h.direction, h.service, h.span_id])).toEqual([
      [0, null, 'outbound', 'productpage', '49cd77d1f9dcd936'],
      [1, 0, 'inbound', 'productpage', '84756b1dab0856fa'],
      [2, 1, 'outbound', 'details', 'e9c8fd1deb3e88dd'],
      [3, 2, 'inbound', 'details', 'd23de5feae19a76d'],
      [4, 1, 'outbound', 'reviews', '1210042c36f8be92'],
      [5, 4, 'inbound', 'reviews', '77191048cb7dadc4'],
      [6, 5, 'outbound', 'ratings', '7c597bf56ddf1a03'],
      [7, 6, 'inbound', 'ratings', 'e9d3d5f02056e0bc'],
    ]);
    expect(doc['event.duration']).toBe(12_000_000);
  });

  it('builds the same tree whatever order the hops arrive in', () => {
    const a = replay(engine(), HOPS)[0]['mesh.hops'];
    const b = replay(engine(), [HOPS[7], HOPS[3], HOPS[0], HOPS[5], HOPS[1], HOPS[6], HOPS[2], HOPS[4]])[0][
      'mesh.hops'
    ];
    expect(b).toEqual(a);
  });

  it('drops a hop sent twice and counts it', () => {
    const e = engine();
    const [doc] = replay(e, [...HOPS, HOPS[2], HOPS[5]]);
    expect(doc['mesh.hops']).toHaveLength(8);
    expect(e.counters.duplicates).toBe(2);
  });
});

const line = (
  id: string,
  t: string,
  status: number,
  flags: string,
  cluster: string,
  remote: string,
  local: string,
  upLocal: string,
  dur = 5,
) =>
  hop(
    `[${t}] "GET /api HTTP/1.1" ${status} ${flags} via_upstream - "-" 0 10 ${dur} - "-" "ua" "${id}" "svc:80" "10.0.0.9:80" ${cluster} ${upLocal} ${local} ${remote} - -`,
  );

describe('join: failures, synthesis, bounds and lateness', () => {
  const failing = (id: string, t0 = '2024-01-01T00:00:00.000Z') => [
    line(
      id,
      t0,
      503,
      'UF,URX',
      'outbound|80||backend.shop.svc.cluster.local',
      '10.0.0.5:5000',
      '10.96.0.9:80',
      '10.0.0.5:6000',
      30,
    ),
  ];

  it('reports the first failing hop and synthesises a trace for a failed request without spans', () => {
    const ok = line(
      'r-2',
      '2024-01-01T00:00:00.000Z',
      502,
      '-',
      'outbound|80||frontend.shop.svc.cluster.local',
      '10.0.0.1:1000',
      '10.0.0.2:80',
      '10.0.0.2:2000',
      40,
    );
    const inbound = line(
      'r-2',
      '2024-01-01T00:00:00.001Z',
      502,
      '-',
      'inbound|80||',
      '10.0.0.2:2000',
      '10.0.0.5:80',
      '127.0.0.6:1',
      38,
    );
    const leaf = line(
      'r-2',
      '2024-01-01T00:00:00.002Z',
      503,
      'UF,URX',
      'outbound|80||backend.shop.svc.cluster.local',
      '10.0.0.5:5000',
      '10.96.0.9:80',
      '10.0.0.5:6000',
      30,
    );
    const [doc] = replay(engine(), [leaf, ok, inbound]);
    // The inbound hop names its service by the authority it was called with ("svc:80").
    expect(doc['mesh.hops'].map((h) => [h.parent, h.service, h.error_class])).toEqual([
      [null, 'frontend', 'app'],
      [0, 'svc', 'app'],
      [1, 'backend', 'mesh'],
    ]);
    expect(doc).toMatchObject({
      'http.response.status_code': 502,
      'mesh.error_class': 'app',
      // The failure started at the 503 UF two calls down, not at the 502 the caller saw.
      'mesh.failed_hop': 2,
      'mesh.failed_hop_error_class': 'mesh',
      'trace.id': syntheticTraceId('r-2'),
    });
    expect(
      doc.spans.map((s) => [
        s['span.kind'],
        s['parent.id'] === null,
        s.attributes['meshlog.synthetic'],
        s['span.status'],
      ]),
    ).toEqual([
      ['client', true, true, 'error'],
      ['server', false, true, 'error'],
      ['client', false, true, 'error'],
    ]);
    expect(doc.spans[1]['parent.id']).toBe(doc.spans[0]['span.id']);
    expect(doc.spans[2]['parent.id']).toBe(doc.spans[1]['span.id']);
    // Deterministic: a replay gives the same ids.
    expect(replay(engine(), [ok, inbound, leaf])[0].spans.map((s) => s['span.id'])).toEqual(
      doc.spans.map((s) => s['span.id']),
    );
  });

  it('gives a request the synthetic ids earlier versions gave it, so a replay links to traces already stored', () => {
    expect(syntheticTraceId('r-2')).toBe('70262fbd70a489f41172809a06edaa65');
    expect(syntheticSpanId('r-2', 3)).toBe('04d9e78c4a13a597');
  });

  it('does not synthesise for successful requests or when turned off', () => {
    const ok = line(
      'r-3',
      '2024-01-01T00:00:00.000Z',
      200,
      '-',
      'outbound|80||a.b.svc.cluster.local',
      '10.0.0.1:1',
      '10.0.0.2:80',
      '10.0.0.1:2',
    );
    expect(replay(engine(), [ok])[0].spans).toEqual([]);
    expect(replay(engine({ synthesize: false }), failing('r-4'))[0].spans).toEqual([]);
  });

  it('emits the oldest requests early as partial when maxPending is reached, and counts them', () => {
    const e = engine({ maxPending: 3 });
    const docs: RequestDoc[] = [];
    for (let i = 0; i < 5; i++) e.add(failing(`p-${i}`, `2024-01-01T00:00:0${i}.000Z`)[0], docs);
    expect(e.pending).toBe(3);
    expect(docs.map((d) => [d['http.request.id'], d['meshlog.join.state']])).toEqual([
      ['p-0', 'partial'],
      ['p-1', 'partial'],
    ]);
    expect(e.counters.partial).toBe(2);
  });

  it('emits on idle and on maxAge, in event time', () => {
    const e = engine({ idleMs: 1000, maxAgeMs: 3000, allowedSkewMs: 0 });
    const docs: RequestDoc[] = [];
    e.add(failing('a', '2024-01-01T00:00:00.000Z')[0], docs); // ends at 00.030
    e.advance(Date.parse('2024-01-01T00:00:01.029Z'), docs);
    expect(docs).toHaveLength(0);
    e.advance(Date.parse('2024-01-01T00:00:01.030Z'), docs);
    expect(docs.map((d) => d['http.request.id'])).toEqual(['a']);
    // A request that keeps getting parts still goes out at maxAge.
    for (let ms = 0; ms <= 3000; ms += 500) {
      e.add(
        line(
          'b',
          new Date(Date.parse('2024-01-01T00:00:10.000Z') + ms).toISOString(),
          200,
          '-',
          'outbound|80||x.y.svc.cluster.local',
          `10.0.0.1:${ms + 1}`,
          '10.0.0.2:80',
          '10.0.0.1:9',
        ),
        docs,
      );
      e.advance(Date.parse('2024-01-01T00:00:10.000Z') + ms, docs);
    }
    expect(docs.map((d) => d['http.request.id'])).toEqual(['a', 'b']);
  });

  it('re-emits a request whole, as late, when a part arrives after it went out', () => {
    const e = engine({ idleMs: 1000, allowedSkewMs: 0 });
    const [first, second] = HOPS;
    const docs: RequestDoc[] = [];
    e.add(first, docs);
    e.advance(Date.parse(first['@timestamp']) + 5000, docs);
    e.add(second, docs);
    expect(docs.map((d) => [d['meshlog.join.state'], d['mesh.hops'].length])).toEqual([
      ['complete', 1],
      ['late', 2],
    ]);
    expect(docs[1]['http.request.id']).toBe(docs[0]['http.request.id']);
    expect(e.counters.late).toBe(1);
  });

  it('joins spans without logs, and counts parts without a request id', () => {
    const e = engine();
    const noId = { ...TRACE[0], 'http.request.id': null };
    const docs = replay(e, [TRACE[3], noId]);
    expect(docs).toHaveLength(1);
    expect(docs[0]['mesh.hops']).toEqual([]);
    expect(docs[0].spans).toHaveLength(1);
    expect(e.counters.unkeyed).toBe(1);
  });

  it('names a bad option', () => {
    expect(() => engine({ maxPending: 0 })).toThrow('join: maxPending must be positive, got 0');
  });

  it('does not let a part that claims to last for years move event time: the requests after it still join whole', () => {
    const e = engine({ idleMs: 1000, allowedSkewMs: 0 });
    const docs: RequestDoc[] = [];
    const at = (ms: number) => new Date(Date.parse('2024-01-01T00:00:00.000Z') + ms).toISOString();
    const send = (part: AccessRecord) => {
      e.add(part, docs);
      e.advance(undefined, docs);
    };
    // 10^12 ms: a stuck timer or a crafted line. Its end is 31 years on; its start is now.
    send(
      line(
        'stuck',
        at(0),
        200,
        '-',
        'outbound|80||x.y.svc.cluster.local',
        '10.0.0.1:1',
        '10.0.0.2:80',
        '10.0.0.1:9',
        1e12,
      ),
    );
    // Two hops of one request, in two batches 100 ms apart, as from two sidecars.
    send(
      line('r', at(100), 200, '-', 'outbound|80||b.y.svc.cluster.local', '10.0.0.3:1', '10.96.0.4:80', '10.0.0.3:7'),
    );
    send(line('r', at(200), 200, '-', 'inbound|80||', '10.0.0.3:7', '10.0.0.4:80', '127.0.0.6:5'));
    expect(docs).toEqual([]);
    e.advance(Date.parse(at(5000)), docs);
    expect(docs.map((d) => [d['http.request.id'], d['meshlog.join.state'], d['mesh.hops'].length])).toEqual([
      ['r', 'complete', 2],
    ]);
    // The stuck part itself goes out at maxAge, with the duration it claimed.
    e.advance(Date.parse(at(60_000)), docs);
    expect(docs.map((d) => [d['http.request.id'], d['event.duration']])).toEqual([
      ['r', expect.any(Number)],
      ['stuck', 1e18],
    ]);
  });
});

describe('join processor', () => {
  it('emits what it holds at a clean shutdown as complete, not partial', async () => {
    const processor = new JoinProcessor(joinConfig.parse({ idleMs: 60_000 }), testContext('join'));
    const out = new CaptureIntake<RequestDoc>();
    processor.connect(out);
    await processor.start();
    const batch = createBatch<unknown>(HOPS);
    await processor.consume(batch);
    expect(await batch.ack.settled).toEqual({ status: 'delivered' });
    expect(out.records).toEqual([]); // still held: nothing is idle yet
    await processor.shutdown();
    expect(out.records.map((d) => d['meshlog.join.state'])).toEqual(['complete']);
    expect(out.records[0]['mesh.hops']).toHaveLength(HOPS.length);
  });
});

describe('join processor with ackOn: delivered', () => {
  /** A downstream that settles each batch only when told. */
  class Gate {
    readonly batches: Array<{ records: unknown[]; ack: Ack }> = [];
    async consume(batch: { records: unknown[]; ack: Ack }): Promise<void> {
      this.batches.push(batch);
    }
  }

  it('holds an input batch until the RequestDoc containing its records is delivered', async () => {
    const processor = new JoinProcessor(joinConfig.parse({ ackOn: 'delivered', idleMs: 60_000 }), testContext('j'));
    const gate = new Gate();
    processor.connect(gate);
    const first = createBatch<unknown>(HOPS.slice(0, 2));
    const second = createBatch<unknown>(HOPS.slice(2));
    await processor.consume(first);
    await processor.consume(second);
    let settled = 0;
    void first.ack.settled.then(() => settled++);
    void second.ack.settled.then(() => settled++);
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(0); // the request is still in the join: no commit may pass it
    await processor.shutdown();
    expect(gate.batches).toHaveLength(1);
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(0); // emitted, but not yet delivered
    gate.batches[0].ack.settle({ status: 'retryable', reason: 'elasticsearch is down' });
    expect(await first.ack.settled).toEqual({ status: 'retryable', reason: 'elasticsearch is down' });
    expect((await second.ack.settled).status).toBe('retryable');
  });

  it('settles at once a batch that leaves nothing in the join', async () => {
    const processor = new JoinProcessor(joinConfig.parse({ ackOn: 'delivered' }), testContext('j'));
    processor.connect(new Gate());
    const empty = createBatch<unknown>([]);
    await processor.consume(empty);
    expect(await empty.ack.settled).toEqual({ status: 'delivered' });
  });
});

describe('join under memory pressure', () => {
  it('shed(n) emits the n oldest held requests early as partial, and nothing else', () => {
    const e = engine({ idleMs: 60_000 });
    const hops = HOPS.map((h, i) => ({ ...h, 'http.request.id': `m-${i}` }));
    for (const h of hops) e.add(h);
    const shed = e.shed(2);
    expect(shed.map((d) => [d['http.request.id'], d['meshlog.join.state']])).toEqual([
      ['m-0', 'partial'],
      ['m-1', 'partial'],
    ]);
    expect(e.pending).toBe(hops.length - 2);
    expect(e.counters.partial).toBe(2);
  });
});
