import type { AccessRecord, Direction, ErrorClass } from '../../pipeline/records.ts';
import { splitHost, workloadOf } from './mesh/cluster.ts';
import {
  DEFAULT_NORMALISE,
  FieldError,
  splitAddress,
  timestamp,
  type LineContext,
  type NormaliseOptions,
} from './normalise.ts';

/**
 * ztunnel, the per-node L4 proxy of Istio's ambient mode, logs one `access` event per connection
 * (../shared/reference/ambient.md). Three shapes are read:
 * - text: `TIME<TAB>LEVEL<TAB>access<TAB>connection complete<TAB>key=value …`, values bare or quoted;
 * - JSON (`LOG_FORMAT=json`): `{"time"|"timestamp", "level", "scope"|"target":"access", "message", …fields}`
 *   (tracing's own JSON nests the fields under `fields`);
 * - before the `access` target (2023–early 2024): `TIME  INFO span: ztunnel::proxy::<module>: connection complete source=… destination=…`.
 * Each becomes an L4 AccessRecord (no method, path or status; `mesh.route` is `tcp`).
 */

const TEXT = /^(\S+)\s+([A-Za-z]+)\s+access:?\s+(connection [a-z]+)(?:\s+(.*))?$/;
const LEGACY = /^(\S+)\s+([A-Za-z]+)\s+(?:.*?:\s+)?ztunnel::proxy::([a-z_:]+):\s+(connection [a-z]+)(?:\s+(.*))?$/;
const TIME_START = /^\d{4}-\d\d-\d\dT/;

/** Key/value pairs of a tracing text event: `k=v` or `k="v with \"escapes\""`, separated by spaces. */
export function keyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([A-Za-z_][\w.]*)=(?:"((?:[^"\\]|\\.)*)"|(\S*))/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    out[m[1]] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
  }
  return out;
}

/** True when a text line looks like a ztunnel event, so other parsers are not tried on it. */
export function isZtunnelText(line: string): boolean {
  return TIME_START.test(line) && (TEXT.test(line) || LEGACY.test(line));
}

/** True for a JSON object that is a ztunnel access event. */
export function isZtunnelJson(obj: Record<string, unknown>): boolean {
  const target = obj.scope ?? obj.target;
  const message = messageOf(obj);
  return target === 'access' && typeof message === 'string' && message.startsWith('connection ');
}

function messageOf(obj: Record<string, unknown>): unknown {
  const fields = obj.fields;
  return (
    obj.message ?? (fields && typeof fields === 'object' ? (fields as Record<string, unknown>).message : undefined)
  );
}

export function parseZtunnelText(
  line: string,
  ctx?: LineContext,
  opts: NormaliseOptions = DEFAULT_NORMALISE,
): AccessRecord {
  const t = TEXT.exec(line);
  if (t) return ztunnelRecord(t[1], t[2], t[3], keyValues(t[4] ?? ''), 'ztunnel-text', ctx, opts);
  const l = LEGACY.exec(line);
  if (!l) throw new FieldError('not a ztunnel access line');
  const kv = keyValues(l[5] ?? '');
  // The module says the direction: inbound, inbound_passthrough, outbound, socks5.
  if (!kv.direction) kv.direction = l[3].startsWith('inbound') ? 'inbound' : 'outbound';
  return ztunnelRecord(l[1], l[2], l[4], kv, 'ztunnel-legacy', ctx, opts);
}

export function parseZtunnelJson(
  obj: Record<string, unknown>,
  ctx?: LineContext,
  opts: NormaliseOptions = DEFAULT_NORMALISE,
): AccessRecord {
  const flat: Record<string, string> = {};
  const nested = obj.fields && typeof obj.fields === 'object' ? (obj.fields as Record<string, unknown>) : {};
  for (const [k, v] of Object.entries({ ...obj, ...nested })) {
    if (v !== null && v !== undefined && typeof v !== 'object') flat[k] = String(v);
  }
  const time = flat.time ?? flat.timestamp;
  if (!time) throw new FieldError('ztunnel JSON line has no time');
  return ztunnelRecord(time, flat.level ?? 'info', String(messageOf(obj)), flat, 'ztunnel-json', ctx, opts);
}

function ztunnelRecord(
  time: string,
  level: string,
  message: string,
  kv: Record<string, string>,
  format: string,
  ctx: LineContext | undefined,
  opts: NormaliseOptions,
): AccessRecord {
  const src = splitAddress(kv['src.addr'] ?? kv.source ?? null);
  const dstAddr = kv['dst.addr'] ?? kv.destination ?? null;
  const hbone = kv['dst.hbone_addr'] ?? null;
  // The HBONE address is the real target (dst.addr is then the peer's port 15008); it may be host:port.
  const hboneIp = splitAddress(hbone);
  const dst = hboneIp.ip ? hboneIp : splitAddress(dstAddr);
  const dstPort = dst.port ?? (hbone ? Number(/:(\d+)$/.exec(hbone)?.[1]) || null : null);
  const svc = splitHost(kv['dst.service'] ?? null, opts.clusterDomain);
  const dstWorkloadRaw = kv['dst.workload'] ?? null;
  const dstWorkload = dstWorkloadRaw ? workloadOf(dstWorkloadRaw) : null;
  const direction: Direction = kv.direction === 'inbound' || kv.direction === 'outbound' ? kv.direction : 'unknown';
  const error = kv.error ?? null;
  const { type, errorClass } = classifyZtunnelError(error);
  const durationMs = parseDuration(kv.duration ?? null);
  const action = message.replace(/\s+/g, '_');

  const rec: AccessRecord = {
    '@timestamp': timestamp(time),
    'event.dataset': 'envoy.access',
    'event.action': action,
    'log.level': level.toLowerCase(),
    'http.response.status_code': 0,
    'event.duration': durationMs === null ? null : Math.round(durationMs * 1_000_000),
    'http.request.bytes': bytes(kv.bytes_sent, 'bytes_sent'),
    'http.response.bytes': bytes(kv.bytes_recv, 'bytes_recv'),
    'source.ip': src.ip,
    'source.port': src.port,
    'destination.ip': dst.ip,
    'destination.port': dstPort,
    'envoy.response_flags': [],
    'envoy.upstream.host': dstAddr,
    'envoy.format': format,
    'mesh.direction': direction,
    'mesh.reporter': 'ztunnel',
    'mesh.destination.service': svc.service,
    'mesh.destination.namespace': svc.namespace ?? kv['dst.namespace'] ?? null,
    'mesh.destination.port': dstPort,
    'mesh.destination.subset': ctx?.destinationVersion ?? opts.subsetOf(dstWorkloadRaw),
    'mesh.destination.workload': dstWorkload,
    'mesh.destination.identity': kv['dst.identity'] ?? null,
    'mesh.destination.hbone_address': hbone,
    'mesh.destination.cluster': kv['dst.cluster'] ?? null,
    'mesh.source.workload': kv['src.workload'] ? workloadOf(kv['src.workload']) : null,
    'mesh.source.namespace': kv['src.namespace'] ?? null,
    'mesh.source.identity': kv['src.identity'] ?? null,
    'mesh.source.cluster': kv['src.cluster'] ?? null,
    'mesh.route': 'tcp',
    'mesh.error_class': errorClass,
    'error.message': error,
    'error.type': type,
  };
  if (svc.external) rec['mesh.destination.external'] = true;
  return rec;
}

function bytes(v: string | undefined, field: string): number | null {
  if (v === undefined || v === '') return null;
  if (!/^-?\d+$/.test(v)) throw new FieldError(`${field} is not an integer: ${JSON.stringify(v)}`);
  const n = Number(v);
  if (n < 0) throw new FieldError(`${field} is negative: ${n}`);
  return n;
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000 };

/** ztunnel durations carry a unit: `"15ms"`, and Rust's Duration debug form (`1.2s`, `850µs`) elsewhere. */
export function parseDuration(v: string | null): number | null {
  if (v === null || v === '') return null;
  const m = /^(-?\d+(?:\.\d+)?)(ns|us|µs|ms|s|m)$/.exec(v.trim());
  if (!m) throw new FieldError(`duration is not a duration: ${JSON.stringify(v)}`);
  const ms = Number(m[1]) * UNIT_MS[m[2]];
  if (ms < 0) throw new FieldError(`duration is negative: ${v}`);
  return ms;
}

/**
 * The error's kind, and what it counts as. A policy rejection is the mesh refusing to carry the
 * connection as configured: not the server's fault, so it is counted with `no_route` (like Envoy's
 * NR), never as `mesh` or `app`. TLS, connect, timeout and reset failures are the mesh's.
 */
export function classifyZtunnelError(error: string | null): { type: string | null; errorClass: ErrorClass } {
  if (!error) return { type: null, errorClass: 'ok' };
  if (/policy rejection|rbac|denied|not allowed|unauthori[sz]ed/i.test(error))
    return { type: 'policy_denied', errorClass: 'no_route' };
  if (/certificate|identity|tls|handshake|x509/i.test(error)) return { type: 'tls', errorClass: 'mesh' };
  if (/timed? ?out|deadline|elapsed/i.test(error)) return { type: 'timeout', errorClass: 'mesh' };
  if (/refused|unreachable|no route to host|connect|dns|resolve|no healthy/i.test(error))
    return { type: 'connect', errorClass: 'mesh' };
  if (/reset|broken pipe|closed|eof/i.test(error)) return { type: 'reset', errorClass: 'mesh' };
  return { type: 'other', errorClass: 'mesh' };
}
