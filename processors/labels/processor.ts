import { createBatch, type Batch } from '../../pipeline/batch.ts';
import type { ComponentContext, Consumer, Processor } from '../../pipeline/component.ts';
import type { ProcessorFactory } from '../../pipeline/factory.ts';
import type { AccessRecord, SpanRecord } from '../../pipeline/records.ts';
import { labelsConfig, type LabelsConfig } from './config.ts';
import { loadHmacKey, Redactor } from './redact.ts';
import { DeadLetterRedactor } from '../../pipeline/deadletter-redaction.ts';

type Rule = LabelsConfig['headers'][number] & { label: string; sources: string[]; attrs: string[] };

/**
 * Pulls the business headers a team names out of every record: access-log extras
 * (`envoy.extra.req.<h>` from `%REQ(h)%` columns and ALS request headers, or a custom key) and
 * span attributes (`http.request.header.<h>`). Each becomes `labels.<name>`, cut to `maxLength`
 * and redacted; every raw copy is removed, so a redacted header's clear value leaves no trace
 * downstream. Runs on the main thread: it touches a few keys per record, less than a worker
 * round trip would cost.
 */
export class LabelsProcessor implements Processor<unknown, unknown> {
  readonly name: string;
  /** It moves headers into labels and deletes every raw copy, in place. */
  readonly mutates = true;
  readonly #rules: Rule[];
  readonly #dropUnlisted: boolean;
  readonly #redactor: Redactor;
  #next: Consumer | undefined;

  constructor(config: LabelsConfig, ctx: ComponentContext, env = process.env) {
    this.name = ctx.name;
    this.#dropUnlisted = config.dropUnlistedHeaders;
    const key = config.headers.some((h) => h.redact === 'hmac') ? loadHmacKey(config.hmacKey, env) : undefined;
    this.#redactor = new Redactor(key);
    // A line the parser rejects still holds the clear header values: the dead letters redact them too.
    const redacted = config.headers.filter((h) => h.redact !== 'none').map((h) => h.header);
    const fields = config.headers.filter((h) => h.redact !== 'none').flatMap((h) => h.fields);
    if (redacted.length > 0)
      ctx.deadLetters.redactWith(ctx.name, new DeadLetterRedactor([...redacted, ...fields], key));
    this.#rules = config.headers.map((h) => ({
      ...h,
      label: h.name ?? h.header,
      sources: [
        `envoy.extra.req.${h.header}`,
        `envoy.extra.${h.header}`,
        `envoy.extra.${h.header.replace(/-/g, '_')}`,
        ...h.fields.map((f) => (f.startsWith('envoy.') ? f : `envoy.extra.${f}`)),
      ],
      attrs: [`http.request.header.${h.header}`, `http.request.header.${h.header.replace(/-/g, '_')}`],
    }));
  }

  connect(next: Consumer): void {
    this.#next = next;
  }

  async start(): Promise<void> {}

  async consume(batch: Batch<unknown>): Promise<void> {
    for (const r of batch.records as Array<AccessRecord | SpanRecord>) this.label(r);
    await this.#next!.consume(createBatch(batch.records, batch.ack));
  }

  /** Labels one record in place. */
  label(r: AccessRecord | SpanRecord): void {
    const rec = r as unknown as Record<string, unknown>;
    const attrs = r['event.dataset'] === 'mesh.span' ? (r as SpanRecord).attributes : undefined;
    for (const rule of this.#rules) {
      let value: unknown;
      for (const k of rule.sources) {
        if (rec[k] !== undefined) {
          value ??= rec[k];
          delete rec[k];
        }
      }
      if (attrs) {
        for (const k of rule.attrs) {
          if (attrs[k] !== undefined) {
            value ??= attrs[k];
            delete attrs[k];
          }
        }
      }
      if (value === undefined || value === null || value === '') continue;
      const text = String(Array.isArray(value) ? value[0] : value).slice(0, rule.maxLength);
      const out = this.#redactor.apply(rule.redact, text);
      if (out !== undefined) {
        rec[`labels.${rule.label}`] = out;
        if (attrs) attrs[`labels.${rule.label}`] = out;
      }
    }
    if (this.#dropUnlisted) {
      for (const k of Object.keys(rec)) if (k.startsWith('envoy.extra.req.')) delete rec[k];
      if (attrs) for (const k of Object.keys(attrs)) if (k.startsWith('http.request.header.')) delete attrs[k];
    }
  }

  async shutdown(): Promise<void> {}
}

export const labelsFactory: ProcessorFactory<LabelsConfig> = {
  kind: 'processor',
  type: 'labels',
  config: labelsConfig,
  create: (config, ctx) => new LabelsProcessor(config, ctx),
};
