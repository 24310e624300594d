import { CANONICAL, type CanonicalField, type Fields } from '../fields.ts';
import { assign, tokenize } from './compile.ts';
import type { Operator } from './operators.ts';

/**
 * Envoy's own JSON key names, as Envoy Gateway (and other distributions) log them, mapped to the
 * canonical (Istio) names. Istio keys win when a line has both.
 */
export const ENVOY_KEY_ALIASES: Readonly<Record<string, CanonicalField>> = {
  'x-envoy-origin-path': 'path',
  ':path': 'path',
  'user-agent': 'user_agent',
  'x-request-id': 'request_id',
  ':authority': 'authority',
  'x-forwarded-for': 'x_forwarded_for',
  'x-envoy-upstream-service-time': 'upstream_service_time',
  ':method': 'method',
};

/**
 * Reads JSON access-log lines. Values may be all strings with `"-"` for unset (Istio ≤ 1.7, and
 * JSON-shaped TEXT formats) or typed with `null` (Istio ≥ 1.8); key order never matters.
 * With a JSON format string (`{"code":"%RESPONSE_CODE%",…}`) keys map through their operators;
 * without one, Istio's default keys are the canonical names and every other key is kept as an extra.
 */
export class JsonFormat {
  readonly #byKey: Map<string, Operator> | undefined;

  constructor(jsonFormat?: string) {
    if (jsonFormat === undefined) return;
    const template = JSON.parse(jsonFormat) as Record<string, unknown>;
    this.#byKey = new Map();
    for (const [key, value] of Object.entries(template)) {
      if (typeof value !== 'string') continue;
      const parts = tokenize(value);
      if (parts.length === 1 && 'op' in parts[0]) this.#byKey.set(key, parts[0].op);
    }
  }

  /** Maps a parsed JSON object to canonical fields. */
  fields(obj: Record<string, unknown>): Fields {
    const fields: Fields = {};
    for (const key in obj) {
      const value = obj[key];
      const op = this.#byKey?.get(key);
      if (op) {
        assign(fields, op, scalar(value));
      } else if (!this.#byKey && CANONICAL.has(key)) {
        const v = scalar(value);
        fields[key as CanonicalField] = v === '-' || v === '' ? null : v;
      } else if (!this.#byKey && key in ENVOY_KEY_ALIASES) {
        const name = ENVOY_KEY_ALIASES[key];
        const v = scalar(value);
        if (fields[name] == null && !(name in obj)) fields[name] = v === '-' || v === '' ? null : v;
      } else {
        (fields.extras ??= {})[key] = value;
      }
    }
    return fields;
  }
}

function scalar(v: unknown): string | number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string') return v;
  return JSON.stringify(v);
}
