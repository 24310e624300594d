import { describe, expect, it } from 'vitest';
import type { AccessRecord, CallsRecord } from '../../../pipeline/records.ts';
import { mulberry32, trafficLines } from '../../../pipeline/testing/mesh-traffic.ts';
import { parsedInTimeOrder } from '../testdata/parsed.ts';
import { signalsConfig } from '../config.ts';
import { SignalsEngine } from '../engine.ts';
import type { Call } from './call.ts';
import { decodeEdge, encodeEdge } from './codec.ts';
import { CallLog } from './log.ts';
import { CallMerge } from './merge.ts';

const T0 = Date.parse('2024-03-01T10:00:00.000Z');
const records = parsedInTimeOrder;

const edge = { source: 'productpage-v1', service: 'cart', namespace: 'shop', route: '/items' };
const call = (t: number, serverFault = false): Call => ({
  t,
  durationMs: 12.5,
  serverFault,
  status5xx: serverFault,
  l4: false,
});

/** A source's CallsRecords as a processor would send them. */
function sent(source: string, calls: Call[], watermark = Math.max(...calls.map((c) => c.t))): CallsRecord[] {
  const log = new CallLog(source, 3000);
  log.advance(watermark);
  for (const c of calls) log.add(edge, c);
  return log.take();
}

describe('calls codec', () => {
  it('round-trips every field, a missing duration included', () => {
    const calls = [call(T0, true), { ...call(T0 + 1), durationMs: null, l4: true }];
    expect(decodeEdge(encodeEdge(edge, calls))).toEqual({ edge, calls });
  });

  it('refuses columns of different lengths, bad sizes and missing fields with a reason', () => {
    const w = encodeEdge(edge, [call(T0), call(T0 + 1)]);
    expect(() => decodeEdge({ ...w, flags: Buffer.from([0]).toString('base64') })).toThrow(
      /2 times, 2 durations, 1 flags/,
    );
    expect(() => decodeEdge({ ...w, time: Buffer.from([1, 2, 3]).toString('base64') })).toThrow(/time is 3 bytes/);
    expect(() => decodeEdge({ ...w, route: 7 as unknown as string })).toThrow(/route is not a string/);
  });
});

describe('CallMerge', () => {
  it('releases only what every source has vouched for, in event time', () => {
    const m = new CallMerge(3000, 30_000);
    m.add(sent('a', [call(T0 + 10), call(T0 + 30)])[0], 0);
    const b = sent('b', [call(T0 + 20)], T0 + 20)[0];
    m.add(b, 0);
    // Every call waits the grace time first (a source not heard of yet could still come).
    expect(m.release(2900)).toEqual([]);
    const heartbeat = (seq: number, watermark: number) => ({
      ...b,
      'calls.seq': seq,
      'calls.count': 0,
      'calls.edges': [],
      'calls.watermark': watermark,
    });
    m.add(heartbeat(1, T0 + 25), 2000);
    // b has promised nothing past T0 + 25: a's call at T0 + 30 waits.
    expect(m.release(3000).map((x) => x.call.t - T0)).toEqual([10, 20]);
    expect(m.pending).toBe(1);
    // b keeps talking without moving (idle): after the idle time it no longer holds a back.
    m.add(heartbeat(2, T0 + 25), 2500);
    expect(m.release(4900)).toEqual([]);
    expect(m.release(5000).map((x) => x.call.t - T0)).toEqual([30]);
  });

  it('a source heard of late still gets its older calls in first, within the grace time', () => {
    const m = new CallMerge(3000, 30_000);
    m.add(sent('a', [call(T0 + 10), call(T0 + 30)])[0], 0);
    m.add(sent('b', [call(T0 + 20)])[0], 1500);
    expect(m.release(3000).map((x) => x.call.t - T0)).toEqual([10]);
    expect(m.release(31_500).map((x) => x.call.t - T0)).toEqual([20, 30]);
  });

  it('waits for a source that went silent (slow, not idle) until it counts as gone', () => {
    const m = new CallMerge(3000, 30_000);
    m.add(sent('a', [call(T0 + 10), call(T0 + 30)])[0], 0);
    m.add(sent('b', [call(T0 + 20)], T0 + 20)[0], 0);
    m.add({ ...sent('a', [], T0 + 40)[0], 'calls.seq': 1 }, 1000);
    expect(m.release(29_000).map((x) => x.call.t - T0)).toEqual([10, 20]);
    expect(m.pending).toBe(1);
    expect(m.release(30_000).map((x) => x.call.t - T0)).toEqual([30]);
  });

  it("a processor's watermark is its oldest active origin's newest time; an idle or lost origin stops counting", () => {
    const log = new CallLog('p', 3000);
    log.advance(T0 + 500, 'kafka:r/0', 0);
    log.advance(T0 + 200, 'kafka:r/1', 0);
    log.advance(T0 + 100, 'kafka:r/1', 0); // older than what r/1 had: no step back
    expect(log.watermark(10)).toBe(T0 + 200);
    log.advance(T0 + 900, 'kafka:r/0', 2000);
    expect(log.watermark(4000)).toBe(T0 + 900); // r/1 idle since 0
    log.advance(T0 + 300, 'kafka:r/1', 4000);
    expect(log.watermark(4000)).toBe(T0 + 300);
    log.forget('kafka:r/1');
    expect(log.watermark(4000)).toBe(T0 + 900);
  });

  it('ignores a record it has seen (a replay of the topic) and refuses a malformed one whole', () => {
    const m = new CallMerge(3000, 30_000);
    const [r] = sent('a', [call(T0)]);
    m.add(r, 0);
    m.add(r, 0);
    expect(m.replays).toBe(1);
    // A record that a retried produce put behind a later one is not a replay.
    m.add({ ...r, 'calls.seq': 5 }, 0);
    m.add({ ...r, 'calls.seq': 4 }, 0);
    expect(m.replays).toBe(1);
    expect(() => m.add({ ...r, 'calls.seq': 1, 'calls.watermark': Number.NaN }, 0)).toThrow(/watermark/);
    const broken = { ...r, 'calls.seq': 2, 'calls.edges': [{ ...r['calls.edges'][0], flags: '' }] };
    expect(() => m.add(broken, 0)).toThrow(/flags/);
    expect(m.release(10_000)).toHaveLength(3);
  });

  it('a log sends nothing before it observed a record, then an empty record on each take (alive)', () => {
    const log = new CallLog('a', 3000);
    expect(log.take()).toEqual([]);
    log.advance(T0);
    expect(log.take()).toMatchObject([{ 'calls.count': 0, 'calls.watermark': T0, 'calls.seq': 0 }]);
    expect(log.take()).toMatchObject([{ 'calls.count': 0, 'calls.watermark': T0, 'calls.seq': 1 }]);
  });

  it('splits a large batch of calls over several records, each under 1 MB', () => {
    const log = new CallLog('a', 3000);
    log.advance(T0 + 45_000);
    for (let i = 0; i < 45_000; i++) log.add(edge, call(T0 + i));
    const out = log.take();
    expect(out.map((r) => r['calls.count'])).toEqual([20_000, 20_000, 5000]);
    for (const r of out) expect(JSON.stringify(r).length).toBeLessThan(1_000_000);
  });
});

describe('breakers over several processors', () => {
  it('a signals engine fed the calls of three processors decides what one engine seeing every record does', () => {
    // Two callers of `payments`: an outage of 40 s with 70% 503s opens and half-opens the breakers
    // several times; `cart` stays healthy. Lines are spaced so no two share an event time.
    const lines = [
      ...['productpage', 'checkout'].flatMap((source, s) =>
        [0, 1, 2].flatMap((phase) =>
          trafficLines({
            service: 'payments',
            subset: 'v1',
            source: `10.0.${s}.${phase + 1}`,
            requests: 2000,
            errorRate: phase === 1 ? 0.7 : 0.02,
            startMs: T0 + phase * 40_000 + s * 3,
            spacingMs: 20,
            seed: 10 * s + phase,
          }).map((l) => l.replace(/"(payments-v1-\d+-\d+)"/, `"$1-${source}"`)),
        ),
      ),
      ...trafficLines({ service: 'cart', subset: 'v1', requests: 6000, startMs: T0 + 7, spacingMs: 20, seed: 99 }),
    ];
    const all = records(lines);
    const config = signalsConfig.parse({ emit: { calls: true } });
    const one = new SignalsEngine(config, undefined, 'one');
    one.observe(all);

    // Three processors, each with the requests its Kafka partitions hold, observing in batches;
    // their CallsRecords reach the signals engine interleaved (each source in its own order).
    const procs = [0, 1, 2].map((i) => new SignalsEngine(config, undefined, `processor-${i}`));
    const shares = procs.map(() => [] as AccessRecord[]);
    for (const r of all) shares[hash(r['http.request.id']!) % 3].push(r);
    const signals = new SignalsEngine(signalsConfig.parse({}), undefined, 'signals');
    const rnd = mulberry32(7);
    let now = Date.now();
    for (let offset = 0; offset < all.length; offset += 700) {
      const queues = procs.map((p, i) => {
        p.observe(shares[i].slice((offset / 3) | 0, ((offset + 700) / 3) | 0));
        return p.takeCalls();
      });
      signals.observe(interleave(queues, rnd));
      signals.releaseCalls((now += 10));
    }
    procs.forEach((p) => signals.observe(p.takeCalls()));
    signals.releaseCalls(now + 60_000); // every source idle: the rest goes through

    const transitions = one.breakers.events();
    expect(transitions.length).toBeGreaterThanOrEqual(4);
    expect(transitions.some((t) => t.to === 'open')).toBe(true);
    expect(signals.breakers.events()).toEqual(transitions);
    expect(signals.breakers.states()).toEqual(one.breakers.states());
    expect(signals.recommendations()).toEqual(one.recommendations());
    expect(signals.calls.pending).toBe(0);
    expect(signals.badPartials).toBe(0);
  });
});

/** The records of every queue, each queue in its own order, the queues mixed at random. */
function interleave<T>(queues: T[][], rnd: () => number): T[] {
  const out: T[] = [];
  const rest = queues.filter((q) => q.length > 0).map((q) => [...q]);
  while (rest.length > 0) {
    const i = Math.floor(rnd() * rest.length);
    out.push(rest[i].shift()!);
    if (rest[i].length === 0) rest.splice(i, 1);
  }
  return out;
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) >>> 0;
  return h;
}
