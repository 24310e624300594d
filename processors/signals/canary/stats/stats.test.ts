import { describe, expect, it } from 'vitest';
import { fisherExactGreater } from './fisher.ts';
import { mannWhitneyGreater } from './mann-whitney.ts';
import { normalUpperTail } from './normal.ts';

describe("Fisher's exact test, one-sided", () => {
  it("Fisher's lady tasting tea: 3 of 4 right, p = 17/70", () => {
    expect(fisherExactGreater(3, 1, 1, 3)).toBeCloseTo(17 / 70, 10);
  });

  it("the dieting example (Wikipedia, Fisher's exact test): one-sided p = 0.001346 + 0.000034", () => {
    // Women: 9 dieting, 3 not; men: 1 dieting, 11 not. "More dieting among women" is P(X ≥ 9):
    // P(X = 9) = C(10,9)·C(14,3)/C(24,12) = 3640/2704156 = 0.001346, P(X = 10) = 91/2704156.
    expect(fisherExactGreater(9, 3, 1, 11)).toBeCloseTo((3640 + 91) / 2704156, 12);
    expect(fisherExactGreater(9, 3, 1, 11)).toBeCloseTo(0.00138, 5);
  });

  it('worked by hand: [[2,0],[0,2]] → P(X ≥ 2) = 1/C(4,2) = 1/6', () => {
    expect(fisherExactGreater(2, 0, 0, 2)).toBeCloseTo(1 / 6, 12);
  });

  it('is 1 when the first group has no failures, and tiny for a large real difference', () => {
    expect(fisherExactGreater(0, 100, 5, 95)).toBeCloseTo(1, 10);
    // 10% vs 1% errors over 1000 requests each.
    expect(fisherExactGreater(100, 900, 10, 990)).toBeLessThan(1e-15);
  });

  it('names a bad cell', () => {
    expect(() => fisherExactGreater(1.5, 1, 1, 1)).toThrow('fisher: a must be a non-negative integer, got 1.5');
  });
});

describe('Mann–Whitney U, one-sided', () => {
  it('worked by hand: x = {5,6,7} above y = {1,2,3}: U = 9, exact p = 1/C(6,3) = 0.05', () => {
    expect(mannWhitneyGreater([5, 6, 7], [1, 2, 3])).toEqual({ u: 9, p: 1 / 20, method: 'exact', cles: 1 });
  });

  it('worked by hand: x = {2,4}, y = {1,3}: U = 3; of the 6 arrangements U ≥ 3 in 2, p = 1/3', () => {
    const r = mannWhitneyGreater([2, 4], [1, 3]);
    expect(r.u).toBe(3);
    expect(r.p).toBeCloseTo(1 / 3, 12);
  });

  it('tabulated critical value: n1 = n2 = 10, one-sided α = 0.01 needs U ≥ 81 (lower-tail table value 19)', () => {
    // x takes the top ranks except for a few swaps, giving any U we choose.
    const sample = (u: number) => {
      const y = Array.from({ length: 10 }, (_, i) => i);
      const x = Array.from({ length: 10 }, (_, i) => 10 + i);
      // Move x's smallest values below y's largest until U = u.
      let cur = 100;
      for (let k = 0; cur > u; k++) {
        const step = Math.min(cur - u, 10);
        x[k] = 9.5 - step;
        cur -= step;
      }
      return { x, y };
    };
    const at81 = mannWhitneyGreater(sample(81).x, sample(81).y);
    const at80 = mannWhitneyGreater(sample(80).x, sample(80).y);
    expect([at81.u, at80.u]).toEqual([81, 80]);
    expect(at81.p).toBeLessThanOrEqual(0.01);
    expect(at80.p).toBeGreaterThan(0.01);
  });

  it('worked by hand, with ties, by the normal approximation', () => {
    // x = {3,3,4,5}, y = {1,2,3,3}: ranks 1:1, 2:2, four 3s share 3..6 → 4.5, 4:7, 5:8.
    // R1 = 4.5 + 4.5 + 7 + 8 = 24, U = 24 − 10 = 14. Mean 8. Tie term: 4³ − 4 = 60.
    // Var = (16/12)·(9 − 60/56) = 10.5714…; z = (14 − 8 − 0.5)/√10.5714 = 1.69159.
    const r = mannWhitneyGreater([3, 3, 4, 5], [1, 2, 3, 3]);
    expect(r.u).toBe(14);
    expect(r.method).toBe('normal');
    expect(r.p).toBeCloseTo(normalUpperTail(5.5 / Math.sqrt((16 / 12) * (9 - 60 / 56))), 12);
    expect(r.p).toBeCloseTo(0.04536, 4);
  });

  it('the normal tail matches tabulated values', () => {
    expect(normalUpperTail(1.959964)).toBeCloseTo(0.025, 6);
    expect(normalUpperTail(2.326348)).toBeCloseTo(0.01, 6);
    expect(normalUpperTail(0)).toBeCloseTo(0.5, 7);
    expect(normalUpperTail(-1.644854)).toBeCloseTo(0.95, 6);
  });
});
