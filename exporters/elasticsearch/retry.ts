import type { Classified, ItemVerdict } from '../../pipeline/exporter/classified.ts';

/**
 * What to do with each item of a bulk response, as a pure function (Vector's rules): 2xx is done;
 * 409 on `create` means the document is already there (a re-send), and a version conflict means a
 * more complete copy is (see `Doc.version`), so both are done too; 429 and 5xx are retried; any
 * other 4xx (mapping conflicts, bad documents) will never succeed: dead-letter.
 */
export type ItemFate =
  { fate: 'done' } | { fate: 'retry'; reason: string } | { fate: 'dead'; reason: string; status: number };

export interface BulkItem {
  status: number;
  error?: { type?: string; reason?: string; caused_by?: { reason?: string } };
}

export function itemFate(item: BulkItem, op: 'index' | 'create'): ItemFate {
  const s = item.status;
  if (s >= 200 && s < 300) return { fate: 'done' };
  if (s === 409 && (op === 'create' || item.error?.type === 'version_conflict_engine_exception'))
    return { fate: 'done' };
  const reason =
    `${s} ${item.error?.type ?? ''}: ${item.error?.reason ?? ''}${item.error?.caused_by?.reason ? ` (${item.error.caused_by.reason})` : ''}`.trim();
  if (s === 429 || s >= 500) return { fate: 'retry', reason };
  return { fate: 'dead', reason, status: s };
}

/**
 * A bulk request as a whole: its answer (the items, read one by one) or the error it threw. A
 * request that failed whole tells nothing about its documents: 413 splits it, 429/5xx and a lost
 * connection retry it, any other status (400: a malformed request) will never work.
 */
export function classifyBulk(
  outcome: { items: BulkItem[]; ops: Array<'index' | 'create'> } | { error: Error & { statusCode?: number } },
): Classified {
  if ('error' in outcome) {
    const status = outcome.error.statusCode;
    const reason = status ? `bulk request answered ${status}: ${outcome.error.message}` : outcome.error.message;
    if (status === 413) return { kind: 'split', reason };
    if (status === undefined || status === 429 || status >= 500) return { kind: 'retry', reason };
    return { kind: 'permanent', reason };
  }
  const items: ItemVerdict[] = outcome.items.map((item, i) => {
    const f = itemFate(item, outcome.ops[i]);
    return f.fate === 'done'
      ? { kind: 'done' }
      : f.fate === 'retry'
        ? { kind: 'retry', reason: f.reason, status: item.status }
        : { kind: 'permanent', reason: f.reason };
  });
  return items.every((v) => v.kind === 'done') ? { kind: 'done' } : { kind: 'partial', items };
}

export { backoffMs } from '../../pipeline/backoff.ts';
