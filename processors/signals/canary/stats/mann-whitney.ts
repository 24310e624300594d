import { normalUpperTail } from './normal.ts';

export interface MannWhitneyResult {
  /** U of the first sample: pairs where it is greater, ties counting one half. */
  u: number;
  /** One-sided p-value for "the first sample is stochastically greater". */
  p: number;
  method: 'exact' | 'normal';
  /** Common-language effect size, U / (n1·n2): P(first > second), ties half. */
  cles: number;
}

/** Samples this small and tie-free get the exact distribution of U; others the normal one. */
const EXACT_MAX = 50;

/**
 * Mann–Whitney U, one-sided (H1: `x` tends to be larger than `y`). Ties get mid-ranks. Small
 * samples without ties use the exact null distribution of U; otherwise the normal approximation
 * with the tie-corrected variance and a continuity correction.
 */
export function mannWhitneyGreater(x: readonly number[], y: readonly number[]): MannWhitneyResult {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('mann-whitney: both samples need at least one value');
  const all = [...x.map((v) => ({ v, g: 0 })), ...y.map((v) => ({ v, g: 1 }))].sort((p, q) => p.v - q.v);
  let r1 = 0;
  let tieTerm = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j + 1 < all.length && all[j + 1].v === all[i].v) j++;
    const rank = (i + j + 2) / 2; // mid-rank of positions i..j (1-based)
    const t = j - i + 1;
    if (t > 1) tieTerm += t * t * t - t;
    for (let k = i; k <= j; k++) if (all[k].g === 0) r1 += rank;
    i = j + 1;
  }
  const u = r1 - (n1 * (n1 + 1)) / 2;
  const cles = u / (n1 * n2);
  if (tieTerm === 0 && n1 <= EXACT_MAX && n2 <= EXACT_MAX)
    return { u, p: exactUpperTail(n1, n2, u), method: 'exact', cles };
  const n = n1 + n2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return { u, p: 1, method: 'normal', cles }; // every value tied: no evidence
  const z = (u - mean - 0.5) / Math.sqrt(variance);
  return { u, p: normalUpperTail(z), method: 'normal', cles };
}

/**
 * P(U ≥ u) under H0, from the number of arrangements f(i, j, s) of i first-sample and j
 * second-sample values giving U = s: f(i, j, s) = f(i−1, j, s−j) + f(i, j−1, s).
 */
function exactUpperTail(n1: number, n2: number, u: number): number {
  const max = n1 * n2;
  // counts[j][s] for the current i, built up row by row; doubles hold C(100, 50) comfortably.
  let prev: Float64Array[] = Array.from({ length: n2 + 1 }, () => new Float64Array(max + 1));
  for (let j = 0; j <= n2; j++) prev[j][0] = 1; // i = 0: one arrangement, U = 0
  for (let i = 1; i <= n1; i++) {
    const cur: Float64Array[] = Array.from({ length: n2 + 1 }, () => new Float64Array(max + 1));
    cur[0][0] = 1;
    for (let j = 1; j <= n2; j++) {
      for (let s = 0; s <= i * j; s++) cur[j][s] = (s >= j ? prev[j][s - j] : 0) + cur[j - 1][s];
    }
    prev = cur;
  }
  const dist = prev[n2];
  let total = 0;
  let tail = 0;
  const threshold = Math.ceil(u - 1e-9);
  for (let s = 0; s <= max; s++) {
    total += dist[s];
    if (s >= threshold) tail += dist[s];
  }
  return tail / total;
}
