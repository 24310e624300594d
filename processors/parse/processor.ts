import { PARSE_WORKER } from './decode-in-pool.ts';
import { createBatch, type Batch } from '../../pipeline/batch.ts';
import type { ComponentContext, Consumer, Processor } from '../../pipeline/component.ts';
import type { ProcessorFactory } from '../../pipeline/factory.ts';
import type { AccessRecord, RawChunk } from '../../pipeline/records.ts';
import { parseConfig, type ParseConfig } from './config.ts';
import { RouteCap } from './mesh/route.ts';
import { LineParser } from './line-parser.ts';
import { unpackResult, type ParseResult, type ParseTask } from './task.ts';

const WORKER = PARSE_WORKER;

/**
 * Raw chunks in, AccessRecords out. Parsing runs in the worker pool, a task per group of
 * chunks; buffers that own their memory are transferred, not copied. Rejected lines go to the
 * dead-letter sink with their reason; the valid lines of the same chunk go on.
 */
export class ParseProcessor implements Processor<RawChunk | AccessRecord, AccessRecord> {
  readonly name: string;
  readonly #ctx: ComponentContext;
  readonly #config: ParseConfig;
  readonly #routes: RouteCap;
  #next: Consumer<AccessRecord> | undefined;

  constructor(config: ParseConfig, ctx: ComponentContext) {
    new LineParser(config.format); // fail at build time, with the option named, not in a worker
    this.name = ctx.name;
    this.#ctx = ctx;
    this.#config = config;
    this.#routes = new RouteCap(config.maxRoutesPerService);
  }

  connect(next: Consumer<AccessRecord>): void {
    this.#next = next;
  }

  async start(): Promise<void> {}

  /** Raw chunks are parsed; records a receiver already decoded (ALS, OTLP logs, spans) pass through. */
  async consume(batch: Batch<RawChunk | AccessRecord>): Promise<void> {
    const chunks: RawChunk[] = [];
    const ready: AccessRecord[] = [];
    for (const r of batch.records) {
      if ('encoding' in r && (r as RawChunk).data instanceof Uint8Array) chunks.push(r as RawChunk);
      else ready.push(r as AccessRecord);
    }
    const groups: RawChunk[][] = [];
    for (let i = 0; i < chunks.length; i += this.#config.chunksPerTask) {
      groups.push(chunks.slice(i, i + this.#config.chunksPerTask));
    }
    let results: ParseResult[];
    try {
      results = await Promise.all(groups.map((chunks) => this.#run(chunks)));
    } catch (err) {
      this.#ctx.logger.error({ err }, 'worker failed on a batch');
      batch.ack.settle({ status: 'retryable', reason: `worker failed: ${(err as Error).message}` });
      return;
    }
    const records = ready.concat(...results.map((r) => r.records));
    for (const r of results) {
      for (const rej of r.rejections) {
        this.#ctx.metrics.reject(this.name, rej.code);
        this.#ctx.deadLetters.write({
          component: `${this.name}/${rej.receiver}`,
          code: rej.code,
          reason: rej.reason,
          payload: rej.payload,
          line: rej.line,
        });
      }
    }
    for (const rec of records) {
      if (rec['event.dataset'] === 'envoy.access')
        rec['mesh.route'] = this.#routes.apply(rec['mesh.destination.service'], rec['mesh.route']);
    }
    this.#ctx.metrics.accepted.inc({ component: this.name }, records.length);
    await this.#next!.consume(createBatch(records, batch.ack));
  }

  async #run(chunks: RawChunk[]): Promise<ParseResult> {
    const task: ParseTask = { chunks, format: this.#config.format, maxLineBytes: this.#config.maxLineBytes };
    const transfer = chunks
      .filter((c) => c.data.byteOffset === 0 && c.data.byteLength === c.data.buffer.byteLength)
      .map((c) => c.data.buffer as ArrayBuffer);
    return unpackResult(await this.#ctx.pool.run<ParseResult>(WORKER, task, transfer));
  }

  async shutdown(): Promise<void> {}
}

export const parseFactory: ProcessorFactory<ParseConfig> = {
  kind: 'processor',
  type: 'parse',
  config: parseConfig,
  create: (config, ctx) => new ParseProcessor(config, ctx),
};
