import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccessRecord, RequestDoc } from '../../pipeline/records.ts';
import { LineParser } from '../parse/line-parser.ts';
import { joinConfig } from './config.ts';
import { JoinEngine } from './engine.ts';

const parser = new LineParser('auto');

interface Call {
  path: string;
  parentPath: string | null;
}

/**
 * A random request forest rendered as Istio access-log lines: every call is an outbound hop on
 * the caller's pod and an inbound hop on the callee's pod, with a consistent connection 4-tuple.
 * Each pod's clock is off by up to ±skew.
 */
function render(reqId: string, t0: number, shape: number[], skews: number[]) {
  const calls: Call[] = [];
  const parts: Array<{ rec: AccessRecord; trueTime: number }> = [];
  let port = 20000;
  const podIp = (i: number) => `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`;
  // shape[i] = index of the caller of call i (-1: the gateway/edge), always an earlier call.
  shape.forEach((callerIdx, i) => {
    const callerPod = callerIdx + 1; // pod 0 is the gateway
    const calleePod = i + 1;
    const path = `/call/n${i}`;
    calls.push({ path, parentPath: callerIdx === -1 ? null : `/call/n${callerIdx}` });
    const start = t0 + 10 * (i + 1);
    const remote = `${podIp(callerPod)}:${port++}`;
    const upLocal = `${podIp(callerPod)}:${port++}`;
    const svc = `svc${i}`;
    const mk = (t: number, pod: number, dir: 'out' | 'in', dur: number) => {
      const shown = new Date(t + skews[pod % skews.length]).toISOString();
      const line =
        dir === 'out'
          ? `[${shown}] "GET ${path} HTTP/1.1" 200 - via_upstream - "-" 0 10 ${dur} - "-" "ua" "${reqId}" "${svc}:80" "${podIp(calleePod)}:80" outbound|80||${svc}.ns.svc.cluster.local ${upLocal} 10.96.0.${i + 1}:80 ${remote} - -`
          : `[${shown}] "GET ${path} HTTP/1.1" 200 - via_upstream - "-" 0 10 ${dur} - "-" "ua" "${reqId}" "${svc}:80" "${podIp(calleePod)}:80" inbound|80|| 127.0.0.6:1 ${podIp(calleePod)}:80 ${upLocal} - default`;
      const r = parser.parse(line);
      if (!r.ok) throw new Error(r.reason);
      parts.push({ rec: r.record, trueTime: t + dur });
    };
    const depth = 100 - i; // callers outlive their callees
    mk(start, callerPod, 'out', depth);
    mk(start + 1, calleePod, 'in', depth - 2);
  });
  return { calls, parts };
}

// A forest: each call's caller is an earlier call or the edge.
const shapeArb = fc
  .integer({ min: 1, max: 6 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => fc.integer({ min: -1, max: i - 1 }))));
const requestArb = fc.record({
  t0: fc.integer({ min: 0, max: 30_000 }),
  shape: shapeArb,
  delays: fc.array(fc.integer({ min: 0, max: 1500 }), { minLength: 12, maxLength: 12 }),
  dup: fc.boolean(),
});
const skewArb = fc.array(fc.integer({ min: -500, max: 500 }), { minLength: 7, maxLength: 7 });

function stream(
  reqs: Array<{ t0: number; shape: number[]; delays: number[]; dup: boolean }>,
  skews: number[],
  lateMs = 0,
) {
  const base = Date.parse('2024-06-01T00:00:00.000Z');
  const expected = new Map<string, Call[]>();
  const arrivals: Array<{ at: number; rec: AccessRecord }> = [];
  reqs.forEach((r, k) => {
    const id = `req-${k}`;
    const { calls, parts } = render(id, base + r.t0, r.shape, skews);
    expected.set(id, calls);
    parts.forEach((p, j) => {
      const late = lateMs > 0 && j === parts.length - 1 && k % 3 === 0 ? lateMs : 0;
      arrivals.push({ at: p.trueTime + r.delays[j % r.delays.length] + late, rec: p.rec });
      if (r.dup && j === 0)
        arrivals.push({ at: p.trueTime + r.delays[(j + 1) % r.delays.length], rec: structuredClone(p.rec) });
    });
  });
  arrivals.sort((a, b) => a.at - b.at);
  return { expected, parts: arrivals.map((a) => a.rec) };
}

function run(parts: AccessRecord[]): RequestDoc[] {
  const e = new JoinEngine({ ...joinConfig.parse({}), synthesize: false });
  const docs: RequestDoc[] = [];
  for (const p of parts) {
    e.add(p, docs);
    e.advance(undefined, docs);
  }
  return e.flush('complete', docs);
}

describe('property: the join over random request forests', () => {
  it('with shuffled, duplicated and skewed parts arriving within idle, every request comes out once, complete, with its call tree', () => {
    fc.assert(
      fc.property(fc.array(requestArb, { minLength: 1, maxLength: 25 }), skewArb, (reqs, skews) => {
        const { expected, parts } = stream(reqs, skews);
        const docs = run(parts);
        expect(docs.map((d) => d['meshlog.join.state']).every((s) => s === 'complete')).toBe(true);
        expect(docs.map((d) => d['http.request.id']).sort()).toEqual([...expected.keys()].sort());
        for (const doc of docs) {
          const calls = expected.get(doc['http.request.id'])!;
          const hops = doc['mesh.hops'];
          expect(hops).toHaveLength(calls.length * 2); // nothing lost, duplicates dropped
          // Every inbound hop hangs under the outbound hop of the same call, and every
          // outbound hop under the inbound hop of its caller.
          const paths = (
            doc as unknown as { 'mesh.hops': Array<{ parent: number | null; direction: string; route: string }> }
          )['mesh.hops'];
          for (const c of calls) {
            const out = paths.findIndex((h) => h.route === c.path && h.direction === 'outbound');
            const inb = paths.findIndex((h) => h.route === c.path && h.direction === 'inbound');
            expect(paths[inb].parent).toBe(out);
            const callerIn =
              c.parentPath === null
                ? null
                : paths.findIndex((h) => h.route === c.parentPath && h.direction === 'inbound');
            expect(paths[out].parent).toBe(callerIn);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('with parts arriving long after their request went out, each request is complete once, then late, and no part is lost', () => {
    fc.assert(
      fc.property(fc.array(requestArb, { minLength: 1, maxLength: 15 }), skewArb, (reqs, skews) => {
        const { expected, parts } = stream(reqs, skews, 20_000);
        const docs = run(parts);
        for (const [id, calls] of expected) {
          const mine = docs.filter((d) => d['http.request.id'] === id);
          expect(mine.filter((d) => d['meshlog.join.state'] === 'complete')).toHaveLength(1);
          expect(mine.every((d) => d['meshlog.join.state'] !== 'partial')).toBe(true);
          expect(mine.at(-1)!['mesh.hops']).toHaveLength(calls.length * 2);
        }
      }),
      { numRuns: 100 },
    );
  });
});
