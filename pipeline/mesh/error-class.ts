import type { AccessRecord, Direction, ErrorClass } from '../records.ts';

/** Failures the destination answers for: what breakers, canary error rates and synthetic traces count. */
export function isServerFault(c: ErrorClass): boolean {
  return c === 'app' || c === 'mesh';
}

/**
 * The client side of an edge (outbound and gateway hops): the default reporter, since a 503 UO never
 * reaches the server. An ambient waypoint is the only L7 proxy of its hop and the client of the
 * destination pod (it sees the UF/UO failures), so its lines report the edge too.
 */
export function isClientSide(d: Direction): boolean {
  return d === 'outbound' || d === 'gateway' || d === 'waypoint';
}

/**
 * Whether a record is one request (or one finished connection) for the signals: ztunnel logs a
 * `connection_opened` event before the `connection_complete` one, and counting both would count
 * each connection twice.
 */
export function isSignalEvent(r: AccessRecord): boolean {
  return r['event.action'] !== 'connection_opened';
}

/** Flags that mean the mesh (not the application) failed the request. */
const MESH_FLAGS = new Set([
  'UH',
  'UF',
  'UO',
  'URX',
  'UT',
  'UC',
  'LR',
  'UR',
  'UPE',
  'LH',
  'SI',
  'DT',
  'UMSDR',
  'OM',
  'DF',
  'DO',
  'NC',
  'FI',
  'RLSE',
  'NFCF',
  'IH',
  'DPE',
]);
/** gRPC codes that are the server's fault when the HTTP status is 200. */
const GRPC_SERVER_ERRORS = new Set([
  '2',
  '4',
  '12',
  '13',
  '14',
  '15',
  'UNKNOWN',
  'DEADLINE_EXCEEDED',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
]);

/**
 * What a hop counts as (DESIGN §3). Order matters:
 * 1. the client went away (DC, DR): never the server's fault, whatever else happened;
 * 2. no route (NR), then rate limited (RL);
 * 3. a mesh flag (UH, UF, UO, URX, UT, UC, LR, …), even on a 200 (gRPC carries failures in 200s);
 * 4. a 5xx from upstream, or a failing gRPC status on a 200: the application;
 * 5. everything else, 4xx included, is ok for the server.
 * UAEX is a policy denial: it counts as mesh only when the status is a 5xx.
 */
export function classifyError(status: number, flags: readonly string[], grpcStatus?: string | null): ErrorClass {
  if (flags.includes('DC') || flags.includes('DR')) return 'client_abort';
  if (flags.includes('NR')) return 'no_route';
  if (flags.includes('RL')) return 'rate_limited';
  for (const f of flags) if (MESH_FLAGS.has(f)) return 'mesh';
  if (flags.includes('UAEX') && status >= 500) return 'mesh';
  if (status >= 500) return 'app';
  if (grpcStatus && GRPC_SERVER_ERRORS.has(grpcStatus)) return 'app';
  return 'ok';
}
