import { mkdirSync, createWriteStream, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { DeadLetterRedactor } from './deadletter-redaction.ts';
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
  /**
   * Applies `redactor` to every payload written from now on (replacing the one registered under
   * the same `owner`, e.g. the labels processor after a reload), so a header that is redacted in
   * the records is redacted in the dead letters too.
   */
  redactWith(owner: string, redactor: DeadLetterRedactor): void;
}

/** The redactors registered on a sink, applied in turn. */
class Redactions {
  readonly #byOwner = new Map<string, DeadLetterRedactor>();
  set(owner: string, r: DeadLetterRedactor): void {
    this.#byOwner.set(owner, r);
  }
  apply(doc: DeadLetter): DeadLetter {
    if (this.#byOwner.size === 0 || doc.payload_encoding !== 'utf8') {
      if (this.#byOwner.size > 0)
        return { ...doc, payload: '(binary payload withheld: redaction is on)', redacted: 'hashed' };
      return doc;
    }
    let payload = doc.payload;
    let redacted: DeadLetter['redacted'];
    for (const r of this.#byOwner.values()) {
      const s = r.scrub(payload);
      payload = s.payload;
      if (s.redacted === 'hashed' || !redacted) redacted = s.redacted;
    }
    return { ...doc, payload, redacted };
  }
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
  readonly #redactions = new Redactions();

  constructor(path: string, metrics: Metrics) {
    this.path = path;
    this.#metrics = metrics;
  }

  /**
   * Appends one dead letter. A write that fails (disk full) is counted as
   * `meshlog_dropped_total{reason="deadletter_write_failed"}` and logged once per stream; the next
   * write reopens the file. It never throws: losing a dead letter must not take the process down.
   */
  write(entry: DeadLetterInput): void {
    let stream = this.#stream;
    if (!stream) {
      try {
        mkdirSync(dirname(this.path), { recursive: true });
      } catch {
        // reported by the stream's first write
      }
      stream = this.#stream = createWriteStream(this.path, { flags: 'a' });
      stream.on('error', () => undefined); // each write's callback reports its own failure
    }
    this.#metrics.deadLettered.inc({ component: entry.component, reason: entry.code });
    stream.write(JSON.stringify(this.#redactions.apply(toDeadLetter(entry))) + '\n', (err) => {
      if (!err) return;
      this.#metrics.dropped.inc({ component: entry.component, reason: 'deadletter_write_failed' });
      if (this.#stream === stream) {
        this.#stream = undefined;
        stream.destroy();
        process.emitWarning(`meshlog: cannot write dead letters to ${this.path}: ${err.message}`);
      }
    });
  }

  redactWith(owner: string, redactor: DeadLetterRedactor): void {
    this.#redactions.set(owner, redactor);
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
  readonly #redactions = new Redactions();
  write(entry: DeadLetterInput): void {
    this.entries.push(this.#redactions.apply(toDeadLetter(entry)));
  }
  redactWith(owner: string, redactor: DeadLetterRedactor): void {
    this.#redactions.set(owner, redactor);
  }
  async close(): Promise<void> {}
}
