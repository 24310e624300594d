import { Client } from '@elastic/elasticsearch';
import type { Batch } from '../../pipeline/batch.ts';
import type { ComponentContext, Exporter } from '../../pipeline/component.ts';
import type { ExporterFactory } from '../../pipeline/factory.ts';
import { toDeadLetter } from '../../pipeline/deadletter.ts';
import { elasticsearchConfig, type ElasticsearchConfig } from './config.ts';
import { deadLetterDoc, toDoc, type Doc } from './documents.ts';
import { backoffMs, sleep } from '../../pipeline/backoff.ts';
import { classifyBulk, type BulkItem } from './retry.ts';
import type { Classified } from '../../pipeline/exporter/classified.ts';
import { SendQueue } from '../../pipeline/exporter/send-queue.ts';
import { installTemplates, type Layout } from './templates.ts';

/** A document on its way, with its JSON serialised once and re-sent as is on retries. */
interface Item {
  doc: Doc;
  json: string;
}

/**
 * Documents to Elasticsearch on the shared exporter helper (`SendQueue`): this file keeps only
 * what is Elasticsearch's — the templates, the bulk request, the classifier (`classifyBulk`:
 * items read one by one; 429/5xx items retried until `retry.itemDeadlineMs`, other 4xx items
 * dead-lettered; a 413 splits the bulk; a 400 for the whole request is permanent) and the
 * dead-letter index. `consume` waits while `maxBufferedDocs` are unacknowledged, so a slow or dead
 * cluster pushes back on the receivers. Ids are deterministic, so a re-send overwrites (or, for data
 * streams, is answered 409 and counted done) instead of duplicating.
 */
export class ElasticsearchExporter implements Exporter {
  readonly name: string;
  readonly #ctx: ComponentContext;
  readonly #config: ElasticsearchConfig;
  readonly #client: Client;
  readonly #queue: SendQueue<Item>;
  #layout: Layout | undefined;
  #stopped = false;

  constructor(config: ElasticsearchConfig, ctx: ComponentContext) {
    this.name = ctx.name;
    this.#ctx = ctx;
    this.#config = config;
    this.#client = new Client({
      nodes: config.endpoints,
      compression: config.compression,
      requestTimeout: config.requestTimeoutMs,
      maxRetries: 0,
    });
    this.#queue = new SendQueue<Item>(
      ctx,
      {
        size: (item) => item.json.length + 80,
        send: (items) => this.#bulk(items),
        deadLetter: (item, reason) => this.#deadLetter(item, reason),
      },
      {
        maxItems: config.maxBufferedDocs,
        maxBatchItems: config.batch.maxDocs,
        maxBatchBytes: config.batch.maxBytes,
        flushMs: config.batch.flushMs,
        concurrency: config.concurrency,
        retry: {
          initialMs: config.retry.initialMs,
          maxMs: config.retry.maxMs,
          deadlineMs: config.retry.itemDeadlineMs,
        },
      },
    );
  }

  /** Installs the templates; retries while the cluster is unreachable, so start order does not matter. */
  async start(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        this.#layout = await installTemplates(this.#client, this.#config);
        return;
      } catch (err) {
        if (attempt >= 5)
          throw new Error(`${this.name}: cannot install index templates: ${(err as Error).message}`, { cause: err });
        await sleep(backoffMs(attempt, 500, 5000));
      }
    }
  }

  get layout(): Layout | undefined {
    return this.#layout;
  }

  async consume(batch: Batch<unknown>): Promise<void> {
    const items: Item[] = [];
    for (const r of batch.records) {
      const doc = toDoc(r, this.#config.hops);
      if (doc) items.push({ doc, json: JSON.stringify(doc.source) });
    }
    await this.#queue.add(items, batch.ack);
  }

  async #bulk(items: Item[]): Promise<Classified> {
    const layout = this.#layout!;
    const operations: Array<string | Record<string, unknown>> = [];
    const ops: Array<'index' | 'create'> = [];
    for (const { doc, json } of items) {
      const { index, op } = layout.write(doc.kind, doc.timestamp);
      const versioned = op === 'index' && doc.version !== undefined;
      const meta = versioned ? { version: doc.version, version_type: 'external_gte' } : {};
      operations.push({ [op]: { _index: index, _id: doc.id, ...meta } }, json);
      ops.push(op);
    }
    try {
      const res = await this.#client.bulk({ operations, filter_path: 'errors,items.*.status,items.*.error' });
      // An answer without errors is filtered down to nothing: every item is done.
      const answered = (res.items ?? []).map((it) => Object.values(it)[0] as BulkItem);
      return classifyBulk({ items: answered.length === items.length ? answered : [], ops });
    } catch (err) {
      return classifyBulk({ error: err as Error & { statusCode?: number } });
    }
  }

  /** A document Elasticsearch will never take: to the dead-letter index (or file), with the error. */
  #deadLetter(item: Item, reason: string): Item[] {
    const { doc, json } = item;
    this.#ctx.metrics.deadLettered.inc({ component: this.name, reason: 'MESHLOG_MAPPING_REJECTED' });
    const entry = {
      component: this.name,
      code: 'MESHLOG_MAPPING_REJECTED',
      reason: `${doc.kind}/${doc.id}: ${reason}`,
      payload: json,
    };
    if (this.#config.deadLetter === 'file' || doc.kind === 'deadletters') {
      this.#ctx.deadLetters.write(entry);
      return [];
    }
    const dead = deadLetterDoc(toDeadLetter(entry), `${doc.kind}:${doc.id}`);
    return [{ doc: dead, json: JSON.stringify(dead.source) }];
  }

  /** Sends what is queued and waits for it (the runtime's drain deadline bounds how long). Idempotent. */
  async shutdown(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.#queue.drain();
    await this.#client.close();
  }
}

export const elasticsearchFactory: ExporterFactory<ElasticsearchConfig> = {
  kind: 'exporter',
  type: 'elasticsearch',
  config: elasticsearchConfig,
  create: (config, ctx) => new ElasticsearchExporter(config, ctx),
};
