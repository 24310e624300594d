import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, inject, it } from 'vitest';

describe('Jaeger v2 smoke', () => {
  it('stores a span sent with the OTel JS OTLP exporter and serves it from /api/traces/{id}', async () => {
    const jaeger = inject('jaegerUrl');
    const otlp = process.env.MESHLOG_TEST_JAEGER_OTLP_URL ?? 'http://127.0.0.1:14318';
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'meshlog-smoke' }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${otlp}/v1/traces` }))],
    });
    const span = provider
      .getTracer('smoke')
      .startSpan('GET /reviews/1', { attributes: { 'guid:x-request-id': 'smoke-1' } });
    const traceId = span.spanContext().traceId;
    span.end();
    await provider.forceFlush();
    await provider.shutdown();

    let trace: {
      data?: Array<{ spans: Array<{ operationName: string; tags: Array<{ key: string; value: unknown }> }> }>;
    } = {};
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`${jaeger}/api/traces/${traceId}`);
      if (res.status === 200) {
        trace = (await res.json()) as typeof trace;
        if (trace.data?.length) break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(trace.data?.[0].spans).toHaveLength(1);
    expect(trace.data![0].spans[0].operationName).toBe('GET /reviews/1');
    expect(trace.data![0].spans[0].tags).toContainEqual(
      expect.objectContaining({ key: 'guid:x-request-id', value: 'smoke-1' }),
    );
  });
});
