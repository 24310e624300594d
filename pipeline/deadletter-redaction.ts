import { createHmac, randomBytes } from 'node:crypto';

/** A payload as the dead-letter sink may keep it. */
export interface ScrubbedPayload {
  payload: string;
  /** `fields`: the values of redacted keys were replaced; `hashed`: only a keyed hash of the whole payload is kept. */
  redacted?: 'fields' | 'hashed';
}

export const REDACTED = '[redacted]';

/**
 * Keeps the clear value of a redacted header out of the dead letters. A rejected payload is kept
 * only where meshlog can tell where each header sits:
 * - a JSON object (an Istio JSON line, an OTLP/ALS body as JSON): the value of every key named like
 *   a redacted header (any case, any depth, also `"x-user-id=…"`-style `key=value` text) is replaced;
 * - anything else (a text line of unknown layout, a binary body): a keyed HMAC-SHA256 of the whole
 *   payload is kept instead of it, with its length, so the same bad line can still be recognised.
 * The hash key is the labels HMAC key when there is one, else a random key of this process.
 */
export class DeadLetterRedactor {
  readonly #headers: Set<string>;
  readonly #key: Buffer;
  readonly #keyValue: RegExp;

  constructor(headers: readonly string[], key: Buffer = randomBytes(32)) {
    if (headers.length === 0) throw new RangeError('a dead-letter redactor needs at least one header');
    this.#headers = new Set(headers.map((h) => h.toLowerCase()));
    this.#key = key;
    const names = [...this.#headers].map((h) => h.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
    this.#keyValue = new RegExp(`((?:^|[\\s,;{])(?:${names})\\s*[=:]\\s*)("[^"]*"|[^\\s,;}]*)`, 'gi');
  }

  scrub(payload: string): ScrubbedPayload {
    const trimmed = payload.trimStart();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      try {
        const value = JSON.parse(payload) as unknown;
        return { payload: JSON.stringify(this.#scrubValue(value)), redacted: 'fields' };
      } catch {
        // not JSON after all: hashed below
      }
    }
    const hash = createHmac('sha256', this.#key).update(payload).digest('hex');
    return { payload: `hmac-sha256:${hash} (${Buffer.byteLength(payload)} bytes)`, redacted: 'hashed' };
  }

  #scrubValue(v: unknown): unknown {
    if (Array.isArray(v)) return v.map((x) => this.#scrubValue(x));
    if (typeof v === 'string') return v.replace(this.#keyValue, (_m, k: string) => `${k}${REDACTED}`);
    if (!v || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = this.#isHeader(k) ? REDACTED : this.#scrubValue(x);
    return out;
  }

  /** `x-user-id`, `X-User-Id`, `http.request.header.x-user-id`, `envoy.extra.req.x-user-id`, `:x-user-id`. */
  #isHeader(key: string): boolean {
    const k = key.toLowerCase();
    if (this.#headers.has(k)) return true;
    const last = k.slice(Math.max(k.lastIndexOf('.'), k.lastIndexOf(':')) + 1);
    return this.#headers.has(last);
  }
}
