import type { AccessRecord } from '../../../pipeline/records.ts';
import { isClientSide, isServerFault, isSignalEvent } from '../../../pipeline/mesh/error-class.ts';

/** The caller → destination route a client-side call belongs to (a breaker's edge). */
export interface Edge {
  source: string;
  service: string;
  namespace: string;
  route: string;
}

/** What the breakers and the load tracker need of one client-side call, and nothing more. */
export interface Call {
  /** Event time, epoch ms. */
  t: number;
  /** Milliseconds, or null when the record had no duration. */
  durationMs: number | null;
  /** An app or mesh error: the destination's fault (client aborts and no-route answers are not). */
  serverFault: boolean;
  /** Answered 5xx (the load tracker's consecutive-5xx runs). */
  status5xx: boolean;
  /** A ztunnel L4 connection: load counts it, the breakers judge an edge on its L7 requests only. */
  l4: boolean;
}

/**
 * The call a record is, with its edge, or null when it is not a client-side call to a known service
 * (or is ztunnel's `connection_opened`, whose connection is counted when it completes).
 */
export function callOf(r: AccessRecord, t: number): { edge: Edge; call: Call } | null {
  if (!isClientSide(r['mesh.direction']) || !r['mesh.destination.service'] || !isSignalEvent(r)) return null;
  return {
    edge: {
      source: r['mesh.source.workload'] ?? r['source.ip'] ?? 'unknown',
      service: r['mesh.destination.service'],
      namespace: r['mesh.destination.namespace'] ?? '',
      route: r['mesh.route'],
    },
    call: {
      t,
      durationMs: r['event.duration'] == null ? null : r['event.duration'] / 1e6,
      serverFault: isServerFault(r['mesh.error_class']),
      status5xx: r['http.response.status_code'] >= 500,
      l4: r['mesh.reporter'] === 'ztunnel',
    },
  };
}

export const edgeName = (e: Edge) => `${e.source} → ${e.service}${e.namespace ? `.${e.namespace}` : ''} ${e.route}`;
