import type { Batch } from '../../pipeline/batch.ts';
import type { ComponentContext, Exporter } from '../../pipeline/component.ts';
import type { ExporterFactory } from '../../pipeline/factory.ts';
import { z } from 'zod';

/** `signals`: feeds the process's signals (route windows, breakers) with AccessRecords. No options. */
export const signalsExporterConfig = z.strictObject({});

/**
 * Hands AccessRecords to the SignalsHub as they are parsed, so a verdict can change about a
 * second after an error spike arrives. Other records are ignored. The hub exists in modes
 * `all` and `signals`; elsewhere this exporter refuses to start.
 */
export class SignalsExporter implements Exporter {
  readonly name: string;
  readonly #ctx: ComponentContext;
  constructor(ctx: ComponentContext) {
    this.name = ctx.name;
    this.#ctx = ctx;
  }
  async start(): Promise<void> {
    if (!this.#ctx.signals) throw new Error(`${this.name}: no signals hub in this mode (run --mode all or signals)`);
  }
  async consume(batch: Batch<unknown>): Promise<void> {
    const transitions = this.#ctx.signals!.observe(batch.records);
    for (const t of transitions) this.#ctx.logger.info({ breaker: t }, `breaker ${t.from} → ${t.to}`);
    this.#ctx.metrics.exported.inc({ component: this.name }, batch.records.length);
    batch.ack.settle({ status: 'delivered' });
  }
  async shutdown(): Promise<void> {}
}

export const signalsExporterFactory: ExporterFactory<z.infer<typeof signalsExporterConfig>> = {
  kind: 'exporter',
  type: 'signals',
  config: signalsExporterConfig,
  create: (_c, ctx) => new SignalsExporter(ctx),
};
