import type { CallsRecord } from '../../../pipeline/records.ts';
import type { Call, Edge } from './call.ts';

type WireEdge = CallsRecord['calls.edges'][number];

const SERVER_FAULT = 1;
const STATUS_5XX = 2;
const L4 = 4;

const b64 = (a: Float64Array | Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

/** One edge's calls in the wire form of a CallsRecord: three base64 columns (≈ 23 bytes a call). */
export function encodeEdge(edge: Edge, calls: readonly Call[]): WireEdge {
  const time = new Float64Array(calls.length);
  const duration = new Float64Array(calls.length);
  const flags = new Uint8Array(calls.length);
  calls.forEach((c, i) => {
    time[i] = c.t;
    duration[i] = c.durationMs ?? NaN;
    flags[i] = (c.serverFault ? SERVER_FAULT : 0) | (c.status5xx ? STATUS_5XX : 0) | (c.l4 ? L4 : 0);
  });
  return { ...edge, time: b64(time), duration: b64(duration), flags: b64(flags) };
}

/** The calls of one wire edge; throws a RangeError naming what is wrong with a malformed one. */
export function decodeEdge(w: WireEdge): { edge: Edge; calls: Call[] } {
  for (const k of ['source', 'service', 'namespace', 'route', 'time', 'duration', 'flags'] as const)
    if (typeof w?.[k] !== 'string') throw new RangeError(`calls edge: ${k} is not a string`);
  const time = float64s(w.time, 'time');
  const duration = float64s(w.duration, 'duration');
  const flags = Buffer.from(w.flags, 'base64');
  if (duration.length !== time.length || flags.length !== time.length)
    throw new RangeError(`calls edge: ${time.length} times, ${duration.length} durations, ${flags.length} flags`);
  const calls: Call[] = [];
  for (let i = 0; i < time.length; i++) {
    if (!Number.isFinite(time[i])) throw new RangeError(`calls edge: time ${i} is not finite`);
    calls.push({
      t: time[i],
      durationMs: Number.isNaN(duration[i]) ? null : duration[i],
      serverFault: (flags[i] & SERVER_FAULT) !== 0,
      status5xx: (flags[i] & STATUS_5XX) !== 0,
      l4: (flags[i] & L4) !== 0,
    });
  }
  return { edge: { source: w.source, service: w.service, namespace: w.namespace, route: w.route }, calls };
}

function float64s(text: string, what: string): Float64Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 8 !== 0) throw new RangeError(`calls edge: ${what} is ${bytes.length} bytes, not 8 a call`);
  // Copied out: a Buffer from the pool need not be 8-byte aligned.
  const out = new Float64Array(bytes.length / 8);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}
