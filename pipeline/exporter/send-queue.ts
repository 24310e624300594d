import type { Ack } from '../batch.ts';
import { backoffMs } from '../backoff.ts';
import type { ComponentContext } from '../component.ts';
import type { Classified } from './classified.ts';

/** What an exporter writes on top of the helper: how big an item is, how to send some, what to do with a lost one. */
export interface ExportDriver<I> {
  /** Bytes an item adds to a request, for cutting requests at `maxBytes`. */
  size(item: I): number;
  /** Sends one request and classifies the answer (a pure classifier over the transport's response). */
  send(items: I[]): Promise<Classified>;
  /**
   * An item that will never be delivered, with the reason. Returns items to deliver in its place
   * (an Elasticsearch dead-letter document) or nothing when the driver has kept it elsewhere (the
   * dead-letter file). Either way the item's batch still settles.
   */
  deadLetter(item: I, reason: string): I[];
}

export interface SendQueueOptions {
  /** Items buffered and unacknowledged before `add` waits: the backpressure bound. */
  maxItems: number;
  /** Most items in one request. */
  maxBatchItems: number;
  /** Most bytes in one request (a single larger item still goes alone). */
  maxBatchBytes: number;
  /** Longest an item waits for its request to fill. */
  flushMs: number;
  /** Requests in flight at once. */
  concurrency: number;
  retry: {
    initialMs: number;
    maxMs: number;
    /**
     * How long an item keeps being retried after its first failure before it is dead-lettered;
     * `Infinity` retries until it goes through (backpressure then holds the rest back).
     */
    deadlineMs: number;
  };
  /**
   * What a batch with dead-lettered items settles as. `delivered` (the default): the items are
   * where they belong, so the sender is acknowledged and does not send them again (a Fluent chunk
   * Elasticsearch refuses for good). `rejected`: the batch is rejected with MESHLOG_EXPORT_FAILED
   * and `rejectedReason(dead, total)`, so the sender is told (the Kafka exporter in agent mode).
   */
  deadLettered?: 'delivered' | 'rejected';
  /** The reason of a batch rejected for its dead letters. Default: "<dead> of <total> items in dead letters". */
  rejectedReason?: (dead: number, total: number) => string;
}

/** The items of one consumed batch: its ack settles once every one is delivered or dead-lettered. */
interface Tracker {
  remaining: number;
  /** Items the batch brought (stand-ins not counted) and how many of them were dead-lettered. */
  total: number;
  dead: number;
  ack: Ack;
}

interface Entry<I> {
  item: I;
  tracker: Tracker;
  attempts: number;
  firstFailure: number | null;
  notBefore: number;
  /** Most items a request carrying this one may have, once a 413 split it off. */
  limit: number;
  /** A driver's replacement for a dead-lettered item (it is not counted dead a second time). */
  standIn: boolean;
}

/**
 * The exporter helper every exporter shares: bounded queue → batcher (count, bytes, flushMs) →
 * send with retry driven by the driver's classifier → the batch's ack. A `retry` answer retries
 * the whole request with backoff (honouring Retry-After) until each item's deadline; `partial`
 * retries only the failed items; `split` (413) halves the request, down to single items;
 * `permanent` dead-letters the items with the reason. Items past their deadline are dead-lettered
 * too, so a dead backend ends in dead letters, never in an unbounded queue (with an infinite
 * deadline it ends in backpressure instead). Shutdown is `drain(deadlineMs)`, then `abandon(reason)`
 * for what is still pending.
 */
export class SendQueue<I> {
  readonly #ctx: ComponentContext;
  readonly #driver: ExportDriver<I>;
  readonly #o: SendQueueOptions;
  #queue: Entry<I>[] = [];
  #buffered = 0;
  #inflight = 0;
  #spaceWaiters: Array<() => void> = [];
  #idleWaiters: Array<() => void> = [];
  #timer: NodeJS.Timeout | undefined;
  #timerAt = 0;
  /** Batches not settled yet, for `abandon`. */
  readonly #pending = new Set<Tracker>();
  /** Set by `abandon`: the reason every later batch is given back with. */
  #abandoned: string | undefined;

  constructor(ctx: ComponentContext, driver: ExportDriver<I>, options: SendQueueOptions) {
    for (const k of ['maxItems', 'maxBatchItems', 'maxBatchBytes', 'flushMs', 'concurrency'] as const)
      if (!(options[k] > 0)) throw new RangeError(`${ctx.name}: ${k} must be positive, got ${options[k]}`);
    this.#ctx = ctx;
    this.#driver = driver;
    this.#o = options;
  }

  /** Items accepted and not yet delivered or dead-lettered. */
  get buffered(): number {
    return this.#buffered;
  }

  /**
   * Queues `items` (waiting while the buffer is full); `ack` settles when all are delivered or
   * dead-lettered (see `deadLettered`). After `abandon` it settles `retryable` at once.
   */
  async add(items: I[], ack: Ack): Promise<void> {
    if (items.length === 0) {
      ack.settle({ status: 'delivered' });
      return;
    }
    while (this.#buffered + items.length > this.#o.maxItems && this.#buffered > 0 && this.#abandoned === undefined) {
      await new Promise<void>((r) => this.#spaceWaiters.push(r));
    }
    if (this.#abandoned !== undefined) {
      ack.settle({ status: 'retryable', reason: this.#abandoned });
      return;
    }
    const tracker: Tracker = { remaining: items.length, total: items.length, dead: 0, ack };
    this.#pending.add(tracker);
    this.#enqueue(items, tracker, false);
  }

  #enqueue(items: I[], tracker: Tracker, standIn: boolean): void {
    for (const item of items)
      this.#queue.push({ item, tracker, attempts: 0, firstFailure: null, notBefore: 0, limit: Infinity, standIn });
    this.#buffered += items.length;
    this.#ctx.metrics.queueDepth.set({ channel: `${this.#ctx.name}/buffer` }, this.#buffered);
    if (this.#queue.length >= this.#o.maxBatchItems) this.#pump();
    else this.#schedule(this.#o.flushMs);
  }

  /** Pumps in `ms`, or sooner when already due sooner: a fresh item never waits out another's retry backoff. */
  #schedule(ms: number): void {
    const at = Date.now() + ms;
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#pump();
    }, ms);
  }

  #pump(): void {
    if (this.#abandoned !== undefined) return;
    while (this.#inflight < this.#o.concurrency) {
      const chunk = this.#take();
      if (chunk.length === 0) break;
      this.#inflight++;
      void this.#send(chunk).finally(() => {
        this.#inflight--;
        this.#pump();
        if (this.#inflight === 0 && this.#queue.length === 0) for (const w of this.#idleWaiters.splice(0)) w();
      });
    }
    const now = Date.now();
    const next = this.#queue.reduce((t, e) => Math.min(t, e.notBefore), Infinity);
    if (Number.isFinite(next)) this.#schedule(Math.max(10, next - now));
  }

  /** Cuts the next request: ready items, up to maxBatchItems and maxBatchBytes. */
  #take(): Entry<I>[] {
    const now = Date.now();
    const chunk: Entry<I>[] = [];
    const waiting: Entry<I>[] = [];
    let bytes = 0;
    let cap = this.#o.maxBatchItems;
    let i = 0;
    // Walks only as far as one request reaches: the cost is the request's size, not the queue's.
    for (; i < this.#queue.length; i++) {
      const e = this.#queue[i];
      if (e.notBefore > now) {
        waiting.push(e);
        continue;
      }
      const size = this.#driver.size(e.item);
      if (chunk.length >= Math.min(cap, e.limit) || (chunk.length > 0 && bytes + size > this.#o.maxBatchBytes)) break;
      chunk.push(e);
      bytes += size;
      cap = Math.min(cap, e.limit);
    }
    this.#queue =
      waiting.length === 0 && i === chunk.length ? this.#queue.slice(i) : [...waiting, ...this.#queue.slice(i)];
    return chunk;
  }

  async #send(chunk: Entry<I>[]): Promise<void> {
    const started = performance.now();
    let answer: Classified;
    try {
      answer = await this.#driver.send(chunk.map((e) => e.item));
    } catch (err) {
      answer = { kind: 'retry', reason: (err as Error).message };
    }
    this.#ctx.metrics.exportLatency.observe({ component: this.#ctx.name }, (performance.now() - started) / 1000);
    // Abandoned meanwhile: the batches were given back, so what became of this send no longer counts.
    if (this.#abandoned !== undefined) return;
    switch (answer.kind) {
      case 'done':
        return chunk.forEach((e) => this.#done(e));
      case 'permanent':
        return chunk.forEach((e) => this.#dead(e, answer.reason));
      case 'split':
        if (chunk.length === 1) return this.#dead(chunk[0], answer.reason);
        this.#ctx.metrics.retried.inc({ component: this.#ctx.name, reason: 'split' }, chunk.length);
        for (const e of chunk) e.limit = Math.max(1, Math.floor(chunk.length / 2));
        this.#queue.unshift(...chunk); // the next cuts take at most half as many
        return;
      case 'retry':
        if (chunk.length > 0 && chunk[0].attempts % 10 === 0)
          this.#ctx.logger.warn({ reason: answer.reason, items: chunk.length }, 'export failed; retrying');
        return chunk.forEach((e) => this.#retry(e, answer.reason, 'request', answer.afterMs));
      case 'partial': {
        const verdicts = answer.items;
        chunk.forEach((e, i) => {
          const v = verdicts[i] ?? { kind: 'done' };
          if (v.kind === 'done') this.#done(e);
          else if (v.kind === 'retry') this.#retry(e, v.reason, String(v.status ?? 'item'));
          else this.#dead(e, v.reason);
        });
        return;
      }
    }
  }

  /** `label` names the retry on `meshlog_retried_total{reason}`: `request` for a whole request, else the item's status. */
  #retry(e: Entry<I>, reason: string, label: string, afterMs?: number): void {
    const now = Date.now();
    e.firstFailure ??= now;
    if (now - e.firstFailure >= this.#o.retry.deadlineMs)
      return this.#dead(e, `gave up after ${this.#o.retry.deadlineMs} ms: ${reason}`);
    e.attempts++;
    e.notBefore = now + (afterMs ?? backoffMs(e.attempts - 1, this.#o.retry.initialMs, this.#o.retry.maxMs));
    this.#queue.push(e);
    this.#ctx.metrics.retried.inc({ component: this.#ctx.name, reason: label });
  }

  #done(e: Entry<I>): void {
    this.#ctx.metrics.exported.inc({ component: this.#ctx.name });
    this.#release(e);
  }

  #release(e: Entry<I>): void {
    this.#buffered--;
    this.#ctx.metrics.queueDepth.set({ channel: `${this.#ctx.name}/buffer` }, this.#buffered);
    if (--e.tracker.remaining === 0) this.#settle(e.tracker);
    this.#spaceWaiters.shift()?.();
  }

  #settle(t: Tracker): void {
    this.#pending.delete(t);
    if (t.dead > 0 && this.#o.deadLettered === 'rejected') {
      const reason = this.#o.rejectedReason?.(t.dead, t.total) ?? `${t.dead} of ${t.total} items in dead letters`;
      t.ack.settle({ status: 'rejected', code: 'MESHLOG_EXPORT_FAILED', reason });
    } else t.ack.settle({ status: 'delivered' });
  }

  /** An item that will never go through: the driver keeps it (or sends replacements in its place). */
  #dead(e: Entry<I>, reason: string): void {
    if (!e.standIn) e.tracker.dead++;
    const instead = this.#driver.deadLetter(e.item, reason);
    if (instead.length === 0) return this.#release(e);
    // The replacements take the original's place in its batch: the batch settles once they are written.
    e.tracker.remaining += instead.length - 1;
    this.#buffered--;
    this.#enqueue(instead, e.tracker, true);
  }

  /**
   * Sends what is queued now (not waiting for `flushMs`) and resolves once nothing is queued or in
   * flight: `true`, or `false` when `deadlineMs` passed first (items in retry still pending).
   * Without a deadline the runtime's drain deadline bounds it.
   */
  async drain(deadlineMs = Infinity): Promise<boolean> {
    const end = Date.now() + deadlineMs;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#queue.length > 0 || this.#inflight > 0) {
      const left = end - Date.now();
      if (left <= 0 || this.#abandoned !== undefined) return false;
      this.#pump();
      let idle!: () => void;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((r) => this.#idleWaiters.push((idle = r))),
        new Promise<void>((r) => (timer = setTimeout(r, Math.min(50, left)))),
      ]);
      clearTimeout(timer);
      this.#idleWaiters = this.#idleWaiters.filter((w) => w !== idle);
    }
    return true;
  }

  /**
   * Gives up on everything not delivered yet, for good: each pending batch settles `retryable`
   * with `reason` (its sender sends it again), the queue empties, waiting and later `add`s settle
   * `retryable` too. A send in flight is left to finish; its answer is ignored.
   */
  abandon(reason: string): void {
    this.#abandoned ??= reason;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const t of this.#pending) t.ack.settle({ status: 'retryable', reason: this.#abandoned });
    this.#pending.clear();
    this.#queue = [];
    this.#buffered = 0;
    this.#ctx.metrics.queueDepth.set({ channel: `${this.#ctx.name}/buffer` }, 0);
    for (const w of this.#spaceWaiters.splice(0)) w();
  }
}
