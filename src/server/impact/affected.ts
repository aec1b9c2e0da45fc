/**
 * People affected by an incident (DESIGN §8; RESEARCH §2.5).
 *
 *  - Shortfall ("people delayed"): S = Σ (E − O) over the incident window.
 *  - Its variance: Var(S) ≈ Σ φ_h·E_h + Σ f_h·s(K_h)·φ_h·E_h — the NB noise of the observations
 *    (φ_h from the volume-dependent dispersion of each hour) plus the sampling variance of each
 *    hour's K-week median (s(K) ≈ π/(2K), f_h the share of the hour inside the window), as
 *    computed by expectedIn; the 90 % interval is S ± 1.645·√Var.
 *  - Catch-up: C = Σ (O − E) over the 24 h after the incident ends. People who came back
 *    later were served late, not lost, so "likely not served" = max(0, S − max(0, C)).
 *  - Units: counts are contacts; with a people-per-unit factor u (unique people per unit, last
 *    full month) the figures are multiplied by u and labelled approximate people.
 *
 * The baseline passed in must have been computed with the incident window among its excluded
 * ranges, so the incident does not lower its own expectation (impact.ts does this).
 */
import { expectedIn, type ReadyBaseline } from './baseline.js';
import { countIn } from './history.js';
import type { TimeRange } from './range.js';

const Z90 = 1.6448536269514722;
const DAY_MS = 86_400_000;

export interface AffectedOptions {
  /** The incident window; `end` is the resolution time, or `now` while the incident is open. */
  readonly incident: TimeRange;
  readonly now: number;
  /** Unique people per unit; absent → figures are labelled 'contacts'. */
  readonly peoplePerUnit?: number | null;
  /** How long after the incident catch-up is counted (default 24 h). */
  readonly catchUpMs?: number;
}

export interface Estimate {
  readonly estimate: number;
  /** 90 % interval, floored at 0. */
  readonly low: number;
  readonly high: number;
}

export interface PeopleAffected {
  readonly label: 'contacts' | 'approximate people';
  /** Multiplier applied to unit counts (1 for contacts). */
  readonly factor: number;
  /** Gross shortfall: people delayed. */
  readonly shortfall: Estimate;
  /** Net of catch-up: people likely not served. */
  readonly net: Estimate;
  /** Excess served after the incident (≥ 0 when people came back), in the same label. */
  readonly catchUp: number;
  /** False while the 24 h after the incident have not fully passed yet. */
  readonly catchUpComplete: boolean;
  /** Raw unit counts over the incident window. */
  readonly observed: number;
  readonly expected: number;
  /** False when part of the window had no baseline (the estimate then covers the rest). */
  readonly complete: boolean;
}

export function peopleAffected(baseline: ReadyBaseline, options: AffectedOptions): PeopleAffected {
  const { incident, now } = options;
  const u = options.peoplePerUnit ?? null;
  if (u !== null && !(u > 0 && Number.isFinite(u))) throw new RangeError(`peoplePerUnit must be a positive number, got ${u}`);
  const catchUpMs = options.catchUpMs ?? DAY_MS;
  const h = baseline.history;

  const t0 = incident.start;
  const t1 = Math.min(incident.end, now);
  const during = expectedIn(baseline, t0, t1);
  const observed = countIn(h, t0, t1);
  const s = during.expected - observed;
  const varS = during.variance + during.medianVariance;

  const c1 = Math.min(t1 + catchUpMs, now);
  const after = expectedIn(baseline, t1, c1);
  const c = c1 > t1 ? countIn(h, t1, c1) - after.expected : 0;
  const varC = after.variance + after.medianVariance;

  const net = s - Math.max(0, c);
  const varNet = varS + (c > 0 ? varC : 0);

  const factor = u ?? 1;
  const est = (x: number, v: number): Estimate => ({
    estimate: Math.max(0, x) * factor,
    low: Math.max(0, x - Z90 * Math.sqrt(v)) * factor,
    high: Math.max(0, x + Z90 * Math.sqrt(v)) * factor,
  });
  return {
    label: u === null ? 'contacts' : 'approximate people',
    factor,
    shortfall: est(s, varS),
    net: est(net, varNet),
    catchUp: Math.max(0, c) * factor,
    catchUpComplete: incident.end + catchUpMs <= now,
    observed,
    expected: during.expected,
    complete: during.complete,
  };
}
