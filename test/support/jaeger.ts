import { serviceScript } from '../setup/services.ts';

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: Array<{ refType: string; spanID: string }>;
  tags: Array<{ key: string; value: unknown }>;
  processID: string;
}
export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

export const tag = (s: JaegerSpan, key: string) => s.tags.find((t) => t.key === key)?.value;

/** Polls /api/traces/{id} until it has at least `spans` spans (or the time runs out). */
export async function waitForTrace(
  queryUrl: string,
  traceId: string,
  spans: number,
  ms = 15_000,
): Promise<JaegerTrace | undefined> {
  const end = Date.now() + ms;
  let last: JaegerTrace | undefined;
  while (Date.now() < end) {
    const res = await fetch(`${queryUrl}/api/traces/${traceId}`).catch(() => undefined);
    if (res?.ok) {
      last = ((await res.json()) as { data: JaegerTrace[] }).data[0];
      if (last && last.spans.length >= spans) return last;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return last;
}

/** A Jaeger with on-disk (Badger) storage on ports 17680.. that the fault test may stop and restart. */
export const CHAOS = { query: 'http://127.0.0.1:17680', otlpGrpc: '127.0.0.1:17681' };

export const jaegerChaos = (action: 'start' | 'stop') =>
  serviceScript('jaeger', action, {
    MESHLOG_JAEGER_INSTANCE: 'jaeger-chaos',
    MESHLOG_JAEGER_STORAGE: 'badger',
    MESHLOG_JAEGER_PORT_BASE: '17680',
  });
