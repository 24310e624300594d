/** What one item of a request came to, for answers that speak per item (an Elasticsearch bulk). */
export type ItemVerdict =
  { kind: 'done' } | { kind: 'retry'; reason: string; status?: number } | { kind: 'permanent'; reason: string };

/**
 * The classification of one send, by a pure function over the backend's answer (Vector's model):
 * - `done`: every item is delivered;
 * - `retry`: nothing is known delivered and trying again may work (connection refused, 429, 5xx),
 *   after `afterMs` when the backend said (Retry-After);
 * - `partial`: each item has its own verdict;
 * - `split`: the request was too large (413): send its items in smaller requests;
 * - `permanent`: it will never work (400, 401, 404 …): the items go to dead letters with the reason.
 */
export type Classified =
  | { kind: 'done' }
  | { kind: 'retry'; reason: string; afterMs?: number }
  | { kind: 'partial'; items: ItemVerdict[] }
  | { kind: 'split'; reason: string }
  | { kind: 'permanent'; reason: string };
