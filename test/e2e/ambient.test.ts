import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';

/**
 * Ambient mode end to end through the real CLI: `meshlog parse` on a file mixing ztunnel, waypoint,
 * Envoy Gateway and sidecar lines; `meshlog analyze` judging a canary from waypoint traffic alone;
 * and a running `meshlog run` that dead-letters records stamped far from its clock.
 */

const BIN = fileURLToPath(new URL('../../pipeline/cli/bin.mjs', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../../processors/parse/testdata/ambient-mixed.log', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'meshlog-ambient-'));
/** This file's ports (40000-40999 belong to the ambient tests). */
const LINES_PORT = 40088;
const ADMIN_PORT = 40686;

/** One waypoint line (Istio 1.23 text format) per request to `reviews`, served by the pod at `podIp`. */
function waypointLines(opts: { podIp: string; requests: number; errorRate: number; startMs: number; seed: number }) {
  let a = opts.seed;
  const rnd = () => (a = (a * 1103515245 + 12345) % 2147483648) / 2147483648;
  const out: string[] = [];
  for (let i = 0; i < opts.requests; i++) {
    const t = new Date(opts.startMs + i * 50).toISOString();
    const failed = rnd() < opts.errorRate;
    const latency = 10 + Math.floor(rnd() * 20);
    const id = `${opts.seed}-${i}-0000-9000-a000-000000000000`;
    out.push(
      `[${t}] "GET /reviews/${i % 7} HTTP/1.1" ${failed ? '503 - via_upstream' : '200 - via_upstream'} - "-" 0 295 ${latency} ${latency} "-" "python-requests/2.31" "${id}" "reviews:9080" "envoy://connect_originate/${opts.podIp}:9080" inbound-vip|9080|http|reviews.default.svc.cluster.local envoy://internal_client_address/ 10.96.7.7:9080 10.244.0.20:${40000 + i} - default`,
    );
  }
  return out;
}

/** What the destination's ztunnel logs for the waypoint's HBONE connection to a pod. */
const ztunnelLine = (podIp: string, pod: string, time: string) =>
  `${time}\tinfo\taccess\tconnection complete\tsrc.addr=10.244.0.50:40000 src.workload="waypoint-5b7c9d-x2x9q" src.namespace="default" dst.addr=${podIp}:15008 dst.hbone_addr=${podIp}:9080 dst.service="reviews.default.svc.cluster.local" dst.workload="${pod}" dst.namespace="default" direction="inbound" bytes_sent=1000 bytes_recv=9000 duration="60000ms"`;

describe('ambient mode through the CLI', () => {
  it('meshlog parse --format auto reads every line of the mixed file with its named fields', () => {
    const r = run('parse', '--format', 'auto', FIXTURE);
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stderr.trim().split('\n').at(-1)!).summary;
    const lines = readFileSync(FIXTURE, 'utf8').trim().split('\n').length;
    expect(summary).toMatchObject({ accepted: lines, rejected: 0 });
    const recs = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(recs.find((x) => x['error.type'] === 'policy_denied')).toMatchObject({
      'mesh.reporter': 'ztunnel',
      'mesh.source.identity': 'spiffe://cluster.local/ns/starfleet/sa/shuttle',
      'mesh.destination.service': 'cargo',
      'mesh.destination.namespace': 'starfleet',
      'mesh.error_class': 'no_route',
    });
    expect(recs.find((x) => x['http.request.id'] === 'e7d5b6ce-5f7f-9731-8471-ca5bcd650a72')).toMatchObject({
      'mesh.reporter': 'waypoint',
      'mesh.destination.service': 'details',
      'mesh.destination.namespace': 'bookinfo',
      'envoy.upstream.host': '10.129.0.43:9080',
      // the fixture's ztunnel line for this pod names its workload
      'mesh.destination.workload': 'details-v1',
      'mesh.destination.subset': 'v1',
    });
    expect(recs.find((x) => x['envoy.upstream.cluster'] === 'outbound|443||www.example.com')).toMatchObject({
      'mesh.destination.service': 'www.example.com',
      'mesh.destination.external': true,
    });
    expect(recs.find((x) => x['envoy.format'] === 'envoy-json')).toMatchObject({
      'url.path': '/ratings/0',
      'http.request.id': '839bb7b2-af76-496c-9760-b90f118f191c',
      'mesh.destination.service': 'ratings',
    });
  });

  it('meshlog analyze judges a canary from waypoint lines, its subsets named by the workloads ztunnel reports', () => {
    const t0 = Date.parse('2024-03-01T10:00:00.000Z');
    const file = (name: string, canaryErrors: number) => {
      const path = join(dir, name);
      writeFileSync(
        path,
        [
          ztunnelLine('10.244.1.11', 'reviews-v1-5b64f47978-q5s9x', '2024-03-01T09:59:00.000000Z'),
          ztunnelLine('10.244.1.12', 'reviews-v2-7d8e9f0a1b-k2l3m', '2024-03-01T09:59:00.000000Z'),
          ...waypointLines({ podIp: '10.244.1.11', requests: 2000, errorRate: 0.01, startMs: t0, seed: 7 }),
          ...waypointLines({ podIp: '10.244.1.12', requests: 2000, errorRate: canaryErrors, startMs: t0, seed: 7 }),
        ].join('\n') + '\n',
      );
      return path;
    };
    const judge = (path: string) => {
      const r = run(
        'analyze',
        '--logs',
        path,
        '--namespace',
        'default',
        '--service',
        'reviews',
        '--canary',
        'v2',
        '--baseline',
        'v1',
      );
      expect(r.status).toBe(0);
      return JSON.parse(r.stdout);
    };
    const bad = judge(file('bad-canary.log', 0.15));
    expect(bad).toMatchObject({ verdict: 'fail', service: 'reviews', canary: 'v2', baseline: 'v1' });
    expect(bad.metrics.find((m: { name: string }) => m.name === 'error_rate')).toMatchObject({ result: 'fail' });
    const good = judge(file('good-canary.log', 0.01));
    expect(good.verdict).toBe('pass');
  });

  it('a running meshlog dead-letters records stamped far from its clock, and counts them', async () => {
    const config = join(dir, 'run.yaml');
    writeFileSync(
      config,
      `
receivers:
  http_lines: { endpoint: 127.0.0.1:${LINES_PORT} }
processors:
  parse: {}
exporters:
  file: { path: ${dir}/out.ndjson }
service:
  admin: { endpoint: 127.0.0.1:${ADMIN_PORT} }
  deadLetter: { path: ${dir}/dead.ndjson }
  logLevel: warn
  pipelines:
    logs: { receivers: [http_lines], processors: [parse], exporters: [file] }
`,
    );
    const child = spawn(process.execPath, [BIN, 'run', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    onTestFinished(() => void child.kill('SIGKILL')); // never leave a meshlog behind a failed assert
    let ready = false;
    for (let i = 0; i < 150 && !ready; i++) {
      ready = await fetch(`http://127.0.0.1:${ADMIN_PORT}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (!ready) await new Promise((r) => setTimeout(r, 100));
    }
    expect(ready).toBe(true);
    const fixture = readFileSync(FIXTURE, 'utf8').trim().split('\n');
    const fresh = waypointLines({ podIp: '10.244.1.11', requests: 1, errorRate: 0, startMs: Date.now(), seed: 3 });
    const posted = await fetch(`http://127.0.0.1:${LINES_PORT}/v1/lines`, {
      method: 'POST',
      body: [...fixture, ...fresh].join('\n') + '\n',
    });
    expect(posted.status).toBeLessThan(300);
    // The receiver answers once the batch is queued; wait until the parse processor has counted it.
    const counted = new RegExp(
      `^meshlog_rejected_total\\{component="logs/parse",reason="MESHLOG_CLOCK_SKEW"\\} ${fixture.length}$`,
      'm',
    );
    let metrics = '';
    for (let i = 0; i < 100 && !counted.test(metrics); i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      metrics = await (await fetch(`http://127.0.0.1:${ADMIN_PORT}/metrics`)).text();
    }
    expect(metrics.split('\n').filter((l) => l.startsWith('meshlog_rejected_total'))).toEqual([
      `meshlog_rejected_total{component="logs/parse",reason="MESHLOG_CLOCK_SKEW"} ${fixture.length}`,
    ]);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const out = readFileSync(join(dir, 'out.ndjson'), 'utf8').trim().split('\n');
    expect(out.map((l) => JSON.parse(l)['mesh.reporter'])).toEqual(['waypoint']);
    const dead = readFileSync(join(dir, 'dead.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(dead).toHaveLength(fixture.length);
    expect(dead[0]).toMatchObject({ code: 'MESHLOG_CLOCK_SKEW' });
    expect(dead[0].reason).toMatch(/^event time 20\d\d-.* ms from the wall clock \(limit 600000 ms\)$/);
  });
});
