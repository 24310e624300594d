import { describe, expect, it } from 'vitest';
import { parseChunk } from './chunk.ts';
import type { ParseResult } from './task.ts';

const LINE =
  '[2020-11-25T21:26:18.409Z] "GET /status/418 HTTP/1.1" 418 - via_upstream - "-" 0 135 4 4 "-" "curl/7.73.0-DEV" "84961386-6d84-929d-98bd-c5aee93b5c88" "httpbin:8000" "10.44.1.27:80" outbound|8000||httpbin.foo.svc.cluster.local 10.44.1.23:37652 10.0.45.184:8000 10.44.1.23:46520 - default';

function run(text: string | Uint8Array, maxLineBytes = 65536): ParseResult {
  const out: ParseResult = { records: [], rejections: [] };
  const data = typeof text === 'string' ? Buffer.from(text) : text;
  parseChunk({ encoding: 'lines', data, receiver: 't' }, { format: 'auto', maxLineBytes }, out);
  return out;
}

describe('collector prefixes', () => {
  it.each([
    ['CRI', `2024-05-01T10:00:00.123456789Z stdout F ${LINE}`],
    ['kubectl --timestamps', `2024-05-01T10:00:00.123456789Z ${LINE}`],
    ['docker json-file', JSON.stringify({ log: `${LINE}\n`, stream: 'stdout', time: '2024-05-01T10:00:00.1Z' })],
    [
      'Fluent Bit record',
      JSON.stringify({
        date: 1714557600.1,
        log: LINE,
        kubernetes: { pod_name: 'reviews-v2-5b64f47978-q5s9x', namespace_name: 'default' },
      }),
    ],
  ])('%s', (_n, wrapped) => {
    const out = run(wrapped);
    expect(out.rejections).toEqual([]);
    expect(out.records[0]).toMatchObject({
      'http.request.id': '84961386-6d84-929d-98bd-c5aee93b5c88',
      'http.response.status_code': 418,
    });
  });

  it('takes the source workload from Fluent Bit kubernetes metadata', () => {
    const out = run(
      JSON.stringify({ log: LINE, kubernetes: { pod_name: 'reviews-v2-5b64f47978-q5s9x', namespace_name: 'shop' } }),
    );
    expect(out.records[0]).toMatchObject({ 'mesh.source.workload': 'reviews-v2', 'mesh.source.namespace': 'shop' });
  });

  it('takes an outbound hop logged by a gateway pod (Fluent Bit metadata) for a gateway hop', () => {
    const out = run(
      JSON.stringify({
        log: LINE,
        kubernetes: { pod_name: 'istio-ingressgateway-79788cd94-wgmsp', namespace_name: 'istio-system' },
      }),
    );
    expect(out.records[0]).toMatchObject({
      'mesh.direction': 'gateway',
      'mesh.source.workload': 'istio-ingressgateway',
    });
  });

  it('glues CRI partial lines back together', () => {
    const cut = 100;
    const text = `2024-05-01T10:00:00.1Z stdout P ${LINE.slice(0, cut)}\n2024-05-01T10:00:00.1Z stdout F ${LINE.slice(cut)}\n`;
    const out = run(text);
    expect(out.rejections).toEqual([]);
    expect(out.records).toHaveLength(1);
    expect(out.records[0]['envoy.upstream.cluster']).toBe('outbound|8000||httpbin.foo.svc.cluster.local');
  });
});

describe('bad input in a chunk', () => {
  it('rejects each bad line on its own and keeps the valid lines around it', () => {
    const bad = Buffer.from([0x5b, 0xff, 0xfe, 0x5d]); // not UTF-8
    const data = Buffer.concat([
      Buffer.from(`${LINE}\n`),
      bad,
      Buffer.from(`\n${LINE.slice(0, 50)}\n${'x'.repeat(300)}\n${LINE}\n`),
    ]);
    const out = run(data, 200);
    expect(out.records).toHaveLength(0); // LINE is longer than 200 bytes, so with this cap it is rejected too
    const reasons = out.rejections.map((r) => [r.line, r.code, r.reason.split(' (')[0]]);
    expect(reasons).toEqual([
      [1, 'MESHLOG_LINE_TOO_LONG', 'line exceeds 200 bytes'],
      [2, 'MESHLOG_PARSE_FAILED', 'line is not valid UTF-8'],
      [3, 'MESHLOG_PARSE_FAILED', 'does not match any Istio text format A–H'],
      [4, 'MESHLOG_LINE_TOO_LONG', 'line exceeds 200 bytes'],
      [5, 'MESHLOG_LINE_TOO_LONG', 'line exceeds 200 bytes'],
    ]);
    const kept = run(data);
    expect(kept.records).toHaveLength(2);
    expect(kept.rejections.map((r) => r.line)).toEqual([2, 3, 4]);
    expect(Buffer.from(kept.rejections[0].payload as Uint8Array)).toEqual(bad);
  });
});
