/**
 * What to do with each item of a bulk response, as a pure function (Vector's rules): 2xx is done;
 * 409 on `create` means the document is already there (a re-send), so it is done too; 429 and 5xx
 * are retried; any other 4xx (mapping conflicts, bad documents) will never succeed: dead-letter.
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
  if (s === 409 && op === 'create') return { fate: 'done' };
  const reason =
    `${s} ${item.error?.type ?? ''}: ${item.error?.reason ?? ''}${item.error?.caused_by?.reason ? ` (${item.error.caused_by.reason})` : ''}`.trim();
  if (s === 429 || s >= 500) return { fate: 'retry', reason };
  return { fate: 'dead', reason, status: s };
}

export { backoffMs } from '../../pipeline/backoff.ts';
