import { describe, expect, it } from 'vitest';
import { createBatch, type Batch } from './batch.ts';
import { BoundedChannel } from './channel.ts';
import { MemoryDeadLetterSink } from './deadletter.ts';
import { permanent, throttled } from './errors.ts';

/** A consumer that holds every batch until released: a stand-in for a stuck exporter. */
function gate() {
  const seen: number[] = [];
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return {
    seen,
    open,
    consumer: {
      async consume(b: Batch<number>) {
        await opened;
        seen.push(...b.records);
        b.ack.settle({ status: 'delivered' });
      },
    },
  };
}

describe('BoundedChannel', () => {
  it('pushes back when full and lets nothing through out of order', async () => {
    const g = gate();
    const ch = new BoundedChannel<number>({ name: 't', capacity: 2, target: g.consumer });
    await ch.consume(createBatch([1])); // taken by the drain loop, stuck in the gate
    await new Promise((r) => setImmediate(r));
    expect(await ch.offer(createBatch([2]), 10)).toBe(true);
    expect(await ch.offer(createBatch([3]), 10)).toBe(true);
    expect(await ch.offer(createBatch([4]), 20)).toBe(false); // full: the sender must retry
    expect(ch.depth).toBe(2);
    g.open();
    await ch.close();
    expect(g.seen).toEqual([1, 2, 3]);
  });

  it('makes consume wait for room instead of growing', async () => {
    const g = gate();
    const ch = new BoundedChannel<number>({ name: 't', capacity: 1, target: g.consumer });
    await ch.consume(createBatch([1]));
    await new Promise((r) => setImmediate(r));
    await ch.consume(createBatch([2]));
    let third = false;
    const p = ch.consume(createBatch([3])).then(() => (third = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(third).toBe(false);
    g.open();
    await p;
    await ch.close();
    expect(g.seen).toEqual([1, 2, 3]);
  });

  it('settles a batch as retryable when its consumer throws, and keeps draining', async () => {
    let calls = 0;
    const ch = new BoundedChannel<number>({
      name: 't',
      capacity: 4,
      target: {
        async consume(b) {
          calls++;
          if (b.records[0] === 1) throw new Error('boom');
          b.ack.settle({ status: 'delivered' });
        },
      },
    });
    const a = createBatch([1]);
    const b = createBatch([2]);
    await ch.consume(a);
    await ch.consume(b);
    await ch.close();
    expect(await a.ack.settled).toEqual({ status: 'retryable', reason: 'boom' });
    expect(await b.ack.settled).toEqual({ status: 'delivered' });
    expect(calls).toBe(2);
  });

  it('keeps the kind of an error: permanent rejects with its code, throttled is retryable with its delay', async () => {
    const ch = new BoundedChannel<number>({
      name: 't',
      capacity: 4,
      target: {
        async consume(b) {
          if (b.records[0] === 1) throw permanent('MESHLOG_MAPPING_REJECTED', { target: 'es', detail: 'bad field' });
          throw throttled('MESHLOG_QUEUE_FULL', 2500, { queue: 'es' });
        },
      },
    });
    const a = createBatch([1]);
    const b = createBatch([2]);
    await ch.consume(a);
    await ch.consume(b);
    await ch.close();
    expect(await a.ack.settled).toEqual({
      status: 'rejected',
      reason: 'document rejected by es: bad field',
      code: 'MESHLOG_MAPPING_REJECTED',
    });
    expect(await b.ack.settled).toEqual({
      status: 'retryable',
      reason: 'queue es is full',
      code: 'MESHLOG_QUEUE_FULL',
      retryAfterMs: 2500,
    });
  });

  it('dead-letters the records of a batch rejected permanently, with the reason', async () => {
    const deadLetters = new MemoryDeadLetterSink();
    const ch = new BoundedChannel<unknown>({
      name: 'exporter/es',
      capacity: 4,
      deadLetters,
      target: {
        async consume() {
          throw permanent('MESHLOG_MAPPING_REJECTED', { target: 'es', detail: 'bad field' });
        },
      },
    });
    const b = createBatch<unknown>([{ 'http.request.id': 'r1' }, { data: Buffer.from('raw line') }]);
    await ch.consume(b);
    await ch.close();
    expect((await b.ack.settled).status).toBe('rejected');
    expect(deadLetters.entries).toMatchObject([
      { component: 'exporter/es', code: 'MESHLOG_MAPPING_REJECTED', payload: '{"http.request.id":"r1"}' },
      { component: 'exporter/es', reason: 'document rejected by es: bad field', payload: 'raw line' },
    ]);
  });

  it('refuses a capacity that is not a positive integer, naming it', () => {
    expect(() => new BoundedChannel({ name: 'x', capacity: 0, target: { consume: async () => {} } })).toThrow(
      'channel x: capacity must be a positive integer, got 0',
    );
  });
});
