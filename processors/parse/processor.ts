import { PARSE_WORKER } from './decode-in-pool.ts';
import { createBatch, type Batch } from '../../pipeline/batch.ts';
import { permanent } from '../../pipeline/errors.ts';
import type { ComponentContext, Consumer, Processor } from '../../pipeline/component.ts';
import type { ProcessorFactory } from '../../pipeline/factory.ts';
import type { AccessRecord, RawChunk, SpanRecord } from '../../pipeline/records.ts';
import { parseConfig, type ParseConfig } from './config.ts';
import { EndpointBook } from './mesh/endpoints.ts';
import { RouteCap } from './mesh/route.ts';
import { LineParser } from './line-parser.ts';
import { unpackResult, type ParseResult, type ParseTask } from './task.ts';
import { parseIsoMs } from '../../pipeline/time/iso.ts';

const WORKER = PARSE_WORKER;

const isChunk = (r: RawChunk | AccessRecord): boolean => 'encoding' in r && (r as RawChunk).data instanceof Uint8Array;

/**
 * Where a record's event time is further than `limit` from the wall clock `now`: the time (as the
 * dead letter names it) and how far, or null when it is within. An access line counts at its start
 * either way, and at its end (start + duration) ahead: the line is written when its request ends,
 * so an end past `now` is a wrong clock or a crafted line, and would carry the join's event time
 * with it. A span counts ahead only, at its start and end: a trace replayed from long ago moves no
 * window. Other records are stamped on arrival.
 */
function outsideClock(
  r: AccessRecord | SpanRecord,
  now: number,
  limit: number,
): { time: string; skewMs: number } | null {
  const dataset = r['event.dataset'];
  const isLine = dataset === 'envoy.access';
  if (!isLine && dataset !== 'mesh.span') return null;
  const start = parseIsoMs(r['@timestamp']);
  if (!Number.isFinite(start)) return null;
  const skew = start - now;
  if (skew > limit || (isLine && skew < -limit)) return { time: r['@timestamp'], skewMs: skew };
  const ms = (r['event.duration'] ?? 0) / 1e6;
  if (ms > 0 && skew + ms > limit)
    return { time: `${r['@timestamp']} + ${Math.round(ms)} ms`, skewMs: Math.round(skew + ms) };
  return null;
}

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
  readonly #endpoints: EndpointBook;
  #next: Consumer<AccessRecord> | undefined;

  constructor(config: ParseConfig, ctx: ComponentContext) {
    new LineParser(config.format, this.#mesh(config)); // fail at build time, with the option named, not in a worker
    this.name = ctx.name;
    this.#ctx = ctx;
    this.#config = config;
    this.#routes = new RouteCap(config.maxRoutesPerService);
    this.#endpoints = new EndpointBook(config.maxEndpoints);
  }

  #mesh(config: ParseConfig) {
    return { clusterDomain: config.clusterDomain, subsets: config.subsets };
  }

  connect(next: Consumer<AccessRecord>): void {
    this.#next = next;
  }

  async start(): Promise<void> {}

  /** Raw chunks are parsed; records a receiver already decoded (ALS, OTLP logs, spans) pass through. */
  async consume(batch: Batch<RawChunk | AccessRecord>): Promise<void> {
    // A batch a receiver decoded (OTLP, ALS, spans) has no raw chunk: its records go on as they are.
    if (!batch.records.some(isChunk)) return this.#passOn(batch.records as AccessRecord[], [], batch);
    const chunks: RawChunk[] = [];
    const ready: AccessRecord[] = [];
    for (const r of batch.records) {
      if (isChunk(r)) chunks.push(r as RawChunk);
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
    return this.#passOn(ready.concat(...results.map((r) => r.records)), results, batch);
  }

  /** Dead-letters the workers' rejections, applies the clock-skew guard and the mesh rules, hands the rest on. */
  async #passOn(parsed: AccessRecord[], results: ParseResult[], batch: Batch<RawChunk | AccessRecord>): Promise<void> {
    const records = this.#withinClockSkew(parsed);
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
    this.#endpoints.apply(records);
    for (const rec of records) {
      if (rec['event.dataset'] === 'envoy.access')
        rec['mesh.route'] = this.#routes.apply(rec['mesh.destination.service'], rec['mesh.route']);
    }
    this.#ctx.metrics.accepted.inc({ component: this.name }, records.length);
    await this.#next!.consume(createBatch(records, batch.ack));
  }

  /**
   * Event-time guard: a record stamped further than `maxClockSkewMs` from now (a wrong node clock,
   * a replayed file) would land in long-gone or future windows; it is dead-lettered with the reason.
   */
  #withinClockSkew(records: AccessRecord[]): AccessRecord[] {
    const limit = this.#config.maxClockSkewMs;
    if (limit === 0) return records;
    const now = Date.now();
    // Nearly always every record is within: no copy of the batch then.
    if (records.every((r) => outsideClock(r, now, limit) === null)) return records;
    const kept: AccessRecord[] = [];
    let skewed = 0;
    for (const r of records) {
      const outside = outsideClock(r, now, limit);
      if (outside === null) {
        kept.push(r);
        continue;
      }
      skewed++;
      this.#ctx.deadLetters.write({
        component: this.name,
        code: 'MESHLOG_CLOCK_SKEW',
        reason: permanent('MESHLOG_CLOCK_SKEW', { ...outside, limitMs: limit }).message,
        payload: JSON.stringify(r),
      });
    }
    if (skewed > 0) this.#ctx.metrics.reject(this.name, 'MESHLOG_CLOCK_SKEW', skewed);
    return kept;
  }

  async #run(chunks: RawChunk[]): Promise<ParseResult> {
    const task: ParseTask = {
      chunks,
      format: this.#config.format,
      maxLineBytes: this.#config.maxLineBytes,
      mesh: this.#mesh(this.#config),
      maxEndpoints: this.#config.maxEndpoints,
    };
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
