import { mkdirSync, createWriteStream, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { DeadLetter } from './records.ts';
import type { Metrics } from './telemetry/metrics.ts';

export interface DeadLetterInput {
  component: string;
  code: string;
  reason: string;
  payload: Uint8Array | string;
  line?: number;
}

/**
 * Where rejected input goes, with its original payload and the reason, so nothing is lost
 * silently. The default sink appends NDJSON to a file; exporters may add their own (issue 07).
 */
export interface DeadLetterSink {
  write(entry: DeadLetterInput): void;
  close(): Promise<void>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function toDeadLetter(entry: DeadLetterInput, now = new Date()): DeadLetter {
  let payload: string;
  let encoding: DeadLetter['payload_encoding'] = 'utf8';
  if (typeof entry.payload === 'string') payload = entry.payload;
  else {
    try {
      payload = utf8.decode(entry.payload);
    } catch {
      payload = Buffer.from(entry.payload).toString('base64');
      encoding = 'base64';
    }
  }
  const doc: DeadLetter = {
    '@timestamp': now.toISOString(),
    component: entry.component,
    code: entry.code,
    reason: entry.reason,
    payload,
    payload_encoding: encoding,
  };
  if (entry.line !== undefined) doc.line = entry.line;
  return doc;
}

export class FileDeadLetterSink implements DeadLetterSink {
  #stream: WriteStream | undefined;
  readonly path: string;
  readonly #metrics: Metrics;

  constructor(path: string, metrics: Metrics) {
    this.path = path;
    this.#metrics = metrics;
  }

  write(entry: DeadLetterInput): void {
    if (!this.#stream) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.#stream = createWriteStream(this.path, { flags: 'a' });
    }
    this.#stream.write(JSON.stringify(toDeadLetter(entry)) + '\n');
    this.#metrics.deadLettered.inc({ component: entry.component, reason: entry.code });
  }

  async close(): Promise<void> {
    const stream = this.#stream;
    this.#stream = undefined;
    if (stream) await new Promise<void>((resolve) => stream.end(resolve));
  }
}

/** Keeps dead letters in memory; for unit tests and the offline CLI commands. */
export class MemoryDeadLetterSink implements DeadLetterSink {
  readonly entries: DeadLetter[] = [];
  write(entry: DeadLetterInput): void {
    this.entries.push(toDeadLetter(entry));
  }
  async close(): Promise<void> {}
}
