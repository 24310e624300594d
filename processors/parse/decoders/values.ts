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

/** An OTLP AnyValue as a plain value (strings, numbers, booleans; arrays and maps as JSON). */
export function anyValue(v: Record<string, unknown> | null | undefined): string | number | boolean | null {
  if (!v) return null;
  if ('stringValue' in v) return v.stringValue as string;
  if ('intValue' in v) return num(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('boolValue' in v) return Boolean(v.boolValue);
  if ('bytesValue' in v)
    return typeof v.bytesValue === 'string' ? v.bytesValue : Buffer.from(v.bytesValue as Uint8Array).toString('base64');
  if ('arrayValue' in v)
    return JSON.stringify(((v.arrayValue as { values?: Record<string, unknown>[] }).values ?? []).map(anyValue));
  if ('kvlistValue' in v) return JSON.stringify(attributes((v.kvlistValue as { values?: KeyValue[] }).values));
  return null;
}

export interface KeyValue {
  key: string;
  value?: Record<string, unknown>;
}

/** OTLP attributes flattened to a map. */
export function attributes(kvs: KeyValue[] | null | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const kv of kvs ?? []) {
    const v = anyValue(kv.value);
    if (v !== null) out[kv.key] = v;
  }
  return out;
}
