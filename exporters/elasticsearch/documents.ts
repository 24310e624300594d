import { createHash } from 'node:crypto';
import type { AccessRecord, DeadLetter, RequestDoc } from '../../pipeline/records.ts';

export type Kind = 'requests' | 'hops' | 'windows' | 'decisions' | 'deadletters';
export const KINDS: readonly Kind[] = ['requests', 'hops', 'windows', 'decisions', 'deadletters'];
/** Kinds whose documents are rewritten under the same id, so they cannot live in data streams. */
export const REWRITTEN: ReadonlySet<Kind> = new Set(['requests', 'windows']);

export interface Doc {
  kind: Kind;
  id: string;
  timestamp: string;
  source: Record<string, unknown>;
  /**
   * An external version: a later write of the same id with a lower one is refused (409) and the
   * stored document kept. A RequestDoc's is its number of parts (hops + spans): a processor that
   * replays part of a request after a rebalance or a crash emits a copy with fewer parts, which
   * must not overwrite the whole one; a late part re-emits the request with more.
   */
  version?: number;
}

/** Elasticsearch ids are at most 512 bytes; long request ids become a stable hash. */
export function docId(raw: string): string {
  return Buffer.byteLength(raw) <= 200 ? raw : `sha256:${createHash('sha256').update(raw).digest('hex')}`;
}

/** A hop's id: its request id plus a fingerprint of the hop, identical on every re-send. */
export function hopId(r: AccessRecord): string {
  const f = createHash('sha256')
    .update(
      [
        r['@timestamp'],
        r['mesh.direction'],
        r['envoy.upstream.cluster'],
        r['source.ip'],
        r['source.port'],
        r['destination.ip'],
        r['destination.port'],
        r['url.original'],
        r['http.response.status_code'],
        r['event.duration'],
      ].join('|'),
    )
    .digest('hex')
    .slice(0, 16);
  return docId(`${r['http.request.id'] ?? 'no-request-id'}:${f}`);
}

/** Turns a pipeline record into the document it becomes, or undefined for records not exported. */
export function toDoc(record: unknown, hops: boolean): Doc | undefined {
  const r = record as Record<string, unknown>;
  switch (r['event.dataset']) {
    case 'meshlog.request': {
      const d = r as unknown as RequestDoc;
      return {
        kind: 'requests',
        id: docId(d['http.request.id']),
        timestamp: d['@timestamp'],
        source: r,
        version: (d['mesh.hops']?.length ?? 0) + (d.spans?.length ?? 0),
      };
    }
    case 'envoy.access':
      return hops
        ? { kind: 'hops', id: hopId(r as unknown as AccessRecord), timestamp: r['@timestamp'] as string, source: r }
        : undefined;
    case 'meshlog.window':
      return {
        kind: 'windows',
        id: docId(String(r['event.id'])),
        timestamp: r['@timestamp'] as string,
        source: r,
      };
    case 'meshlog.decision':
      return { kind: 'decisions', id: docId(String(r['event.id'])), timestamp: r['@timestamp'] as string, source: r };
    default:
      return undefined;
  }
}

export function deadLetterDoc(dl: DeadLetter, id: string): Doc {
  return {
    kind: 'deadletters',
    id,
    timestamp: dl['@timestamp'],
    source: { ...dl, 'event.dataset': 'meshlog.deadletter' },
  };
}
