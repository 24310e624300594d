import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TELEMETRYGEN } from '../support/cache.ts';
import { startMeshlog, type MeshlogProcess } from '../support/meshlog-process.ts';

const run = promisify(execFile);
let meshlog: MeshlogProcess;

beforeAll(async () => {
  meshlog = await startMeshlog(
    `
receivers:
  otlp: { grpc: { endpoint: 127.0.0.1:34317 }, http: { endpoint: 127.0.0.1:34318 } }
processors:
  parse: {}
exporters:
  file: { path: $DIR/spans.ndjson }
service:
  pipelines:
    traces: { receivers: [otlp], processors: [parse], exporters: [file] }`,
    38686,
  );
});
afterAll(async () => {
  expect(await meshlog.stop()).toBe(0);
});

function spansWritten(service: string): Array<Record<string, unknown>> {
  let text: string;
  try {
    text = readFileSync(`${meshlog.dir}/spans.ndjson`, 'utf8');
  } catch {
    return [];
  }
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((s) => s['service.name'] === service);
}

async function waitForSpans(service: string, n: number) {
  for (let i = 0; i < 100 && spansWritten(service).length < n; i++) await new Promise((r) => setTimeout(r, 100));
  return spansWritten(service);
}

describe('telemetrygen (OpenTelemetry Collector contrib) → meshlog OTLP receiver', () => {
  it.each([
    ['gRPC', ['--otlp-endpoint', '127.0.0.1:34317']],
    ['HTTP/protobuf', ['--otlp-http', '--otlp-endpoint', '127.0.0.1:34318']],
  ])('%s: every span arrives once', async (name, args) => {
    const service = `tg-${name.replace(/\W/g, '').toLowerCase()}`;
    await run(TELEMETRYGEN, [
      'traces',
      ...args,
      '--otlp-insecure',
      '--traces',
      '25',
      '--rate',
      '0',
      '--service',
      service,
    ]);
    const spans = await waitForSpans(service, 50);
    // telemetrygen sends a parent and a child span per trace.
    expect(spans).toHaveLength(50);
    expect(new Set(spans.map((s) => s['span.id'])).size).toBe(50);
    expect(new Set(spans.map((s) => s['trace.id'])).size).toBe(25);
    expect(spans.every((s) => /^[0-9a-f]{32}$/.test(String(s['trace.id'])))).toBe(true);
  });
});
