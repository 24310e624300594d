/** Helpers for decoded protobuf objects (protobufjs `toObject` shape) and OTLP JSON alike. */

type Long = { low: number; high: number; unsigned?: boolean; toString(): string };

/** A protobuf integer as a JS number (protobufjs gives number, string or Long). */
export function num(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return v === '' ? null : Number(v);
  if (typeof v === 'object' && 'low' in (v as object)) return Number((v as Long).toString());
  return null;
}

/** google.protobuf.Timestamp → epoch ms. */
export function timestampMs(t: { seconds?: unknown; nanos?: number } | null | undefined): number | null {
  if (!t) return null;
  return (num(t.seconds) ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

/** google.protobuf.Duration → ms (rounded down, as Envoy's %DURATION% is). */
export function durationMs(d: { seconds?: unknown; nanos?: number } | null | undefined): number | null {
  if (!d) return null;
  return (num(d.seconds) ?? 0) * 1000 + Math.floor((d.nanos ?? 0) / 1e6);
}

/** Trace and span ids as lowercase hex, from bytes (protobuf) or hex/base64 strings (OTLP JSON). */
export function idHex(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Uint8Array) return v.length === 0 ? null : Buffer.from(v).toString('hex');
  if (typeof v !== 'string' || v === '') return null;
  if (/^[0-9a-fA-F]+$/.test(v) && (v.length === 16 || v.length === 32)) return v.toLowerCase();
  const b = Buffer.from(v, 'base64');
  return b.length === 0 ? null : b.toString('hex');
}

/** Deepest AnyValue nesting rendered; deeper values become this marker (a request cannot exhaust the stack). */
const MAX_ANY_DEPTH = 32;
const TOO_DEEP = '[nested too deep]';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * An OTLP AnyValue as a plain value (strings, numbers, booleans; arrays and maps as JSON). A value
 * of the wrong shape (OTLP/JSON from a sender that got it wrong) is null, never an exception.
 */
export function anyValue(v: unknown, depth = 0): string | number | boolean | null {
  if (!isObject(v)) return null;
  if (depth > MAX_ANY_DEPTH) return TOO_DEEP;
  if ('stringValue' in v) return typeof v.stringValue === 'string' ? v.stringValue : null;
  if ('intValue' in v) return num(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('boolValue' in v) return Boolean(v.boolValue);
  if ('bytesValue' in v) {
    const b = v.bytesValue;
    return typeof b === 'string' ? b : b instanceof Uint8Array ? Buffer.from(b).toString('base64') : null;
  }
  if ('arrayValue' in v) {
    const values = isObject(v.arrayValue) ? v.arrayValue.values : undefined;
    return JSON.stringify((Array.isArray(values) ? values : []).map((x) => anyValue(x, depth + 1)));
  }
  if ('kvlistValue' in v) {
    const values = isObject(v.kvlistValue) ? v.kvlistValue.values : undefined;
    return JSON.stringify(attributes(Array.isArray(values) ? (values as KeyValue[]) : [], depth + 1));
  }
  return null;
}

export interface KeyValue {
  key: string;
  value?: Record<string, unknown>;
}

/** OTLP attributes flattened to a map. */
export function attributes(kvs: KeyValue[] | null | undefined, depth = 0): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  if (!Array.isArray(kvs)) return out;
  for (const kv of kvs) {
    if (!isObject(kv) || typeof kv.key !== 'string') continue;
    const v = anyValue(kv.value, depth);
    if (v !== null) out[kv.key] = v;
  }
  return out;
}
