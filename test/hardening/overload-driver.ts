import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMeshlog } from '../support/meshlog-process.ts';

/**
 * Drives a real `meshlog run` (parse → join → file) past what it can take and checks what a
 * sender would notice: every request is answered 200 (accepted) or 429/503 (retry), and every
 * line answered 200 ends up in the output file. Used by test/hardening/overload.test.ts (short)
 * and bench/overload.bench.ts (60 s).
 */
export interface OverloadOptions {
  /** Base of four ports: admin, http_lines, and two spare. */
  basePort: number;
  memoryLimitMiB: number;
  /** How long the single sender measures the sustainable rate. */
  calibrateMs: number;
  /** How long the overload lasts. */
  loadMs: number;
  /** Offered load as a multiple of the sustainable rate. */
  factor: number;
  senders: number;
  linesPerRequest: number;
  /** The join's hard bound on buffered requests, sized for the memory limit. */
  joinMaxPending: number;
}

export interface OverloadResult {
  sustainableLinesPerSec: number;
  offeredLinesPerSec: number;
  requests: number;
  accepted: number;
  refused: number;
  /** Requests answered anything but 200, 429 or 503, or not answered at all. */
  otherAnswers: number;
  acceptedLines: number;
  /** Lines answered 200 whose request id is not in the output file. */
  lostLines: number;
  peakRssMiB: number;
  limitMiB: number;
  refusedByReason: Record<string, number>;
}

const line = (id: string) =>
  `[${new Date().toISOString()}] "GET /reviews/1 HTTP/1.1" 200 - via_upstream - "-" 0 295 4 3 "-" "load/1" "${id}" "reviews:9080" "10.244.1.7:9080" outbound|9080|v2|reviews.default.svc.cluster.local 10.244.0.5:40000 10.96.1.1:9080 10.244.0.5:39000 - default`;

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

export async function runOverload(o: OverloadOptions): Promise<OverloadResult> {
  const [admin, http] = [o.basePort, o.basePort + 1];
  const meshlog = await startMeshlog(
    `
receivers:
  http_lines: { endpoint: 127.0.0.1:${http}, offerTimeoutMs: 200 }
processors:
  parse: {}
  join: { maxPending: ${o.joinMaxPending} }
exporters:
  file: { path: $DIR/out.ndjson }
service:
  memoryLimitMiB: ${o.memoryLimitMiB}
  workers: { threads: 1 }
  pipelines:
    all: { receivers: [http_lines], processors: [parse, join], exporters: [file] }`,
    admin,
  );
  const pid = meshlog.child.pid!;
  let peak = rssMiB(pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 100);
  const url = `http://127.0.0.1:${http}/v1/lines`;
  const acceptedIds: string[][] = [];
  const answers = new Map<string, number>();
  let seq = 0;
  const send = async (): Promise<number> => {
    const ids = Array.from({ length: o.linesPerRequest }, () => `load-${++seq}`);
    let status: string;
    try {
      const res = await fetch(url, { method: 'POST', body: ids.map(line).join('\n') });
      const body = (await res.json()) as { error?: string };
      status = res.status === 200 ? '200' : `${res.status} ${body.error ?? ''}`.trim();
      if (res.status === 200) acceptedIds.push(ids);
    } catch (err) {
      status = `no answer: ${(err as Error).message}`;
    }
    answers.set(status, (answers.get(status) ?? 0) + 1);
    return status === '200' ? ids.length : 0;
  };

  // Calibration: one sender, one request at a time, is what meshlog sustains without queueing.
  const t0 = Date.now();
  let calibrated = 0;
  while (Date.now() - t0 < o.calibrateMs) calibrated += await send();
  const sustainable = (calibrated * 1000) / (Date.now() - t0);

  // Overload: each sender fires requests on a fixed schedule (open loop) at its share of
  // factor × sustainable, whatever the answers, with at most 64 requests in flight per sender.
  const offered = sustainable * o.factor;
  const intervalMs = (o.senders * o.linesPerRequest * 1000) / offered;
  const end = Date.now() + o.loadMs;
  await Promise.all(
    Array.from({ length: o.senders }, async () => {
      const inflight = new Set<Promise<number>>();
      let next = Date.now();
      while (Date.now() < end) {
        if (inflight.size >= 64) await Promise.race(inflight);
        const p: Promise<number> = send().finally(() => inflight.delete(p));
        inflight.add(p);
        next += intervalMs;
        await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
      }
      await Promise.all(inflight);
    }),
  );
  clearInterval(sampler);
  peak = Math.max(peak, rssMiB(pid));
  await meshlog.stop(); // drains: the join flushes what it holds

  const out = new Set<string>();
  for (const l of readFileSync(join(meshlog.dir, 'out.ndjson'), 'utf8').split('\n')) {
    if (l) out.add((JSON.parse(l) as { 'http.request.id': string })['http.request.id']);
  }
  const flat = acceptedIds.flat();
  const refusedByReason: Record<string, number> = {};
  let accepted = 0;
  let refused = 0;
  let other = 0;
  for (const [status, n] of answers) {
    if (status === '200') accepted += n;
    else if (status.startsWith('429') || status.startsWith('503')) {
      refused += n;
      refusedByReason[status] = n;
    } else other += n;
  }
  return {
    sustainableLinesPerSec: Math.round(sustainable),
    offeredLinesPerSec: Math.round(offered),
    requests: accepted + refused + other,
    accepted,
    refused,
    otherAnswers: other,
    acceptedLines: flat.length,
    lostLines: flat.filter((id) => !out.has(id)).length,
    peakRssMiB: Math.round(peak),
    limitMiB: o.memoryLimitMiB,
    refusedByReason,
  };
}
