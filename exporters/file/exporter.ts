import { createWriteStream, mkdirSync, renameSync, statSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { Batch } from '../../pipeline/batch.ts';
import type { ComponentContext, Exporter } from '../../pipeline/component.ts';
import type { ExporterFactory } from '../../pipeline/factory.ts';
import { fileConfig, type FileConfig } from './config.ts';
import { ndjson } from '../../pipeline/ndjson.ts';

/**
 * Appends each record as one JSON line. A batch is acknowledged as delivered once its bytes are
 * written; `consume` waits for that, so a slow disk pushes back instead of growing memory. A write
 * that fails (disk full, the file gone) settles the batch retryable with the reason, counts it
 * under `MESHLOG_WRITE_FAILED`, and the next batch reopens the file: the process keeps running.
 */
export class FileExporter implements Exporter {
  readonly name: string;
  readonly #ctx: ComponentContext;
  readonly #config: FileConfig;
  #stream: WriteStream | undefined;
  #bytes = 0;

  constructor(config: FileConfig, ctx: ComponentContext) {
    this.name = ctx.name;
    this.#ctx = ctx;
    this.#config = config;
  }

  async start(): Promise<void> {
    mkdirSync(dirname(this.#config.path), { recursive: true });
    this.#open();
  }

  #open(): void {
    let size: number;
    try {
      size = statSync(this.#config.path).size;
    } catch {
      size = 0;
    }
    this.#bytes = size;
    const stream = createWriteStream(this.#config.path, { flags: 'a' });
    // Errors are read from each write's callback; this keeps an 'error' event from crashing the process.
    stream.on('error', () => undefined);
    this.#stream = stream;
  }

  async consume(batch: Batch<unknown>): Promise<void> {
    const stream = this.#stream;
    if (!stream) {
      batch.ack.settle({ status: 'retryable', reason: `${this.name} is not running` });
      return;
    }
    const bytes = ndjson(batch.records);
    const failed = await new Promise<Error | null | undefined>((resolve) => stream.write(bytes, resolve));
    if (failed) {
      this.#ctx.metrics.reject(this.name, 'MESHLOG_WRITE_FAILED', batch.records.length);
      this.#ctx.logger.error(
        { err: failed.message, path: this.#config.path },
        'cannot write; the batch will be retried',
      );
      batch.ack.settle({ status: 'retryable', reason: `cannot write ${this.#config.path}: ${failed.message}` });
      this.#stream = undefined;
      stream.destroy();
      this.#open();
      return;
    }
    this.#bytes += bytes.length;
    this.#ctx.metrics.exported.inc({ component: this.name }, batch.records.length);
    batch.ack.settle({ status: 'delivered' });
    if (this.#config.maxBytes > 0 && this.#bytes >= this.#config.maxBytes) await this.#rotate();
  }

  async #rotate(): Promise<void> {
    await this.#close();
    renameSync(this.#config.path, `${this.#config.path}.1`);
    this.#open();
  }

  async #close(): Promise<void> {
    const stream = this.#stream;
    this.#stream = undefined;
    if (stream)
      await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }

  /** Idempotent: flushes and closes the file. */
  async shutdown(): Promise<void> {
    await this.#close();
  }
}

export const fileFactory: ExporterFactory<FileConfig> = {
  kind: 'exporter',
  type: 'file',
  config: fileConfig,
  create: (config, ctx) => new FileExporter(config, ctx),
};
