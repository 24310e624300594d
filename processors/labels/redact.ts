import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { LabelsConfig } from './config.ts';

export type Redaction = LabelsConfig['headers'][number]['redact'];

export const MASK = '********';

/** Reads the HMAC key once, naming where it looked when it is missing or empty. */
export function loadHmacKey(source: LabelsConfig['hmacKey'], env = process.env): Buffer {
  if (!source) throw new Error('labels.hmacKey is required for redact: hmac');
  const key = 'env' in source ? env[source.env] : readFileSync(source.file, 'utf8').trim();
  if (!key)
    throw new Error(
      'env' in source
        ? `labels.hmacKey: environment variable ${source.env} is not set or empty`
        : `labels.hmacKey: ${source.file} is empty`,
    );
  return Buffer.from(key, 'utf8');
}

/**
 * Applies one redaction to a value. HMAC pseudonyms are cached (bounded), since the same user
 * or tenant appears on request after request.
 */
export class Redactor {
  readonly #key: Buffer | undefined;
  readonly #cache = new Map<string, string>();

  constructor(key: Buffer | undefined) {
    this.#key = key;
  }

  apply(mode: Redaction, value: string): string | undefined {
    switch (mode) {
      case 'none':
        return value;
      case 'drop':
        return undefined;
      case 'mask':
        return MASK;
      case 'hmac': {
        let v = this.#cache.get(value);
        if (v === undefined) {
          v = createHmac('sha256', this.#key!).update(value).digest('hex').slice(0, 32);
          if (this.#cache.size >= 50_000) this.#cache.delete(this.#cache.keys().next().value!);
          this.#cache.set(value, v);
        }
        return v;
      }
    }
  }
}
