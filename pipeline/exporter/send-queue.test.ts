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

/** A backend that answers nothing until `release` is called, behind a queue of `maxItems`. */
function gated(maxItems: number) {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const q = new SendQueue<number>(
    testContext('exporter'),
    { size: () => 1, send: async () => (await gate, { kind: 'done' }), deadLetter: () => [] },
    { ...OPTIONS, maxItems },
  );
  return { q, release };
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

  it('with an infinite deadline retries until the backend takes the items, dead-lettering nothing', async () => {
    let failures = 20;
    const { q, requests, dead } = backend(
      () => (failures-- > 0 ? { kind: 'retry', reason: 'broker down' } : { kind: 'done' }),
      {
        retry: { initialMs: 1, maxMs: 2, deadlineMs: Infinity },
      },
    );
    const ack = new Ack();
    await q.add([7], ack);
    expect(await ack.settled).toEqual({ status: 'delivered' });
    expect(requests).toHaveLength(21);
    expect(dead).toEqual([]);
  });

  it("settles a batch with dead-lettered items rejected when deadLettered is 'rejected', saying how many", async () => {
    const { q, dead } = backend(
      (items) => (items.includes(2) ? { kind: 'permanent', reason: 'too large' } : { kind: 'done' }),
      { maxBatchItems: 1, deadLettered: 'rejected', rejectedReason: (n, of) => `${n} of ${of} refused` },
    );
    const mixed = new Ack();
    const clean = new Ack();
    await q.add([1, 2, 3], mixed);
    await q.add([4], clean);
    expect(await mixed.settled).toEqual({
      status: 'rejected',
      code: 'MESHLOG_EXPORT_FAILED',
      reason: '1 of 3 refused',
    });
    expect(await clean.settled).toEqual({ status: 'delivered' });
    expect(dead).toEqual([[2, 'too large']]);
  });

  it('sends a fresh item at once while another waits out its retry backoff', async () => {
    let first = true;
    const { q, requests } = backend(() => {
      if (!first) return { kind: 'done' };
      first = false;
      return { kind: 'retry', reason: '503', afterMs: 1000 };
    });
    const retried = new Ack();
    await q.add([1], retried);
    for (let i = 0; i < 100 && requests.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    const fresh = new Ack();
    await q.add([2], fresh);
    expect(await fresh.settled).toEqual({ status: 'delivered' });
    expect(requests).toEqual([[1], [2]]);
    expect(await retried.settled).toEqual({ status: 'delivered' });
    expect(requests).toEqual([[1], [2], [1]]);
  });

  it('drain(deadlineMs) gives up on a backend that does not answer; abandon gives every pending batch back', async () => {
    const { q, release } = gated(2);
    const sending = new Ack();
    const waiting = new Ack();
    await q.add([1, 2], sending);
    const blocked = q.add([3], waiting);
    expect(await q.drain(30)).toBe(false);
    q.abandon('shut down before the backend took the batch');
    await blocked;
    const back = { status: 'retryable', reason: 'shut down before the backend took the batch' };
    expect(await sending.settled).toEqual(back);
    expect(await waiting.settled).toEqual(back);
    const late = new Ack();
    await q.add([4], late);
    expect(await late.settled).toEqual(back);
    expect(q.buffered).toBe(0);
    release();
  });

  it('drain resolves true once everything queued is delivered', async () => {
    const { q } = backend(() => ({ kind: 'done' }), { flushMs: 60_000 });
    const ack = new Ack();
    await q.add([1, 2], ack);
    expect(await q.drain(5000)).toBe(true);
    expect(ack.outcome).toEqual({ status: 'delivered' });
  });

  it('makes add wait while maxItems are unacknowledged (backpressure)', async () => {
    const { q, release } = gated(4);
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
