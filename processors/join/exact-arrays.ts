/**
 * Arrays of exactly the size needed, for the join's per-request bookkeeping: `[]` and push give
 * an array 17 slots on its first push (152 B where a 4-hop request needs 48), and the join builds
 * several small arrays per request on the main thread.
 */

/** `n` copies of `v`. */
export function filled(n: number, v: number): number[] {
  const a = new Array<number>(n);
  for (let i = 0; i < n; i++) a[i] = v;
  return a;
}

/**
 * `list` with `item` at the end, in an exactly sized array while it is short: push would grow
 * the backing store to 17 slots for a request's first hop (184 B for 4 hops, not 80; bench/join).
 */
export function appended<T>(list: T[], item: T): T[] {
  const n = list.length;
  if (n >= 16) {
    list.push(item);
    return list;
  }
  const out = new Array<T>(n + 1);
  for (let i = 0; i < n; i++) out[i] = list[i];
  out[n] = item;
  return out;
}
