import { Client } from '@elastic/elasticsearch';
import type { Batch } from '../../pipeline/batch.ts';
import type { ComponentContext, Exporter } from '../../pipeline/component.ts';
import type { ExporterFactory } from '../../pipeline/factory.ts';
import { toDeadLetter } from '../../pipeline/deadletter.ts';
import { elasticsearchConfig, type ElasticsearchConfig } from './config.ts';
import { deadLetterDoc, toDoc, type Doc } from './documents.ts';
import { backoffMs, sleep } from '../../pipeline/backoff.ts';
import { itemFate, type BulkItem } from './retry.ts';
import { installTemplates, type Layout } from './templates.ts';

/** The documents of one consumed batch: its ack settles when all are written or dead-lettered. */
interface Tracker {
  remaining: number;
  settle: () => void;
}

interface Pending {
  doc: Doc;
  /** The document's JSON, serialised once and re-sent as is on retries. */
  json: string;
  tracker: Tracker;
  attempts: number;
  firstFailure: number | null;
  notBefore: number;
}

/**
 * Bulk delivery with item-level outcomes. Documents queue up (bounded: `consume` waits when
 * `maxBufferedDocs` are not yet acknowledged, so a slow or dead cluster pushes back on the
 * receivers); bulks are cut by count and bytes and sent `concurrency` at a time. A bulk that fails
 * whole (connection refused, 5xx, timeout) is retried with backoff until it goes through; within a
 * 200 answer, 429 and 5xx items are retried until `itemDeadlineMs`, other 4xx items go to the
 * dead-letter index with the document and the error. Ids are deterministic, so a re-send
 * overwrites (or, for data streams, is answered 409 and counted done) instead of duplicating.
 */
export class ElasticsearchExporter implements Exporter {
  readonly name: string;
  readonly #ctx: ComponentContext;
  readonly #config: ElasticsearchConfig;
  readonly #client: Client;
  #layout: Layout | undefined;
  #queue: Pending[] = [];
  #buffered = 0;
  #inflight = 0;
  #spaceWaiters: Array<() => void> = [];
  #idleWaiters: Array<() => void> = [];
  #timer: NodeJS.Timeout | undefined;
  #stopping = false;

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
    const docs = batch.records.map((r) => toDoc(r, this.#config.hops)).filter((d): d is Doc => d !== undefined);
    if (docs.length === 0) {
      batch.ack.settle({ status: 'delivered' });
      return;
    }
    while (this.#buffered + docs.length > this.#config.maxBufferedDocs && this.#buffered > 0) {
      await new Promise<void>((r) => this.#spaceWaiters.push(r));
    }
    const tracker: Tracker = { remaining: docs.length, settle: () => batch.ack.settle({ status: 'delivered' }) };
    this.enqueue(docs, tracker);
  }

  /** Queues documents for delivery; `tracker` hears when each is written or dead-lettered. */
  enqueue(docs: Doc[], tracker: Tracker): void {
    for (const doc of docs)
      this.#queue.push({
        doc,
        json: JSON.stringify(doc.source),
        tracker,
        attempts: 0,
        firstFailure: null,
        notBefore: 0,
      });
    this.#buffered += docs.length;
    this.#ctx.metrics.queueDepth.set({ channel: `${this.name}/buffer` }, this.#buffered);
    if (this.#queue.length >= this.#config.batch.maxDocs) this.#pump();
    else
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        this.#pump();
      }, this.#config.batch.flushMs);
  }

  #pump(): void {
    while (this.#inflight < this.#config.concurrency) {
      const chunk = this.#take();
      if (chunk.length === 0) break;
      this.#inflight++;
      void this.#send(chunk).finally(() => {
        this.#inflight--;
        this.#pump();
        if (this.#inflight === 0 && this.#queue.length === 0) for (const w of this.#idleWaiters.splice(0)) w();
      });
    }
    const waiting = this.#queue.find((p) => p.notBefore > Date.now());
    if (waiting && !this.#timer) {
      this.#timer = setTimeout(
        () => {
          this.#timer = undefined;
          this.#pump();
        },
        Math.max(10, waiting.notBefore - Date.now()),
      );
    }
  }

  /** Cuts the next bulk: ready documents, up to maxDocs and maxBytes. */
  #take(): Pending[] {
    const now = Date.now();
    const chunk: Pending[] = [];
    let bytes = 0;
    const rest: Pending[] = [];
    for (const p of this.#queue) {
      if (
        p.notBefore > now ||
        chunk.length >= this.#config.batch.maxDocs ||
        (chunk.length > 0 && bytes + p.json.length > this.#config.batch.maxBytes)
      ) {
        rest.push(p);
        continue;
      }
      chunk.push(p);
      bytes += p.json.length + 80;
    }
    this.#queue = rest;
    return chunk;
  }

  async #send(chunk: Pending[]): Promise<void> {
    const layout = this.#layout!;
    const ops: Array<string | Record<string, unknown>> = [];
    const opKinds: Array<'index' | 'create'> = [];
    for (const p of chunk) {
      const { index, op } = layout.write(p.doc.kind, p.doc.timestamp);
      ops.push({ [op]: { _index: index, _id: p.doc.id } }, p.json);
      opKinds.push(op);
    }
    let items: BulkItem[] | undefined;
    for (let attempt = 0; items === undefined; attempt++) {
      const started = performance.now();
      try {
        const res = await this.#client.bulk({ operations: ops, filter_path: 'errors,items.*.status,items.*.error' });
        this.#ctx.metrics.exportLatency.observe({ component: this.name }, (performance.now() - started) / 1000);
        items = (res.items ?? []).map((it) => Object.values(it)[0] as BulkItem);
        if (items.length !== chunk.length) items = chunk.map(() => ({ status: 200 })); // errors=false answers filtered to nothing
      } catch (err) {
        // The whole request failed: nothing in it is known to be written. Keep it and retry.
        this.#ctx.metrics.retried.inc({ component: this.name, reason: 'request' }, chunk.length);
        if (attempt === 0 || attempt % 10 === 0)
          this.#ctx.logger.warn(
            { err: (err as Error).message, docs: chunk.length, attempt },
            'bulk request failed; retrying',
          );
        await sleep(backoffMs(attempt, this.#config.retry.initialMs, this.#config.retry.maxMs));
      }
    }
    const now = Date.now();
    items.forEach((item, i) => {
      const p = chunk[i];
      const fate = itemFate(item, opKinds[i]);
      if (fate.fate === 'done') return this.#done(p);
      if (fate.fate === 'retry') {
        p.firstFailure ??= now;
        if (now - p.firstFailure < this.#config.retry.itemDeadlineMs) {
          p.attempts++;
          p.notBefore = now + backoffMs(p.attempts, this.#config.retry.initialMs, this.#config.retry.maxMs);
          this.#queue.push(p);
          this.#ctx.metrics.retried.inc({ component: this.name, reason: String(item.status) });
          return;
        }
        return this.#dead(p, `gave up after ${this.#config.retry.itemDeadlineMs} ms: ${fate.reason}`);
      }
      this.#dead(p, fate.reason);
    });
  }

  #done(p: Pending): void {
    this.#ctx.metrics.exported.inc({ component: this.name });
    this.#buffered--;
    this.#ctx.metrics.queueDepth.set({ channel: `${this.name}/buffer` }, this.#buffered);
    if (--p.tracker.remaining === 0) p.tracker.settle();
    this.#spaceWaiters.shift()?.();
  }

  /** A document Elasticsearch will never take: to the dead-letter index (or file), with the error. */
  #dead(p: Pending, reason: string): void {
    this.#ctx.metrics.deadLettered.inc({ component: this.name, reason: 'MESHLOG_MAPPING_REJECTED' });
    const entry = {
      component: this.name,
      code: 'MESHLOG_MAPPING_REJECTED',
      reason: `${p.doc.kind}/${p.doc.id}: ${reason}`,
      payload: p.json,
    };
    if (this.#config.deadLetter === 'file' || p.doc.kind === 'deadletters') {
      this.#ctx.deadLetters.write(entry);
      return this.#done(p);
    }
    // The dead letter takes the original's place in its batch: the batch settles once it is written.
    this.#buffered--;
    this.enqueue([deadLetterDoc(toDeadLetter(entry), `${p.doc.kind}:${p.doc.id}`)], p.tracker);
  }

  /** Sends what is queued and waits for it (the runtime's drain deadline bounds how long). */
  async shutdown(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#queue.length > 0 || this.#inflight > 0) {
      this.#pump();
      await Promise.race([new Promise<void>((r) => this.#idleWaiters.push(r)), sleep(50)]);
    }
    await this.#client.close();
  }
}

export const elasticsearchFactory: ExporterFactory<ElasticsearchConfig> = {
  kind: 'exporter',
  type: 'elasticsearch',
  config: elasticsearchConfig,
  create: (config, ctx) => new ElasticsearchExporter(config, ctx),
};
