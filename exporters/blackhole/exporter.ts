import type { Batch } from '../../pipeline/batch.ts';
import type { ComponentContext, Exporter } from '../../pipeline/component.ts';
import type { ExporterFactory } from '../../pipeline/factory.ts';
import { blackholeConfig, type BlackholeConfig } from './config.ts';

/** Counts records as exported and drops them; like Vector's blackhole sink. */
export class BlackholeExporter implements Exporter {
  readonly name: string;
  readonly #ctx: ComponentContext;
  constructor(ctx: ComponentContext) {
    this.name = ctx.name;
    this.#ctx = ctx;
  }
  async start(): Promise<void> {}
  async consume(batch: Batch<unknown>): Promise<void> {
    this.#ctx.metrics.exported.inc({ component: this.name }, batch.records.length);
    batch.ack.settle({ status: 'delivered' });
  }
  async shutdown(): Promise<void> {}
}

export const blackholeFactory: ExporterFactory<BlackholeConfig> = {
  kind: 'exporter',
  type: 'blackhole',
  config: blackholeConfig,
  create: (_config, ctx) => new BlackholeExporter(ctx),
};
