import { describe, expect, it } from 'vitest';
import { Ack } from '../batch.ts';
import { testContext } from '../testing/context.ts';
import type { Classified } from './classified.ts';
import { SendQueue, type SendQueueOptions } from './send-queue.ts';

const OPTIONS: SendQueueOptions = {
  maxItems: 100,
  maxBatchItems: 8,
  maxBatchBytes: 1e9,
  flushMs: 5,
  concurrency: 1,
  retry: { initialMs: 1, maxMs: 2, deadlineMs: 60_000 },
};

/** A backend that answers with `answer(items)` and records every request it got. */
function backend(answer: (items: number[]) => Classified, options: Partial<SendQueueOptions> = {}) {
  const requests: number[][] = [];
  const dead: Array<[number, string]> = [];
  const q = new SendQueue<number>(
    testContext('exporter'),
    {
      size: () => 1,
      send: async (items) => {
        requests.push(items);
        return answer(items);
      },
      deadLetter: (item, reason) => {
        dead.push([item, reason]);
        return [];
      },
    },
    { ...OPTIONS, ...options },
  );
  return { q, requests, dead };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('SendQueue (the exporter helper)', () => {
  it('cuts requests at maxBatchItems and settles the batch once every item is delivered', async () => {
    const { q, requests } = backend(() => ({ kind: 'done' }));
    const ack = new Ack();
    await q.add(range(20), ack);
    expect(await ack.settled).toEqual({ status: 'delivered' });
    expect(requests.map((r) => r.length)).toEqual([8, 8, 4]);
    expect(q.buffered).toBe(0);
  });

  it('splits a request answered 413 down to items that fit, and dead-letters a single item that never does', async () => {
    // Requests of more than 2 items are too large; item 5 is too large even alone.
    const { q, requests, dead } = backend((items) =>
      items.length > 2 || items.includes(5) ? { kind: 'split', reason: '413 too large' } : { kind: 'done' },
    );
    const ack = new Ack();
    await q.add(range(8), ack);
    expect(await ack.settled).toEqual({ status: 'delivered' });
    expect(requests[0]).toEqual(range(8));
    const delivered = requests.filter((r) => r.length <= 2 && !r.includes(5)).flat();
    expect(delivered.sort()).toEqual([0, 1, 2, 3, 4, 6, 7]);
    expect(dead).toEqual([[5, '413 too large']]);
  });

  it('retries only the items a partial answer says to retry, and dead-letters the permanent ones', async () => {
    let first = true;
    const { q, requests, dead } = backend((items) => {
      if (!first) return { kind: 'done' };
      first = false;
      return {
        kind: 'partial',
        items: items.map((i) =>
          i === 1
            ? { kind: 'retry', reason: '429', status: 429 }
            : i === 2
              ? { kind: 'permanent', reason: '400 mapping' }
              : { kind: 'done' },
        ),
      };
    });
    const ack = new Ack();
    await q.add([0, 1, 2, 3], ack);
    expect(await ack.settled).toEqual({ status: 'delivered' });
    expect(requests).toEqual([[0, 1, 2, 3], [1]]);
    expect(dead).toEqual([[2, '400 mapping']]);
  });

  it('gives a failing backend up to the deadline, then dead-letters with the reason', async () => {
    const { q, dead } = backend(() => ({ kind: 'retry', reason: 'connection refused' }), {
      retry: { initialMs: 1, maxMs: 2, deadlineMs: 30 },
    });
    const ack = new Ack();
    await q.add([7], ack);
    expect(await ack.settled).toEqual({ status: 'delivered' });
    expect(dead).toHaveLength(1);
    expect(dead[0][1]).toMatch(/^gave up after 30 ms: connection refused$/);
  });

  it('makes add wait while maxItems are unacknowledged (backpressure)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const q = new SendQueue<number>(
      testContext('exporter'),
      { size: () => 1, send: async () => (await gate, { kind: 'done' }), deadLetter: () => [] },
      { ...OPTIONS, maxItems: 4 },
    );
    await q.add(range(4), new Ack());
    let added = false;
    const second = q.add([9], new Ack()).then(() => (added = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(added).toBe(false);
    release();
    await second;
    expect(added).toBe(true);
    await q.drain();
  });
});
