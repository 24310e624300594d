import { createBatch, type Batch } from '../../pipeline/batch.ts';
import type { ComponentContext, Consumer, Processor } from '../../pipeline/component.ts';
import type { ProcessorFactory } from '../../pipeline/factory.ts';
import type { AccessRecord, RequestDoc, SpanRecord } from '../../pipeline/records.ts';
import { joinConfig, type JoinConfig } from './config.ts';
import { JoinEngine, type JoinCounters } from './engine.ts';
import { AckHolds } from './holds.ts';
import { processMemoryLimiter } from '../../pipeline/memory/process.ts';
import type { Origin } from '../../pipeline/origin.ts';

/**
 * The join in a live pipeline. Hops and spans go into the engine; RequestDocs come out when due.
 * Event time drives it; when the mesh goes quiet, a timer moves the watermark on by the wall
 * clock elapsed since the newest event, so the last requests still get out.
 *
 * Acknowledgement (`ackOn`): with `buffered` (mode all), an input batch is acknowledged once its
 * parts are buffered, and a crash loses what is buffered (at most `maxAgeMs` of requests). With
 * `delivered` (processor mode, behind the Kafka source), it is acknowledged only when every
 * RequestDoc that contains one of its records has been delivered downstream, so the source's
 * commit point never passes a record the join still holds.
 *
 * Rebalances: when the source loses an origin (a Kafka partition moved to another processor), the
 * requests holding a part from it are dropped, not emitted, and their held acks settle
 * `retryable`: the new owner reads those parts again from the last commit and emits the whole
 * request, where this one would emit a less complete copy. Batches of a lost origin that arrive
 * afterwards (queued before the rebalance) are dropped the same way.
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
  /** With `ackOn: delivered`: input acks waiting for the documents that contain their records. */
  readonly #holds: AckHolds | undefined;

  constructor(config: JoinConfig, ctx: ComponentContext) {
    this.name = ctx.name;
    this.#ctx = ctx;
    this.#config = config;
    this.engine = new JoinEngine({ ...config });
    if (config.ackOn === 'delivered') this.#holds = new AckHolds();
    ctx.origins.onLost((lost) => void this.#serialize(async () => this.#dropLost(lost)));
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
      const origin = batch.ack.origin;
      if (origin?.lost) return this.#dropStale(batch, origin);
      const docs: RequestDoc[] = [];
      const parts: unknown[] = [];
      // Which requests the batch's records belong to, only needed to hold its ack (ackOn: delivered).
      const ids = this.#holds ? new Set<string>() : undefined;
      for (const r of batch.records as Array<AccessRecord | SpanRecord>) {
        const ds = r['event.dataset'];
        if (ds === 'mesh.span' && !r['http.request.id']) {
          // A span without a request id can never be joined: pass it on now, unchanged.
          parts.push(r);
        } else if (ds === 'envoy.access' || ds === 'mesh.span') {
          this.engine.add(r, docs, origin);
          if (ids && r['http.request.id']) ids.add(r['http.request.id']);
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
      this.#shedUnderPressure(docs);
      const out = this.#outBatch(parts, docs);
      if (this.#holds && ids) {
        const held = [...ids].filter((id) => this.engine.has(id));
        const emittedNow = parts.length > 0 || docs.some((d) => ids.has(d['http.request.id']));
        this.#holds.hold(batch.ack, held, emittedNow, out?.ack);
      } else {
        batch.ack.settle({ status: 'delivered' });
      }
      await this.#push(out);
    });
  }

  /** Drops what is held from the origins just lost; logged once per loss, with how much went. */
  #dropLost(lost: readonly Origin[]): void {
    const { ids, parts } = this.engine.dropLost();
    this.#holds?.drop(ids, { status: 'retryable', reason: 'its source partition moved to another processor' });
    if (parts > 0) this.#ctx.metrics.dropped.inc({ component: this.name, reason: 'origin_lost' }, parts);
    this.#report();
    this.#ctx.logger.info(
      { origins: lost.map((o) => o.name), requests: ids.length, parts },
      'origins lost: dropped the requests held from them (their new owner reads them again)',
    );
  }

  /** A batch read before its origin was lost: the new owner reads it again, so nothing of it goes on. */
  #dropStale(batch: Batch<unknown>, origin: Origin): void {
    const n = batch.records.length;
    if (n > 0) this.#ctx.metrics.dropped.inc({ component: this.name, reason: 'origin_lost' }, n);
    batch.ack.settle({ status: 'retryable', reason: `${origin.name} moved to another processor` });
  }

  async #tick(): Promise<void> {
    if (this.#lastMaxEvent === -Infinity) return;
    const estimate = this.#lastMaxEvent - this.#config.allowedSkewMs + (Date.now() - this.#wallAtMaxEvent);
    await this.#push(this.#outBatch([], this.#shedUnderPressure(this.engine.advance(estimate))));
  }

  /**
   * Past the process's hard memory limit (`service.memoryLimitMiB`), the oldest tenth of the held
   * requests goes out early as `partial`, as the `maxPending` bound does: memory is freed, nothing lost.
   */
  #shedUnderPressure(docs: RequestDoc[]): RequestDoc[] {
    if (this.engine.pending > 0 && processMemoryLimiter().pastHardLimit())
      this.engine.shed(Math.ceil(this.engine.pending / 10), docs);
    return docs;
  }

  /** The batch of what goes downstream; the holds of the emitted requests follow its ack. */
  #outBatch(parts: unknown[], docs: RequestDoc[]): Batch<unknown> | undefined {
    this.#report();
    if (parts.length === 0 && docs.length === 0) return undefined;
    const out = createBatch<unknown>(parts.length ? [...parts, ...docs] : docs);
    this.#holds?.emitted(
      docs.map((d) => d['http.request.id']),
      out.ack,
    );
    return out;
  }

  async #push(out: Batch<unknown> | undefined): Promise<void> {
    if (out) await this.#next!.consume(out);
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
   * `partial`). What came from a Kafka receiver is no longer here: stopping, it announced its
   * origins lost, and their next owner reads those parts again.
   */
  async shutdown(): Promise<void> {
    clearInterval(this.#timer);
    await this.#serialize(async () => {
      if (this.engine.pending > 0) await this.#push(this.#outBatch([], this.engine.flush('complete')));
    });
  }
}

export const joinFactory: ProcessorFactory<JoinConfig> = {
  kind: 'processor',
  type: 'join',
  config: joinConfig,
  create: (config, ctx) => new JoinProcessor(config, ctx),
};
