import type { Batch } from '../../pipeline/batch.ts';
import { backoffMs, sleep } from '../../pipeline/backoff.ts';
import type { ComponentContext, Exporter } from '../../pipeline/component.ts';
import type { ExporterFactory } from '../../pipeline/factory.ts';
import type { RequestDoc, SpanRecord } from '../../pipeline/records.ts';
import { otlpExporterConfig, type OtlpExporterConfig } from './config.ts';
import { encodeSpans } from './encode.ts';
import { enrichedSpans } from './enrich.ts';
import { grpcTransport, httpTransport, type Transport } from './transport.ts';

interface Queued {
  span: SpanRecord;
  done: () => void;
}

/**
 * Spans to an OTLP endpoint: the spans of each RequestDoc, enriched (matched and synthetic
 * alike), and bare SpanRecords as they are (those the join passes on because they have no request
 * id). Put it behind the join without `emitParts`: a bare span it has already sent would keep its
 * enriched copy from going out. A span already sent (a `late`
 * re-emit of its request) is not sent again. The queue is bounded: `consume` waits while
 * `maxQueuedSpans` are unsent. Retryable failures (OTLP's retryable HTTP statuses and gRPC codes)
 * are retried with backoff, honouring Retry-After, until they go through; permanent ones go to the
 * dead-letter sink with the reason.
 */
export class OtlpExporter implements Exporter {
  readonly name: string;
  readonly #ctx: ComponentContext;
  readonly #config: OtlpExporterConfig;
  readonly #transport: Transport;
  readonly #sent = new Map<string, true>();
  #queue: Queued[] = [];
  #inflight = 0;
  #spaceWaiters: Array<() => void> = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(config: OtlpExporterConfig, ctx: ComponentContext) {
    this.name = ctx.name;
    this.#ctx = ctx;
    this.#config = config;
    this.#transport = config.protocol === 'http' ? httpTransport(config) : grpcTransport(config);
  }

  async start(): Promise<void> {}

  async consume(batch: Batch<unknown>): Promise<void> {
    const spans: SpanRecord[] = [];
    for (const r of batch.records as Array<Record<string, unknown>>) {
      if (r['event.dataset'] === 'meshlog.request') spans.push(...enrichedSpans(r as unknown as RequestDoc));
      else if (r['event.dataset'] === 'mesh.span') spans.push(r as unknown as SpanRecord);
    }
    const fresh = spans.filter((s) => this.#remember(`${s['trace.id']}/${s['span.id']}/${s['span.kind']}`));
    if (fresh.length === 0) {
      batch.ack.settle({ status: 'delivered' });
      return;
    }
    while (this.#queue.length + fresh.length > this.#config.maxQueuedSpans && this.#queue.length > 0) {
      await new Promise<void>((r) => this.#spaceWaiters.push(r));
    }
    let remaining = fresh.length;
    const done = () => {
      if (--remaining === 0) batch.ack.settle({ status: 'delivered' });
    };
    for (const span of fresh) this.#queue.push({ span, done });
    if (this.#queue.length >= this.#config.maxSpansPerRequest) this.#pump();
    else
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        this.#pump();
      }, this.#config.flushMs);
  }

  /** True the first time a span key is seen (bounded memory: the oldest keys are forgotten). */
  #remember(key: string): boolean {
    if (this.#sent.has(key)) return false;
    this.#sent.set(key, true);
    if (this.#sent.size > this.#config.rememberSpans) this.#sent.delete(this.#sent.keys().next().value!);
    return true;
  }

  #pump(): void {
    while (this.#inflight < this.#config.concurrency && this.#queue.length > 0) {
      const chunk = this.#queue.splice(0, this.#config.maxSpansPerRequest);
      for (const w of this.#spaceWaiters.splice(0)) w();
      this.#inflight++;
      void this.#export(chunk).finally(() => {
        this.#inflight--;
        this.#pump();
      });
    }
  }

  async #export(chunk: Queued[]): Promise<void> {
    const body = encodeSpans(chunk.map((q) => q.span));
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      const out = await this.#transport.send(body);
      this.#ctx.metrics.exportLatency.observe({ component: this.name }, (performance.now() - started) / 1000);
      if (out.ok) {
        this.#ctx.metrics.exported.inc({ component: this.name }, chunk.length - out.rejected);
        if (out.rejected > 0) this.#ctx.metrics.reject(this.name, 'MESHLOG_EXPORT_FAILED', out.rejected);
        break;
      }
      if (!out.retryable) {
        this.#ctx.metrics.reject(this.name, 'MESHLOG_EXPORT_FAILED', chunk.length);
        for (const q of chunk)
          this.#ctx.deadLetters.write({
            component: this.name,
            code: 'MESHLOG_EXPORT_FAILED',
            reason: out.reason,
            payload: JSON.stringify(q.span),
          });
        break;
      }
      this.#ctx.metrics.retried.inc({ component: this.name, reason: 'retryable' }, chunk.length);
      if (attempt === 0 || attempt % 10 === 0)
        this.#ctx.logger.warn({ reason: out.reason, spans: chunk.length, attempt }, 'span export failed; retrying');
      await sleep(out.retryAfterMs ?? backoffMs(attempt, this.#config.retry.initialMs, this.#config.retry.maxMs));
    }
    for (const q of chunk) q.done();
  }

  /** Sends what is queued and waits for it (bounded by the runtime's drain deadline). Idempotent. */
  async shutdown(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#queue.length > 0 || this.#inflight > 0) {
      this.#pump();
      await sleep(20);
    }
    this.#transport.close();
  }
}

export const otlpExporterFactory: ExporterFactory<OtlpExporterConfig> = {
  kind: 'exporter',
  type: 'otlp',
  config: otlpExporterConfig,
  create: (config, ctx) => new OtlpExporter(config, ctx),
};
