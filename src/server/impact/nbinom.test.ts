/// <reference path="../../../test/impact/jstat.d.ts" />
import fc from 'fast-check';
import jStatPkg from 'jstat';
import { describe, expect, it } from 'vitest';
import { nbinomCdf, nbinomQuantile } from './nbinom.js';

const { jStat } = jStatPkg;

/** jStat's NB is (successes r, success probability p); ours is (mean μ, dispersion φ). */
function jstatCdf(k: number, mean: number, phi: number): number {
  if (phi === 1) return jStat.poisson.cdf(k, mean);
  return jStat.negbin.cdf(k, mean / (phi - 1), 1 / phi);
}

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
}

describe('nbinomCdf against jStat', () => {
  // [k, μ, φ]: small means, the detector's typical windows, and tails down to ~1e-14.
  const table: [number, number, number][] = [
    [0, 0.5, 1],
    [2, 3, 1],
    [0, 10, 1],
    [3, 41, 1],
    [10, 41, 1],
    [40, 41, 1],
    [60, 41, 1],
    [50, 100, 1],
    [100, 100, 1],
    [120, 150, 1],
    [0, 10, 2],
    [0, 12, 1.4],
    [3, 41, 1.5],
    [20, 40, 1.3],
    [5, 5, 1.01],
    [1, 9.6, 1.05],
    [100, 100, 3],
    [150, 200, 1.2],
    [300, 600, 2.5],
    [30, 150, 1.5],
    [2, 60, 3.5],
  ];
  it.each(table)('P(X ≤ %d | μ=%d, φ=%d)', (k, mean, phi) => {
    const ref = jstatCdf(k, mean, phi);
    expect(relErr(nbinomCdf(k, mean, phi), ref)).toBeLessThan(1e-8);
  });

  it('covers tails down to 1e-12 and below', () => {
    expect(jstatCdf(3, 41, 1)).toBeLessThan(1e-12);
    expect(relErr(nbinomCdf(3, 41, 1), jstatCdf(3, 41, 1))).toBeLessThan(1e-8);
    expect(relErr(nbinomCdf(2, 60, 3.5), jstatCdf(2, 60, 3.5))).toBeLessThan(1e-8);
  });
});

/**
 * Reference for means jStat cannot reach (its terms overflow): sum the pmf in log space from k
 * downwards, anchored with jStat.gammaln and stepped by the exact ratio pmf(j−1)/pmf(j).
 */
function referenceLowerTail(k: number, mean: number, phi: number): number {
  const poisson = phi === 1;
  const r = poisson ? Infinity : mean / (phi - 1);
  const q = poisson ? 0 : (phi - 1) / phi;
  const lnPmfK = poisson
    ? k * Math.log(mean) - mean - jStat.gammaln(k + 1)
    : jStat.gammaln(k + r) - jStat.gammaln(r) - jStat.gammaln(k + 1) + r * Math.log(1 / phi) + k * Math.log(q);
  let term = 1;
  let sum = 0;
  for (let j = k; j >= 0; j--) {
    sum += term;
    if (term < sum * 1e-18) break;
    term *= poisson ? j / mean : j / ((j + r - 1) * q);
  }
  return Math.exp(lnPmfK) * sum;
}

describe('nbinomCdf for large means', () => {
  // jStat returns NaN once its size parameter r passes a few thousand (e.g. μ = 600, φ = 1.1).
  const cases: [number, number, number][] = [
    [600, 1.1, -4],
    [600, 1.1, -1],
  ];
  for (const mean of [1e4, 1e5, 1e6]) {
    for (const phi of [1, 1.2, 3]) {
      for (const z of [-7, -5, -3, 0]) cases.push([mean, phi, z]);
    }
  }
  it.each(cases)('μ=%d φ=%d at z=%d', (mean, phi, z) => {
    const k = Math.floor(mean + z * Math.sqrt(phi * mean));
    const ours = nbinomCdf(k, mean, phi);
    const ref = referenceLowerTail(k, mean, phi);
    if (z === -7) expect(ref).toBeLessThan(1e-11);
    expect(relErr(ours, ref)).toBeLessThan(1e-6);
  });

  it('is fast enough for every evaluation (μ = 1e6 in well under a millisecond on average)', () => {
    const t0 = performance.now();
    for (let i = 0; i < 200; i++) nbinomCdf(995_000 + i, 1e6, 1.3);
    expect((performance.now() - t0) / 200).toBeLessThan(5);
  });
});

describe('nbinomCdf properties', () => {
  it('is a CDF: in [0, 1] and non-decreasing in k', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 5e5, noNaN: true }),
        fc.double({ min: 1, max: 10, noNaN: true }),
        fc.double({ min: -6, max: 6, noNaN: true }),
        (mean, phi, z) => {
          const k = Math.max(0, Math.floor(mean + z * Math.sqrt(phi * mean)));
          const a = nbinomCdf(k, mean, phi);
          const b = nbinomCdf(k + 1, mean, phi);
          return a >= 0 && b <= 1 && a <= b;
        },
      ),
      { numRuns: 300 },
    );
  });

  it('tends to Poisson as φ → 1 without a jump at the switch-over', () => {
    for (const [k, mean] of [
      [3, 41],
      [995_000, 1e6],
      [12, 30],
    ] as const) {
      const poisson = nbinomCdf(k, mean, 1);
      for (const eps of [1e-4, 1e-5, 1e-6, 1.0000001e-6, 1e-7, 1e-9]) {
        // First-order sensitivity to φ: the relative change per unit of (φ − 1) must be stable.
        const slope = (nbinomCdf(k, mean, 1 + eps) / poisson - 1) / eps;
        const ref = (nbinomCdf(k, mean, 1 + 1e-5) / poisson - 1) / 1e-5;
        expect(Math.abs(slope - ref)).toBeLessThan(Math.abs(ref) * 0.01 + 1e-3);
      }
    }
  });

  it('handles the edges: k < 0, mean 0, φ < 1 treated as Poisson, bad input rejected', () => {
    expect(nbinomCdf(-1, 5, 1)).toBe(0);
    expect(nbinomCdf(0, 0, 2)).toBe(1);
    expect(nbinomCdf(3.7, 4, 1)).toBe(nbinomCdf(3, 4, 1));
    expect(nbinomCdf(4, 7, 0.5)).toBe(nbinomCdf(4, 7, 1));
    expect(() => nbinomCdf(1, -1, 1)).toThrow(RangeError);
    expect(() => nbinomCdf(1, 1, Number.NaN)).toThrow(RangeError);
  });
});

describe('nbinomQuantile', () => {
  it.each([
    [0.05, 41, 1],
    [0.95, 41, 1],
    [0.5, 0.3, 1],
    [0.05, 600, 2.5],
    [0.95, 600, 2.5],
    [0.001, 1e6, 1.3],
    [0.999, 1e6, 1.3],
    [0.05, 12, 10],
  ])('q=%d μ=%d φ=%d is the smallest k with P(X ≤ k) ≥ q', (q, mean, phi) => {
    const k = nbinomQuantile(q, mean, phi);
    expect(nbinomCdf(k, mean, phi)).toBeGreaterThanOrEqual(q);
    if (k > 0) expect(nbinomCdf(k - 1, mean, phi)).toBeLessThan(q);
  });

  it('matches jStat-derived quantiles for small means', () => {
    for (const [q, mean, phi] of [
      [0.05, 41, 1],
      [0.95, 41, 1.5],
      [0.5, 10, 2.5],
      [0.05, 150, 1.2],
    ] as const) {
      let k = 0;
      while (jstatCdf(k, mean, phi) < q) k++;
      expect(nbinomQuantile(q, mean, phi)).toBe(k);
    }
  });

  it('is 0 for an expected count of 0', () => {
    expect(nbinomQuantile(0.95, 0, 1)).toBe(0);
  });
});
