import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Ack, createBatch, type Batch, type Outcome } from '../../pipeline/batch.ts';
import { Origin } from '../../pipeline/origin.ts';
import type { AccessRecord, RequestDoc } from '../../pipeline/records.ts';
import { CaptureIntake } from '../../pipeline/testing/capture.ts';
import { testContext } from '../../pipeline/testing/context.ts';
import { joinConfig } from './config.ts';
import { JoinProcessor } from './processor.ts';
import { bookinfoHops } from './testdata/bookinfo-hops.ts';

const HOPS = bookinfoHops();
/** The 8 bookinfo hops as request `id`, `from`..`to` of them. */
const hops = (id: string, from = 0, to = HOPS.length): AccessRecord[] =>
  HOPS.slice(from, to).map((h) => ({ ...h, 'http.request.id': id }));
const from = (origin: Origin, records: unknown[]): Batch<unknown> => createBatch(records, new Ack(origin));

/** A join whose log lines and outputs the test reads; `idleMs` keeps every request held until shutdown. */
function join(ackOn: 'buffered' | 'delivered') {
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  const ctx = { ...testContext('join'), logger };
  const processor = new JoinProcessor(joinConfig.parse({ ackOn, idleMs: 60_000 }), ctx);
  const out = new CaptureIntake<RequestDoc>();
  processor.connect(out);
  const dropped = async () =>
    (await ctx.metrics.dropped.get()).values.find((v) => v.labels.reason === 'origin_lost')?.value ?? 0;
  return { ctx, processor, out, logs, dropped };
}

const emitted = (out: CaptureIntake<RequestDoc>) =>
  out.records.map((d) => [d['http.request.id'], d['mesh.hops'].length, d['meshlog.join.state']]);

/** Whether the ack settled by now, and how. */
async function outcomeOf(ack: Ack): Promise<Outcome | 'unsettled'> {
  await new Promise((r) => setImmediate(r));
  return ack.outcome ?? 'unsettled';
}

describe('join: a source loses an origin (a Kafka partition moved to another processor)', () => {
  it('emits nothing of a request read from the lost origin; a request from another origin still goes out whole', async () => {
    const { ctx, processor, out, logs, dropped } = join('buffered');
    const [p1, p2] = [new Origin('kafka:t/1'), new Origin('kafka:t/2')];
    const lostBatch = from(p1, hops('a'));
    await processor.consume(lostBatch);
    await processor.consume(from(p2, hops('b')));
    // ackOn: buffered settled it at once; dropping must still remove what the join holds.
    expect(await outcomeOf(lostBatch.ack)).toEqual({ status: 'delivered' });
    ctx.origins.lost([p1]);
    await processor.shutdown();
    expect(emitted(out)).toEqual([['b', 8, 'complete']]);
    expect(processor.engine.pending).toBe(0);
    expect(await dropped()).toBe(8);
    const notices = logs.filter((l) => l.origins);
    expect(notices.map((l) => [l.origins, l.requests, l.parts])).toEqual([[['kafka:t/1'], 1, 8]]);
  });

  it('drops a request with parts from two origins when either is lost', async () => {
    const { ctx, processor, out } = join('buffered');
    const [p1, p2] = [new Origin('kafka:t/1'), new Origin('kafka:t/2')];
    // Spans and logs of one request can sit in two partitions (keyed by trace id vs request id).
    await processor.consume(from(p1, hops('mixed', 0, 4)));
    await processor.consume(from(p2, [...hops('mixed', 4), ...hops('b')]));
    ctx.origins.lost([p2]);
    await processor.shutdown();
    expect(emitted(out)).toEqual([]);
    const again = join('buffered');
    await again.processor.consume(from(p1, hops('mixed', 0, 4)));
    await again.processor.consume(from(p2, hops('mixed', 4)));
    again.ctx.origins.lost([p1]);
    await again.processor.shutdown();
    expect(emitted(again.out)).toEqual([]);
  });

  it('drops a batch of the lost origin that arrives after the loss (it was queued before the rebalance)', async () => {
    const { ctx, processor, out, dropped } = join('delivered');
    const p1 = new Origin('kafka:t/1');
    ctx.origins.lost([p1]);
    const late = from(p1, hops('a'));
    await processor.consume(late);
    expect(await outcomeOf(late.ack)).toMatchObject({ status: 'retryable' });
    // The partition came back to this processor: its new origin is read as usual.
    const back = from(new Origin('kafka:t/1'), hops('a'));
    await processor.consume(back);
    await processor.shutdown();
    expect(emitted(out)).toEqual([['a', 8, 'complete']]);
    expect(await outcomeOf(back.ack)).toEqual({ status: 'delivered' });
    expect(await dropped()).toBe(8);
  });

  it('with ackOn: delivered, settles the held acks of dropped requests retryable and still holds the others', async () => {
    const { ctx, processor, out } = join('delivered');
    const [p1, p2] = [new Origin('kafka:t/1'), new Origin('kafka:t/2')];
    const lostBatch = from(p1, hops('a', 0, 4));
    const mixedPart = from(p2, hops('a', 4));
    const kept = from(p2, hops('b'));
    for (const b of [lostBatch, mixedPart, kept]) await processor.consume(b);
    expect(await outcomeOf(lostBatch.ack)).toBe('unsettled');
    ctx.origins.lost([p1]);
    expect(await outcomeOf(lostBatch.ack)).toMatchObject({ status: 'retryable' });
    // Its other part came from a partition this processor keeps: read again from the last commit.
    expect(await outcomeOf(mixedPart.ack)).toMatchObject({ status: 'retryable' });
    expect(await outcomeOf(kept.ack)).toBe('unsettled');
    await processor.shutdown();
    expect(emitted(out)).toEqual([['b', 8, 'complete']]);
    expect(await outcomeOf(kept.ack)).toEqual({ status: 'delivered' });
  });
});
