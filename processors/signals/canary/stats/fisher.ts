/** ln Γ(x) by the Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 for x > 0. */
function lnGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

const lnChoose = (n: number, k: number) => lnGamma(n + 1) - lnGamma(k + 1) - lnGamma(n - k + 1);

/**
 * Fisher's exact test, one-sided, for "the first group's rate is greater":
 *
 *              failures  successes
 *   group 1       a         b
 *   group 2       c         d
 *
 * p = P(X ≥ a) for X hypergeometric with the table's margins.
 */
export function fisherExactGreater(a: number, b: number, c: number, d: number): number {
  for (const [name, v] of Object.entries({ a, b, c, d })) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`fisher: ${name} must be a non-negative integer, got ${v}`);
  }
  const n1 = a + b; // group 1 size
  const k = a + c; // total failures
  const n = a + b + c + d;
  const lnDenominator = lnChoose(n, n1);
  const hi = Math.min(n1, k);
  let p = 0;
  for (let x = a; x <= hi; x++) p += Math.exp(lnChoose(k, x) + lnChoose(n - k, n1 - x) - lnDenominator);
  return Math.min(1, p);
}
