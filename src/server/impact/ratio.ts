/**
 * Answered/offered watch (RESEARCH §1.2: "a drop in the answered/offered ratio is an incident
 * even when offered volume is normal"; §2.4: "Optionally alert 'capacity' when answered/offered
 * falls"). Non-paging: it only ever posts a watch note.
 *
 * A service that reports `offered` and `answered` has a usual answer rate r₀ = ΣA/ΣO over the
 * reference period (the 28 days before the current window, incidents and holidays left out).
 * The last hour breaches when all three hold:
 *
 *   1. at least `minOffered` (20) were offered in it, and the reference offered at least
 *      `minReferenceOffered` (200);
 *   2. its rate A/O is at least `minDrop` (25 %) below r₀ (practical significance);
 *   3. so few answered would happen by chance at most α (10⁻³) of the time: A ~ quasi-binomial
 *      (O, r₀) with the dispersion ψ of the reference hours, i.e. P(X ≤ A/ψ) for X ~ Bin(O/ψ, r₀)
 *      (the Farrington way of widening a binomial; ψ = 1 when the hours scatter no more than
 *      binomial counts do).
 *
 * Two breaches in a row post one note; the episode ends with the first evaluation without a
 * breach. ψ = clamp(mean over reference hours with O_h ≥ 5 of (A_h − O_h·r₀)²/(O_h·r₀(1−r₀)),
 * each capped at the 95 % point of ψ·χ²₁ as in the count dispersion, 1, 10). Pure.
 */
import { roughNumber } from './explain.js';
import { betaI } from './nbinom.js';
// The same capped residuals as the count's over-dispersion (baseline.ts).
import { CAP, CAPPED_MEAN } from './baseline.js';

export interface RatioSettings {
  readonly windowMinutes: number;
  readonly referenceDays: number;
  readonly minOffered: number;
  readonly minReferenceOffered: number;
  /** Minimum relative drop of the answer rate, in (0, 1]. */
  readonly minDrop: number;
  readonly alpha: number;
  readonly consecutive: number;
  readonly maxDispersion: number;
}

export const DEFAULT_RATIO_SETTINGS: RatioSettings = Object.freeze({
  windowMinutes: 60,
  referenceDays: 28,
  minOffered: 20,
  minReferenceOffered: 200,
  minDrop: 0.25,
  alpha: 1e-3,
  consecutive: 2,
  maxDispersion: 10,
});

export interface OfferedAnswered {
  readonly offered: number | null;
  readonly answered: number | null;
}

export type RatioResult =
  | { readonly mode: 'not_reported' }
  | { readonly mode: 'insufficient'; readonly offered: number; readonly answered: number; readonly referenceOffered: number }
  | {
      readonly mode: 'active';
      readonly offered: number;
      readonly answered: number;
      readonly rate: number;
      /** r₀, the usual answer rate. */
      readonly usual: number;
      /** ψ, the reference hours' dispersion around r₀. */
      readonly dispersion: number;
      /** Reference hours that reported offered and answered. */
      readonly referenceHours: number;
      /** 1 − rate/usual. */
      readonly drop: number;
      readonly p: number;
      readonly breach: boolean;
    };


/** Dispersion ψ ≥ 1 of hourly answered counts around `usual` (see the header). */
export function ratioDispersion(hours: readonly OfferedAnswered[], usual: number, max: number): number {
  if (!(usual > 0 && usual < 1)) return 1;
  const u: number[] = [];
  for (const h of hours) {
    if (h.offered === null || h.answered === null || h.offered < 5) continue;
    const e = h.offered * usual;
    u.push((h.answered - e) ** 2 / (e * (1 - usual)));
  }
  if (u.length === 0) return 1;
  let psi = 1;
  for (let iteration = 0; iteration < 3; iteration++) {
    let sum = 0;
    for (const x of u) sum += Math.min(x, CAP * psi);
    psi = Math.min(max, Math.max(1, sum / u.length / CAPPED_MEAN));
  }
  return psi;
}

/** P(X ≤ k) for X ~ Bin(n, p), n and k real (quasi-binomial): I_{1−p}(n − k, k + 1). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n || p <= 0) return 1;
  if (p >= 1) return 0;
  return betaI(n - k, k + 1, 1 - p, p);
}

export function evaluateRatio(current: OfferedAnswered, referenceHours: readonly OfferedAnswered[], s: RatioSettings = DEFAULT_RATIO_SETTINGS): RatioResult {
  if (current.offered === null || current.answered === null) return { mode: 'not_reported' };
  let refO = 0;
  let refA = 0;
  let hours = 0;
  for (const h of referenceHours) {
    if (h.offered === null || h.answered === null) continue;
    refO += h.offered;
    refA += h.answered;
    hours++;
  }
  const { offered, answered } = current;
  if (offered < s.minOffered || refO < s.minReferenceOffered) return { mode: 'insufficient', offered, answered, referenceOffered: refO };
  const usual = Math.min(1, refA / refO);
  const rate = Math.min(1, answered / offered);
  const dispersion = ratioDispersion(referenceHours, usual, s.maxDispersion);
  const p = binomialCdf(answered / dispersion, offered / dispersion, usual);
  const drop = usual > 0 ? 1 - rate / usual : 0;
  return { mode: 'active', offered, answered, rate, usual, dispersion, referenceHours: hours, drop, p, breach: drop >= s.minDrop && p <= s.alpha };
}

export interface RatioState {
  readonly streak: number;
  /** A note was posted for the current run of breaches. */
  readonly noted: boolean;
}

export const INITIAL_RATIO_STATE: RatioState = Object.freeze({ streak: 0, noted: false });

/** Next state, and whether to post the note now (once per run of breaches). */
export function advanceRatio(state: RatioState, result: RatioResult, s: RatioSettings = DEFAULT_RATIO_SETTINGS): { state: RatioState; note: boolean } {
  const breach = result.mode === 'active' && result.breach;
  if (!breach) return { state: INITIAL_RATIO_STATE, note: false };
  const streak = state.streak + 1;
  const note = streak >= s.consecutive && !state.noted;
  return { state: { streak, noted: state.noted || note }, note };
}

/** One sentence for the note. */
export function explainRatio(result: RatioResult & { mode: 'active' }, s: RatioSettings = DEFAULT_RATIO_SETTINGS): string {
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  const window = s.windowMinutes === 60 ? 'the last hour' : `the last ${s.windowMinutes} minutes`;
  const hours = s.windowMinutes / 60 / result.p;
  const chance = result.p <= 0 || hours >= 1e12 ? 'practically never' : hours < 1.5 ? 'about once an hour' : `about once in ${roughNumber(hours)} hours`;
  const days = Math.max(1, Math.round(result.referenceHours / 24));
  const span = days === 1 ? 'the day before' : `the ${days} days before`;
  return (
    `Answer rate dropped to ${pct(result.rate)} in ${window} (${result.answered} of ${result.offered} offered) ` +
    `against the usual ${pct(result.usual)} of ${span}; a drop this large happens by chance ${chance}.`
  );
}
