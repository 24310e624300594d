import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseChunk } from './chunk.ts';
import { LineParser } from './line-parser.ts';
import type { ParseResult } from './task.ts';

const auto = new LineParser('auto');

// Istio ≤ 1.7: every value a string, unset "-", mixer status with escaped quotes.
const ISTIO_17 =
  '{"upstream_cluster":"outbound|9080||details.default.svc.cluster.local","downstream_remote_address":"10.1.1.5:41234","authority":"details:9080","path":"/details/0","protocol":"HTTP/1.1","upstream_service_time":"-","upstream_local_address":"-","duration":"0","upstream_transport_failure_reason":"-","route_name":"default","downstream_local_address":"10.96.0.20:9080","user_agent":"curl/7.64.0","response_code":"503","response_flags":"UH","start_time":"2020-08-01T10:00:00.000Z","method":"GET","request_id":"5b9d6f5e-1f2a-4b8c-9d0e-123456789abc","upstream_host":"-","x_forwarded_for":"-","requested_server_name":"-","bytes_received":"0","istio_policy_status":"\\"UNAVAILABLE:no healthy upstream\\"","bytes_sent":"19"}';
// Istio ≥ 1.8: numbers typed, unset null, keys in another order, plus a key Istio does not have.
const ISTIO_19 =
  '{"bytes_sent":19,"start_time":"2023-03-01T10:00:00.000Z","method":"GET","path":"/details/0","protocol":"HTTP/1.1","response_code":503,"response_flags":"UH","response_code_details":"no_healthy_upstream","connection_termination_details":null,"upstream_transport_failure_reason":null,"bytes_received":0,"duration":0,"upstream_service_time":null,"x_forwarded_for":null,"user_agent":"curl/7.64.0","request_id":"5b9d6f5e-1f2a-4b8c-9d0e-123456789abc","authority":"details:9080","upstream_host":null,"upstream_cluster":"outbound|9080||details.default.svc.cluster.local","upstream_local_address":null,"downstream_local_address":"10.96.0.20:9080","downstream_remote_address":"10.1.1.5:41234","requested_server_name":null,"route_name":"default","x_tenant":"acme"}';

describe('Istio JSON, both typings', () => {
  it('reads all-string JSON (≤ 1.7) and typed JSON (≥ 1.8) to the same record', () => {
    const a = auto.parse(ISTIO_17);
    const b = auto.parse(ISTIO_19);
    if (!a.ok || !b.ok) throw new Error('rejected');
    const common = {
      'envoy.format': 'istio-json',
      'http.response.status_code': 503,
      'envoy.response_flags': ['UH'],
      'event.duration': 0,
      'http.response.bytes': 19,
      'http.request.bytes': 0,
      'envoy.upstream_service_time': null,
      'envoy.upstream.host': null,
      'mesh.error_class': 'mesh',
      'mesh.direction': 'outbound',
      'mesh.destination.service': 'details',
      'source.ip': '10.1.1.5',
    };
    expect(a.record).toMatchObject(common);
    expect(b.record).toMatchObject(common);
    expect(b.record['envoy.response_code_details']).toBe('no_healthy_upstream');
    expect(b.record['envoy.extra.x_tenant']).toBe('acme'); // extra keys are kept
  });

  it('parses the 92 real lines (testdata, from shared/realdata), rejecting line 10 with the JSON error', () => {
    const data = readFileSync(new URL('./testdata/istio-json-customformat-ssup2.ndjson', import.meta.url));
    const out: ParseResult = { records: [], rejections: [] };
    parseChunk({ encoding: 'lines', data, receiver: 't' }, { format: 'auto', maxLineBytes: 65536 }, out);
    expect(out.records).toHaveLength(91);
    expect(out.rejections).toHaveLength(1);
    expect(out.rejections[0]).toMatchObject({ line: 10, code: 'MESHLOG_PARSE_FAILED' });
    expect(out.rejections[0].reason).toMatch(/^invalid JSON: Expected ',' or '}' after property value/);
    // Values the source shows: flags, classes and the shared request ids between client and server.
    const flags = new Set(out.records.flatMap((r) => r['envoy.response_flags']));
    for (const f of ['DC', 'DR', 'UC', 'UR', 'UPE', 'UO', 'UH', 'UT', 'URX', 'UF']) expect(flags).toContain(f);
    expect(out.records.every((r) => !Object.values(r).includes('-'))).toBe(true);
    const dc = out.records.find((r) => r['envoy.response_flags'].includes('DC'))!;
    expect(dc['mesh.error_class']).toBe('client_abort');
    const grpc = out.records.find((r) => r['url.path']?.startsWith('/mock.MockService/'))!;
    expect(grpc['network.protocol']).toBe('HTTP/2');
    const ids = new Map<string, Set<string>>();
    for (const r of out.records)
      ids.set(r['http.request.id']!, (ids.get(r['http.request.id']!) ?? new Set()).add(r['mesh.direction']));
    expect([...ids.values()].some((d) => d.has('inbound') && d.has('outbound'))).toBe(true);
  });

  it('maps a JSON format string through its operators', () => {
    const p = new LineParser(
      'envoy:{"ts":"%START_TIME%","code":"%RESPONSE_CODE%","rid":"%REQ(X-REQUEST-ID)%","tenant":"%REQ(X-TENANT)%","cl":"%UPSTREAM_CLUSTER%"}',
    );
    const r = p.parse(
      '{"code":500,"ts":"2024-01-01T00:00:00Z","rid":"r-9","tenant":"acme","cl":"outbound|80||shop.web.svc.cluster.local"}',
    );
    expect(r).toMatchObject({
      ok: true,
      record: {
        'envoy.format': 'envoy-json',
        'http.response.status_code': 500,
        'http.request.id': 'r-9',
        'envoy.extra.req.x-tenant': 'acme',
        'mesh.error_class': 'app',
        'mesh.destination.namespace': 'web',
      },
    });
  });

  it.each([
    ['invalid JSON', '{"start_time": "2024-01-01T00:00:00Z", "method"', 'invalid JSON'],
    ['a JSON array', '[1,2]', 'does not match'],
    [
      'a status that is not a number',
      '{"start_time":"2024-01-01T00:00:00Z","response_code":"abc"}',
      'response_code is not an integer: "abc"',
    ],
    ['no start time', '{"response_code":200}', 'start_time is missing'],
  ])('rejects %s with a reason', (_n, line, reason) => {
    const r = auto.parse(line);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(reason);
  });
});
