import type { FastifyInstance } from 'fastify';
import { createBatch, type Batch } from '../../pipeline/batch.ts';
import type { ComponentContext, Consumer, Processor } from '../../pipeline/component.ts';
import type { ProcessorFactory } from '../../pipeline/factory.ts';
import type { PipelineRecord } from '../../pipeline/records.ts';
import { registerSignalsApi } from './api.ts';
import type { Transition } from './breaker/machine.ts';
import { signalsConfig, type SignalsConfig } from './config.ts';
import { SignalsEngine } from './engine.ts';

/**
 * `signals`, a connector in the Collector's sense: it consumes parsed records and emits its
 * results as records downstream, which exporters write like any other:
 * - AccessRecords feed the route windows, the breakers and the load tracker; what other meshlog
 *   processes emitted (e.g. read from Kafka) is merged in: window partials (`meshlog.window`)
 *   exactly, and their calls (`meshlog.calls`) in event time for the breakers and the load tracker;
 * - every `emitIntervalMs` it sends the windows it changed (`meshlog.window`, one record per route,
 *   bucket and source), the calls it observed when `emit.calls` is on, and the decisions taken
 *   since (`meshlog.decision`: breaker transitions, canary verdicts asked through the API).
 * It serves the signals API on the admin server. Its engine outlives a config reload, so the
 * windows and breakers do too.
 *
 * A batch is settled `delivered` once observed: the signals keep no copy that a crash would owe
 * anyone (the windows are rebuilt from new traffic), and what they emit is acknowledged downstream.
 */
export class SignalsProcessor implements Processor<PipelineRecord, PipelineRecord> {
  readonly name: string;
  readonly engine: SignalsEngine;
  readonly #config: SignalsConfig;
  readonly #ctx: ComponentContext;
  #next: Consumer<PipelineRecord> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(config: SignalsConfig, ctx: ComponentContext) {
    this.name = ctx.name;
    this.#config = config;
    this.#ctx = ctx;
    this.engine = ctx.retain(`signals:${ctx.name}`, () => new SignalsEngine(config, ctx.metrics));
    // A partition that moved away no longer holds back the watermark of the calls we send.
    ctx.origins.onLost((lost) => lost.forEach((o) => this.engine.forgetOrigin(o.name)));
  }

  connect(next: Consumer<PipelineRecord>): void {
    this.#next = next;
  }

  mountAdmin(app: FastifyInstance): void {
    registerSignalsApi(app, this.engine);
  }

  async start(): Promise<void> {
    this.#timer = setInterval(() => void this.flush(), this.#config.emitIntervalMs);
    this.#timer.unref();
  }

  async consume(batch: Batch<PipelineRecord>): Promise<void> {
    this.#log(this.engine.observe(batch.records, batch.ack.origin?.name));
    batch.ack.settle({ status: 'delivered' });
  }

  #log(transitions: Transition[]): void {
    for (const t of transitions) this.#ctx.logger.info({ breaker: t }, `breaker ${t.from} → ${t.to}`);
  }

  /** Sends what changed since the last flush downstream; one flush at a time. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      this.#log(this.engine.releaseCalls());
      const records = [
        ...(this.#config.emit.windows ? this.engine.takeWindows() : []),
        ...this.engine.takeCalls(),
        ...(this.#config.emit.decisions ? this.engine.takeDecisions() : []),
      ];
      if (records.length === 0 || !this.#next) return;
      const batch = createBatch(records);
      void batch.ack.settled.then((outcome) => {
        if (outcome.status !== 'delivered')
          this.#ctx.logger.warn({ outcome, records: records.length }, 'signals output was not delivered');
      });
      await this.#next.consume(batch);
    });
    return this.#flushing;
  }

  async shutdown(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}

export const signalsFactory: ProcessorFactory<SignalsConfig> = {
  kind: 'processor',
  type: 'signals',
  config: signalsConfig,
  create: (config, ctx) => new SignalsProcessor(config, ctx),
};
