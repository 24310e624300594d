import { createBatch, type Batch } from '../../pipeline/batch.ts';
import type { ComponentContext, Consumer, Processor } from '../../pipeline/component.ts';
import type { ProcessorFactory } from '../../pipeline/factory.ts';
import type { AccessRecord, RequestDoc, SpanRecord } from '../../pipeline/records.ts';
import { joinConfig, type JoinConfig } from './config.ts';
import { JoinEngine, type JoinCounters } from './engine.ts';

/**
 * The join in a live pipeline. Hops and spans go into the engine; RequestDocs come out when due.
 * Event time drives it; when the mesh goes quiet, a timer moves the watermark on by the wall
 * clock elapsed since the newest event, so the last requests still get out.
 *
 * Acknowledgement: an input batch is acknowledged once its parts are buffered. A crash loses
 * what is buffered (at most `maxAgeMs` of requests); the documents already emitted are unaffected.
 */
export class JoinProcessor implements Processor<unknown, unknown> {
  readonly name: string;
  readonly engine: JoinEngine;
  readonly #ctx: ComponentContext;
  readonly #config: JoinConfig;
  #next: Consumer | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastMaxEvent = -Infinity;
  #wallAtMaxEvent = 0;
  #reported: JoinCounters = { complete: 0, partial: 0, late: 0, duplicates: 0, unkeyed: 0 };
  #chain: Promise<void> = Promise.resolve();

  constructor(config: JoinConfig, ctx: ComponentContext) {
    this.name = ctx.name;
    this.#ctx = ctx;
    this.#config = config;
    this.engine = new JoinEngine({ ...config });
  }

  connect(next: Consumer): void {
    this.#next = next;
  }

  async start(): Promise<void> {
    this.#timer = setInterval(() => void this.#serialize(() => this.#tick()), this.#config.tickMs);
    this.#timer.unref();
  }

  /** Engine calls are serialised: batches and timer ticks never interleave. */
  #serialize(fn: () => Promise<void>): Promise<void> {
    this.#chain = this.#chain.then(fn, fn);
    return this.#chain;
  }

  async consume(batch: Batch<unknown>): Promise<void> {
    return this.#serialize(async () => {
      const docs: RequestDoc[] = [];
      const parts: unknown[] = [];
      for (const r of batch.records as Array<AccessRecord | SpanRecord>) {
        const ds = r['event.dataset'];
        if (ds === 'mesh.span' && !r['http.request.id']) {
          // A span without a request id can never be joined: pass it on now, unchanged.
          parts.push(r);
        } else if (ds === 'envoy.access' || ds === 'mesh.span') {
          this.engine.add(r, docs);
          if (this.#config.emitParts) parts.push(r);
        } else {
          parts.push(r);
        }
      }
      if (this.engine.maxEventTime > this.#lastMaxEvent) {
        this.#lastMaxEvent = this.engine.maxEventTime;
        this.#wallAtMaxEvent = Date.now();
      }
      this.engine.advance(undefined, docs);
      batch.ack.settle({ status: 'delivered' });
      await this.#send(parts, docs);
    });
  }

  async #tick(): Promise<void> {
    if (this.#lastMaxEvent === -Infinity) return;
    const estimate = this.#lastMaxEvent - this.#config.allowedSkewMs + (Date.now() - this.#wallAtMaxEvent);
    await this.#send([], this.engine.advance(estimate));
  }

  async #send(parts: unknown[], docs: RequestDoc[]): Promise<void> {
    this.#report();
    const out = parts.length ? [...parts, ...docs] : docs;
    if (out.length > 0) await this.#next!.consume(createBatch(out));
  }

  #report(): void {
    const c = this.engine.counters;
    const m = this.#ctx.metrics;
    for (const state of ['complete', 'partial', 'late'] as const) {
      const d = c[state] - this.#reported[state];
      if (d > 0) m.joinEmitted.inc({ component: this.name, state }, d);
    }
    if (c.duplicates > this.#reported.duplicates)
      m.dropped.inc({ component: this.name, reason: 'duplicate' }, c.duplicates - this.#reported.duplicates);
    if (c.unkeyed > this.#reported.unkeyed)
      m.dropped.inc({ component: this.name, reason: 'no_request_id' }, c.unkeyed - this.#reported.unkeyed);
    this.#reported = { ...c };
    m.joinPending.set({ component: this.name }, this.engine.pending);
  }

  /**
   * Emits everything still buffered, then stops the timer. Idempotent. The runtime stops the
   * receivers and drains the channels first, so every accepted part has been seen: like the end
   * of a file, the buffered requests are `complete` (the join's memory bound is what makes
   * `partial`).
   */
  async shutdown(): Promise<void> {
    clearInterval(this.#timer);
    await this.#serialize(async () => {
      if (this.engine.pending > 0) await this.#send([], this.engine.flush('complete'));
    });
  }
}

export const joinFactory: ProcessorFactory<JoinConfig> = {
  kind: 'processor',
  type: 'join',
  config: joinConfig,
  create: (config, ctx) => new JoinProcessor(config, ctx),
};
