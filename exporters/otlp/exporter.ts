import type { Batch } from '../../pipeline/batch.ts';
import type { ComponentContext, Exporter } from '../../pipeline/component.ts';
import type { ExporterFactory } from '../../pipeline/factory.ts';
import type { RequestDoc, SpanRecord } from '../../pipeline/records.ts';
import { otlpExporterConfig, type OtlpExporterConfig } from './config.ts';
import { encodeSpans } from './encode.ts';
import { enrichedSpans } from './enrich.ts';
import { classifyExport, grpcTransport, httpTransport, type Transport } from './transport.ts';
import { SendQueue } from '../../pipeline/exporter/send-queue.ts';

/**
 * Spans to an OTLP endpoint, on the shared exporter helper (`SendQueue`): the spans of each
 * RequestDoc, enriched (matched and synthetic alike), and bare SpanRecords as they are (those the
 * join passes on because they have no request id). Put it behind the join without `emitParts`: a
 * bare span it has already sent would keep its enriched copy from going out. A span already sent
 * (a `late` re-emit of its request) is not sent again. This file keeps only what is OTLP's: the
 * encoding, the transport and its classifier (`classifyExport`: OTLP's retryable HTTP statuses and
 * gRPC codes retry, honouring Retry-After; 413 splits; the rest goes to dead letters).
 */
export class OtlpExporter implements Exporter {
  readonly name: string;
  readonly #ctx: ComponentContext;
  readonly #config: OtlpExporterConfig;
  readonly #transport: Transport;
  readonly #sent = new Map<string, true>();
  readonly #queue: SendQueue<SpanRecord>;

  constructor(config: OtlpExporterConfig, ctx: ComponentContext) {
    this.name = ctx.name;
    this.#ctx = ctx;
    this.#config = config;
    this.#transport = config.protocol === 'http' ? httpTransport(config) : grpcTransport(config);
    this.#queue = new SendQueue<SpanRecord>(
      ctx,
      {
        size: () => 1,
        send: async (spans) => {
          const out = await this.#transport.send(encodeSpans(spans));
          if (out.ok && out.rejected > 0) this.#ctx.metrics.reject(this.name, 'MESHLOG_EXPORT_FAILED', out.rejected);
          return classifyExport(out);
        },
        deadLetter: (span, reason) => {
          this.#ctx.metrics.reject(this.name, 'MESHLOG_EXPORT_FAILED');
          this.#ctx.deadLetters.write({
            component: this.name,
            code: 'MESHLOG_EXPORT_FAILED',
            reason,
            payload: JSON.stringify(span),
          });
          return [];
        },
      },
      {
        maxItems: config.maxQueuedSpans,
        maxBatchItems: config.maxSpansPerRequest,
        maxBatchBytes: Infinity,
        flushMs: config.flushMs,
        concurrency: config.concurrency,
        retry: { initialMs: config.retry.initialMs, maxMs: config.retry.maxMs, deadlineMs: config.retry.deadlineMs },
      },
    );
  }

  async start(): Promise<void> {}

  async consume(batch: Batch<unknown>): Promise<void> {
    const spans: SpanRecord[] = [];
    for (const r of batch.records as Array<Record<string, unknown>>) {
      if (r['event.dataset'] === 'meshlog.request') spans.push(...enrichedSpans(r as unknown as RequestDoc));
      else if (r['event.dataset'] === 'mesh.span') spans.push(r as unknown as SpanRecord);
    }
    const fresh = spans.filter((s) => this.#remember(`${s['trace.id']}/${s['span.id']}/${s['span.kind']}`));
    await this.#queue.add(fresh, batch.ack);
  }

  /** True the first time a span key is seen (bounded memory: the oldest keys are forgotten). */
  #remember(key: string): boolean {
    if (this.#sent.has(key)) return false;
    this.#sent.set(key, true);
    if (this.#sent.size > this.#config.rememberSpans) this.#sent.delete(this.#sent.keys().next().value!);
    return true;
  }

  /** Sends what is queued and waits for it (bounded by the runtime's drain deadline). Idempotent. */
  async shutdown(): Promise<void> {
    await this.#queue.drain();
    this.#transport.close();
  }
}

export const otlpExporterFactory: ExporterFactory<OtlpExporterConfig> = {
  kind: 'exporter',
  type: 'otlp',
  config: otlpExporterConfig,
  create: (config, ctx) => new OtlpExporter(config, ctx),
};
