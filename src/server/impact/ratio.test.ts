import { describe, expect, it } from 'vitest';
import {
  advanceRatio,
  binomialCdf,
  DEFAULT_RATIO_SETTINGS,
  evaluateRatio,
  explainRatio,
  INITIAL_RATIO_STATE,
  ratioDispersion,
  type OfferedAnswered,
  type RatioResult,
} from './ratio.js';

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 28 days of hours offering `offered` each, answered as Bin(offered, rate_h), rate_h = r₀ or, with `wobble`, r₀ ± wobble at random. */
function reference(offered: number, r0: number, seed: number, wobble = 0): OfferedAnswered[] {
  const rand = seeded(seed);
  return Array.from({ length: 28 * 24 }, () => {
    const r = Math.min(1, Math.max(0, r0 + (rand() < 0.5 ? -wobble : wobble)));
    let a = 0;
    for (let i = 0; i < offered; i++) if (rand() < r) a++;
    return { offered, answered: a };
  });
}

describe('binomialCdf', () => {
  const exact = (k: number, n: number, p: number) => {
    let sum = 0;
    let term = (1 - p) ** n; // P(X = 0)
    for (let i = 0; i <= k; i++) {
      sum += term;
      term *= ((n - i) / (i + 1)) * (p / (1 - p));
    }
    return sum;
  };
  it.each([
    [0, 10, 0.5],
    [3, 10, 0.5],
    [12, 40, 0.8],
    [25, 40, 0.8],
    [60, 100, 0.85],
  ])('P(X ≤ %i | n = %i, p = %f) equals the sum of binomial terms', (k, n, p) => {
    expect(binomialCdf(k, n, p)).toBeCloseTo(exact(k, n, p), 12);
  });
  it.each([
    ['k < 0', -1, 10, 0.5, 0],
    ['k ≥ n', 10, 10, 0.5, 1],
    ['p = 0', 0, 10, 0, 1],
    ['p = 1, k < n', 9, 10, 1, 0],
  ])('%s', (_name, k, n, p, want) => {
    expect(binomialCdf(k, n, p)).toBe(want);
  });
});

describe('ratioDispersion ψ of the reference hours', () => {
  it.each([
    { name: 'binomial hours → ψ ≈ 1', hours: reference(40, 0.85, 1), lo: 1, hi: 1.15 },
    // The rate itself swings ±10 points hour to hour: variance 40·0.01·40 = 16 on top of the
    // binomial 40·0.85·0.15 = 5.1, so ψ ≈ 4.
    { name: 'hours whose rate swings → ψ ≈ 4', hours: reference(40, 0.85, 2, 0.1), lo: 3, hi: 5 },
    { name: 'no usable hours → 1', hours: [{ offered: 3, answered: 1 }, { offered: null, answered: null }], lo: 1, hi: 1 },
  ])('$name', ({ hours, lo, hi }) => {
    const usual = hours.reduce((a, h) => a + (h.answered ?? 0), 0) / hours.reduce((a, h) => a + (h.offered ?? 0), 0);
    const psi = ratioDispersion(hours, usual, 10);
    expect(psi).toBeGreaterThanOrEqual(lo);
    expect(psi).toBeLessThanOrEqual(hi);
  });
});

describe('evaluateRatio: when does the last hour breach?', () => {
  const steady = reference(40, 0.85, 3);
  const wobbly = reference(40, 0.85, 4, 0.1);
  it.each<{ name: string; current: OfferedAnswered; ref: OfferedAnswered[]; mode: RatioResult['mode']; breach?: boolean }>([
    { name: 'offered/answered not reported', current: { offered: null, answered: null }, ref: steady, mode: 'not_reported' },
    { name: 'too few offered in the hour (fewer than 20)', current: { offered: 12, answered: 0 }, ref: steady, mode: 'insufficient' },
    { name: 'too little history (under 200 offered)', current: { offered: 40, answered: 0 }, ref: steady.slice(0, 4), mode: 'insufficient' },
    { name: 'a normal hour', current: { offered: 40, answered: 33 }, ref: steady, mode: 'active', breach: false },
    // 20 of 40 (50 % against 85 %): a 41 % drop, P ≈ 3e-7 under Bin(40, 0.85).
    { name: 'half answered', current: { offered: 40, answered: 20 }, ref: steady, mode: 'active', breach: true },
    // 272 of 400 is 68 %, a 20 % drop: far beyond chance (P < 1e-15) but under the 25 % minimum.
    { name: 'a smaller drop (min-drop guard)', current: { offered: 400, answered: 272 }, ref: steady, mode: 'active', breach: false },
    // The same 50 % is what hours whose rate swings ±10 points produce by chance about once in
    // a hundred (ψ ≈ 4.4, P ≈ 0.013).
    { name: 'half answered, but the usual hours scatter widely', current: { offered: 40, answered: 20 }, ref: wobbly, mode: 'active', breach: false },
    { name: 'a rise never breaches', current: { offered: 40, answered: 40 }, ref: steady, mode: 'active', breach: false },
  ])('$name', ({ current, ref, mode, breach }) => {
    const r = evaluateRatio(current, ref);
    expect(r.mode).toBe(mode);
    if (r.mode === 'active') {
      expect(r.breach).toBe(breach);
      expect(r.usual).toBeGreaterThan(0.8);
      expect(r.usual).toBeLessThan(0.9);
      expect(r.rate).toBeCloseTo(current.answered! / current.offered!, 12);
      expect(r.p).toBeCloseTo(binomialCdf(current.answered! / r.dispersion, current.offered! / r.dispersion, r.usual), 14);
      if (current.offered === 400) expect(r.p).toBeLessThan(1e-15);
    }
  });
});

describe('advanceRatio: one note per run of breaches', () => {
  const breach: RatioResult = { mode: 'active', offered: 40, answered: 20, rate: 0.5, usual: 0.85, dispersion: 1, referenceHours: 672, drop: 0.41, p: 1e-6, breach: true };
  const calm: RatioResult = { ...breach, answered: 34, rate: 0.85, drop: 0, p: 0.6, breach: false };
  it.each<[string, RatioResult[], boolean[]]>([
    ['two breaches in a row post the note', [breach, breach], [false, true]],
    ['only once per run', [breach, breach, breach, breach], [false, true, false, false]],
    ['a calm evaluation ends the run; the next run notes again', [breach, breach, calm, breach, breach], [false, true, false, false, true]],
    ['isolated breaches never note', [breach, calm, breach, calm], [false, false, false, false]],
    ['no data ends the run', [breach, { mode: 'not_reported' }, breach], [false, false, false]],
  ])('%s', (_name, results, notes) => {
    let state = INITIAL_RATIO_STATE;
    const got: boolean[] = [];
    for (const r of results) {
      const step = advanceRatio(state, r);
      state = step.state;
      got.push(step.note);
    }
    expect(got).toEqual(notes);
  });
});

describe('explainRatio', () => {
  it('says the rate, the counts, the usual rate and how unlikely', () => {
    const r = evaluateRatio({ offered: 40, answered: 20 }, reference(40, 0.85, 3));
    if (r.mode !== 'active') throw new Error('expected active');
    expect(explainRatio(r)).toMatch(
      new RegExp(`^Answer rate dropped to 50% in the last hour \\(20 of 40 offered\\) against the usual ${Math.round(r.usual * 100)}% of the ${DEFAULT_RATIO_SETTINGS.referenceDays} days before; a drop this large happens by chance about once in 3\\.6 million hours\\.$`),
    );
    expect(1 / r.p).toBeCloseTo(3.56e6, -5); // P ≈ 2.8e-7 (see above)
  });
});
