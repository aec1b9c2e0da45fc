/**
 * Expected counts (DESIGN §8; RESEARCH §2.4 "Baseline", steps 1–5).
 *
 *  1. For each local hour, b_h = median of the same local hour in the K = 4 most recent CLEAN
 *     weeks, looking back up to 8 weeks. A past hour is clean when it does not touch an
 *     excluded range (incident windows, holidays), has no missing minutes and was open at
 *     least a little. Fewer than 2 clean values: that hour has no baseline.
 *  2. Values are rates per open minute, so an hour that is half closed, or the 120-minute
 *     repeated hour of a fall-back night, compares fairly; closed minutes expect 0.
 *  3. Level factor L = clamp((Σc + 1)/(Σb + 1), 0.67, 1.5) over the 7 days ending 6 h before
 *     `asOf` (rounded down to the last completed local hour), counting only clean hours that
 *     have a baseline (the 6 h gap keeps a current incident out of its own baseline).
 *  4. Expected E = L·b.
 *  5. Over-dispersion as a function of volume, φ(x) = min(a + c·x, 10) with x the expected
 *     count per hour, a ≥ 1 and c ≥ 0 (see {@link estimateDispersion}), fitted to clean hours
 *     with E_h ≥ 5 in the last 14 days (ending at the same 6 h guard). c is the negative-binomial
 *     "NB2" term (variance μ + μ²/k per hour, c = 1/k): traffic whose rate wobbles is noisier
 *     at busy hours than at quiet ones, so one φ for all hours would be too large at night and
 *     too small at the peak. a > 1 covers counts that arrive in clumps at any volume.
 *     The residuals are first divided by the share of their variance that comes from the
 *     K-week median itself, so φ describes the counts; the detector adds the median's share
 *     back per window (see {@link expectedIn}).
 *
 * The service is in learning mode while fewer than 2 clean weeks of data exist before `asOf`.
 *
 * A Baseline is a value computed from (history, excluded ranges, asOf, settings) only. It reads
 * data strictly before `asOf` (every source hour is at least a week old, L and φ end 6 h ago),
 * so giving it a longer history never changes the answer. Per-hour medians are computed lazily
 * and memoised inside the Baseline object.
 */
import { nbinomQuantile } from './nbinom.js';
import { HOURS_PER_WEEK, WEEK_MS, hourIndexAt, indexOfKey, missingIn, openMinutesIn, type History } from './history.js';
import { mergeRanges, overlapMs, overlapsAny, type TimeRange } from './range.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Median of the χ²₁ distribution: E[(y−E)²/E] has this median for Poisson noise. */
const CHI2_1_MEDIAN = 0.454936423119572;

export interface BaselineSettings {
  /** K: clean weeks whose median is the baseline. */
  readonly weeks: number;
  /** How far back to look for K clean weeks. */
  readonly maxLookbackWeeks: number;
  /** Fewer clean weeks than this: learning mode (and no baseline for a single hour). */
  readonly minCleanWeeks: number;
  readonly levelWindowMs: number;
  /** The level and dispersion windows end this long before asOf. */
  readonly levelGuardMs: number;
  readonly levelMin: number;
  readonly levelMax: number;
  readonly dispersionWindowMs: number;
  /** Hours with a smaller expected count are too noisy to estimate φ from. */
  readonly dispersionMinExpected: number;
  readonly dispersionMax: number;
}

export const DEFAULT_BASELINE_SETTINGS: BaselineSettings = Object.freeze({
  weeks: 4,
  maxLookbackWeeks: 8,
  minCleanWeeks: 2,
  levelWindowMs: 7 * DAY_MS,
  levelGuardMs: 6 * HOUR_MS,
  levelMin: 0.67,
  levelMax: 1.5,
  dispersionWindowMs: 14 * DAY_MS,
  dispersionMinExpected: 5,
  dispersionMax: 10,
});

/** Baseline of one local hour: its rate per open minute and where it came from. */
export interface HourBaseline {
  /** Median count per open minute (before the level factor). */
  readonly rate: number;
  /** Weeks back (1 = last week) of the values used, most recent first. */
  readonly weeksAgo: readonly number[];
  /** Mean open minutes of the past hours the median came from (the rate's sample size). */
  readonly sourceOpenMinutes: number;
}

export interface LearningBaseline {
  readonly mode: 'learning';
  readonly asOf: number;
  readonly timeZone: string;
  readonly cleanWeeks: number;
  readonly neededWeeks: number;
}

export interface ReadyBaseline {
  readonly mode: 'ready';
  readonly asOf: number;
  readonly history: History;
  readonly settings: BaselineSettings;
  /** Excluded ranges, merged and sorted. */
  readonly excluded: readonly TimeRange[];
  readonly cleanWeeks: number;
  /** Level factor after clamping, and before (for display: "scaled +6% for recent growth"). */
  readonly level: number;
  readonly levelRaw: number;
  /** Over-dispersion as a function of volume (φ = 1 everywhere when no hour qualified). */
  readonly dispersion: Dispersion;
  /** Baseline of h.hours[index], or null when fewer than minCleanWeeks clean values exist. */
  hour(index: number): HourBaseline | null;
  /** Just the rate of {@link hour} (−1 for none), without allocating. */
  rateOf(index: number): number;
}

export type Baseline = LearningBaseline | ReadyBaseline;

export interface BaselineOptions {
  readonly asOf: number;
  readonly excluded?: readonly TimeRange[];
  readonly settings?: BaselineSettings;
}

export function computeBaseline(history: History, options: BaselineOptions): Baseline {
  const settings = options.settings ?? DEFAULT_BASELINE_SETTINGS;
  const asOf = options.asOf;
  const excluded = mergeRanges(options.excluded ?? []);

  const cleanWeeks = countCleanWeeks(history, excluded, asOf, settings);
  if (cleanWeeks < settings.minCleanWeeks) {
    return { mode: 'learning', asOf, timeZone: history.timeZone, cleanWeeks, neededWeeks: settings.minCleanWeeks };
  }

  // Per-hour medians, computed on first use: NaN = not yet, −1 = no baseline, else the rate.
  const rates = new Float64Array(history.hours.length).fill(NaN);
  const weekMasks = new Uint32Array(history.hours.length);
  const sourceOpen = new Float64Array(history.hours.length);
  const scratch = new Float64Array(settings.weeks);
  const rateOf = (index: number): number => {
    let r = rates[index]!;
    if (Number.isNaN(r)) {
      r = hourMedian(history, excluded, asOf, settings, index, weekMasks, sourceOpen, scratch);
      rates[index] = r;
    }
    return r;
  };
  const hour = (index: number): HourBaseline | null => {
    const r = rateOf(index);
    if (r < 0) return null;
    const weeksAgo: number[] = [];
    for (let k = 1, m = weekMasks[index]!; m !== 0; k++, m >>>= 1) if (m & 1) weeksAgo.push(k);
    return { rate: r, weeksAgo, sourceOpenMinutes: sourceOpen[index]! };
  };

  // Both windows end where the last local hour completed before asOf − guard, so they always
  // hold whole hours and stay the same between hour boundaries.
  const guardEnd = lastHourEndBefore(history, asOf - settings.levelGuardMs);
  const isUsable = (i: number) => {
    const lh = history.hours[i]!;
    return !overlapsAny(excluded, lh.start, lh.end) && missingIn(history, lh.start, lh.end) === 0;
  };

  // Level factor over clean local hours in [guardEnd − window, guardEnd).
  let observed = 0;
  let base = 0;
  forHoursWithin(history, guardEnd - settings.levelWindowMs, guardEnd, (i) => {
    if (!isUsable(i)) return;
    const open = history.hourOpen[i]!;
    const rate = open > 0 ? rateOf(i) : 0;
    if (rate < 0) return; // open but no baseline: says nothing about the level
    observed += history.hourCount[i]!;
    base += rate * open;
  });
  const levelRaw = (observed + 1) / (base + 1);
  const level = clamp(levelRaw, settings.levelMin, settings.levelMax);

  // Over-dispersion from the residuals of recent clean hours.
  const points: DispersionPoint[] = [];
  forHoursWithin(history, guardEnd - settings.dispersionWindowMs, guardEnd, (i) => {
    if (!isUsable(i)) return;
    const open = history.hourOpen[i]!;
    if (open <= 0) return;
    const rate = rateOf(i);
    if (rate < 0) return;
    const e = level * rate * open;
    if (e < settings.dispersionMinExpected) return;
    points.push({
      perHour: level * rate * 60,
      expected: e,
      observed: history.hourCount[i]!,
      medianShare: (open / sourceOpen[i]!) * medianVarianceShare(popcount(weekMasks[i]!)),
    });
  });
  const dispersion = estimateDispersion(points, settings.dispersionMax);

  return {
    mode: 'ready',
    asOf,
    history,
    settings,
    excluded,
    cleanWeeks,
    level,
    levelRaw,
    dispersion,
    hour,
    rateOf,
  };
}

/** Expected count over [from, to), with what went into it. */
export interface ExpectedSum {
  /** Σ E over the range (level factor applied, closed minutes 0). */
  readonly expected: number;
  /** False when some open minute in the range has no baseline or lies outside the history. */
  readonly complete: boolean;
  /** Union of weeks back used by the hours in the range, ascending. */
  readonly weeksAgo: readonly number[];
  /**
   * Variance of the count around `expected` from chance alone: Σ E_p·φ(x_p) over the hours p
   * the range touches (x_p: that hour's expected count per hour).
   */
  readonly variance: number;
  /**
   * Variance of `expected` itself, from estimating each hour by a K-week median: an hour's
   * median has s(K)·φ·E_h of variance (s(K): variance of the median of K unit-variance values,
   * {@link medianVarianceShare}), and a range holding a fraction f of the hour carries f² of it
   * (pieces of different hours add, their medians being independent).
   */
  readonly medianVariance: number;
}

/**
 * Σ E over [from, to). Minutes before the history or in hours without a baseline make the sum
 * incomplete (their share is left out of `expected`).
 */
export function expectedIn(baseline: ReadyBaseline, from: number, to: number): ExpectedSum {
  const h = baseline.history;
  let expected = 0;
  let complete = from >= h.start && to <= h.end;
  let variance = 0;
  let medianVar = 0;
  const weeks = new Set<number>();
  let i = hourIndexAt(h, Math.max(from, h.start));
  for (; i >= 0 && i < h.hours.length; i++) {
    const lh = h.hours[i]!;
    if (lh.start >= to) break;
    const a = Math.max(from, lh.start);
    const b = Math.min(to, lh.end);
    if (b <= a) continue;
    const open = openMinutesIn(h, a, b);
    if (open <= 0) continue;
    const hb = baseline.hour(i);
    if (hb === null) {
      complete = false;
      continue;
    }
    const e = baseline.level * hb.rate * open;
    const phi = dispersionAt(baseline.dispersion, baseline.level * hb.rate * 60);
    expected += e;
    variance += phi * e;
    // The rate's median has variance s(K)·φ·rate/m (m: open minutes of its source hours), so
    // E_p = L·rate·open carries s(K)·φ·E_p·open/m.
    medianVar += (open / hb.sourceOpenMinutes) * medianVarianceShare(hb.weeksAgo.length) * phi * e;
    for (const w of hb.weeksAgo) weeks.add(w);
  }
  return { expected, complete, weeksAgo: [...weeks].sort((x, y) => x - y), variance, medianVariance: medianVar };
}

/** φ of a count whose variance (chance and median together) is that of `sum`: 1 when E = 0. */
export function windowPhi(sum: ExpectedSum, withMedian = true): number {
  if (!(sum.expected > 0)) return 1;
  return Math.max(1, (sum.variance + (withMedian ? sum.medianVariance : 0)) / sum.expected);
}

/**
 * Expected count of each of the `minutes` minutes from `from` (minute-aligned), for charts and
 * sliding sums: 0 where closed, unknown (no baseline) or outside the history.
 */
export function expectedPerMinute(baseline: ReadyBaseline, from: number, minutes: number): Float64Array {
  const h = baseline.history;
  const out = new Float64Array(minutes);
  const to = from + minutes * 60_000;
  let i = hourIndexAt(h, Math.max(from, h.start));
  for (; i >= 0 && i < h.hours.length; i++) {
    const lh = h.hours[i]!;
    if (lh.start >= to) break;
    const hb = baseline.hour(i);
    if (hb === null) continue;
    const perOpenMinute = baseline.level * hb.rate;
    const first = Math.max(0, Math.floor((lh.start - from) / 60_000));
    const last = Math.min(minutes, Math.ceil((lh.end - from) / 60_000));
    for (let m = first; m < last; m++) {
      const t = from + m * 60_000;
      out[m] = perOpenMinute * openMinutesIn(h, Math.max(t, lh.start), Math.min(t + 60_000, lh.end));
    }
  }
  return out;
}

export interface ExpectedBand {
  readonly expected: number;
  readonly low: number;
  readonly high: number;
  readonly complete: boolean;
}

/**
 * The expected band for reporting "served per hour/day/month": Σ E over [from, to) and the
 * `lower`/`upper` quantiles (default 5 %–95 %) of NB(mean ΣE, φ). It uses the same E and φ
 * as the detector, so what people see and what pages agree (RESEARCH §2.5).
 */
export function expectedBand(
  baseline: ReadyBaseline,
  from: number,
  to: number,
  quantiles: { lower: number; upper: number } = { lower: 0.05, upper: 0.95 },
): ExpectedBand {
  const sum = expectedIn(baseline, from, to);
  const phi = windowPhi(sum, false);
  return {
    expected: sum.expected,
    low: nbinomQuantile(quantiles.lower, sum.expected, phi),
    high: nbinomQuantile(quantiles.upper, sum.expected, phi),
    complete: sum.complete,
  };
}

/**
 * Start instants of the weeks a median came from, for citing in a summary: for each weeks-back
 * value, the start of the same local hour as `at` that many weeks earlier.
 */
export function sourceWeekStarts(baseline: ReadyBaseline, at: number, weeksAgo: readonly number[]): number[] {
  const h = baseline.history;
  const idx = hourIndexAt(h, Math.min(Math.max(at, h.start), h.end - 1));
  const key = idx >= 0 ? h.hours[idx]!.key : undefined;
  return weeksAgo
    .map((k) => {
      const j = key === undefined ? -1 : indexOfKey(h, key - HOURS_PER_WEEK * k);
      return j < 0 ? at - k * WEEK_MS : h.hours[j]!.start;
    })
    .sort((x, y) => x - y);
}

// ---------------------------------------------------------------------------------------------

/**
 * Median rate of the same local hour in the most recent `weeks` clean weeks (looking back up to
 * maxLookbackWeeks), or −1 when fewer than minCleanWeeks qualify. Records which weeks were used
 * as a bit mask (bit k−1 = k weeks ago).
 */
function hourMedian(
  h: History,
  excluded: readonly TimeRange[],
  asOf: number,
  s: BaselineSettings,
  index: number,
  weekMasks: Uint32Array,
  sourceOpen: Float64Array,
  values: Float64Array,
): number {
  const key = h.hours[index]!.key;
  let n = 0;
  let mask = 0;
  let open = 0;
  for (let k = 1; k <= s.maxLookbackWeeks && n < s.weeks; k++) {
    const j = indexOfKey(h, key - HOURS_PER_WEEK * k);
    if (j < 0) continue; // before the history, or a skipped spring-forward hour
    const rate = h.hourRate[j]!;
    if (Number.isNaN(rate)) continue; // missing minutes, or closed that week
    const past = h.hours[j]!;
    if (past.end > asOf || overlapsAny(excluded, past.start, past.end)) continue;
    // Insertion keeps values[0..n) sorted.
    let p = n++;
    while (p > 0 && values[p - 1]! > rate) {
      values[p] = values[p - 1]!;
      p--;
    }
    values[p] = rate;
    open += h.hourOpen[j]!;
    if (k <= 32) mask |= 1 << (k - 1);
  }
  weekMasks[index] = mask >>> 0;
  sourceOpen[index] = n > 0 ? open / n : 0;
  if (n < s.minCleanWeeks) return -1;
  const mid = n >> 1;
  return n % 2 === 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}

/**
 * Weeks k = 1..maxLookback whose span [asOf − k weeks, asOf − (k−1) weeks) lies inside the
 * history, has no missing minutes and is less than half excluded.
 */
function countCleanWeeks(h: History, excluded: readonly TimeRange[], asOf: number, s: BaselineSettings): number {
  let n = 0;
  for (let k = 1; k <= s.maxLookbackWeeks; k++) {
    const a = asOf - k * WEEK_MS;
    const b = a + WEEK_MS;
    if (a < h.start || b > h.end) continue;
    if (missingIn(h, a, b) > 0) continue;
    let ex = 0;
    for (const r of excluded) ex += overlapMs(r.start, r.end, a, b);
    if (ex * 2 >= WEEK_MS) continue;
    n++;
  }
  return n;
}

/** End of the latest local hour that ends at or before t (t itself outside the history). */
function lastHourEndBefore(h: History, t: number): number {
  const i = hourIndexAt(h, t);
  if (i < 0) return t;
  const lh = h.hours[i]!;
  return lh.start === t || i === 0 ? lh.start : h.hours[i - 1]!.end;
}

/** Calls fn for every local hour lying entirely inside [from, to). */
function forHoursWithin(h: History, from: number, to: number, fn: (index: number) => void): void {
  let i = hourIndexAt(h, Math.max(from, h.start));
  if (i < 0) return;
  for (; i < h.hours.length; i++) {
    const lh = h.hours[i]!;
    if (lh.end > to) break;
    if (lh.start >= from) fn(i);
  }
}

// ---------------------------------------------------------------------------------------------
// Over-dispersion as a function of volume

/** φ(x) = min(floor + slope·x, max), x the expected count per hour. */
export interface Dispersion {
  /** φ at vanishing volume (≥ 1): clumping that does not grow with volume. */
  readonly floor: number;
  /** Growth of φ per unit expected per hour (≥ 0); 1/slope is the NB2 size k of an hour. */
  readonly slope: number;
  readonly max: number;
  /** Hours the fit used (0 → φ = 1). */
  readonly hours: number;
}

export const POISSON_DISPERSION: Dispersion = Object.freeze({ floor: 1, slope: 0, max: 1, hours: 0 });

export function dispersionAt(d: Dispersion, perHour: number): number {
  return Math.min(d.max, Math.max(1, d.floor + d.slope * Math.max(0, perHour)));
}

/** One clean past hour: its expected count per hour, expected and observed counts, and K. */
export interface DispersionPoint {
  readonly perHour: number;
  readonly expected: number;
  readonly observed: number;
  /**
   * Var(E)/(φ·E) for this hour: f·s(K), with K the weeks its median was taken over and f its
   * open minutes over those of the hours the median came from (1 for an ordinary hour).
   */
  readonly medianShare: number;
}

/**
 * A floor above 1 is kept only when it exceeds 1 by this many standard errors: otherwise the
 * counts are taken as plain negative binomial (φ → 1 at low volume), the textbook form, whose
 * one parameter is pinned down by the busy hours instead of extrapolated from the quiet ones.
 */
const FLOOR_EVIDENCE = 2;
/**
 * Squared residuals above this many times φ(x) are capped (the 95 % point of χ²₁), so that a
 * few hours of an unrecorded incident or a surge move the fit little.
 */
export const CAP = 3.841458820694124;
/** E[min(χ²₁, CAP)] = P(χ²₃ ≤ CAP) + CAP·5 %: capping shrinks a clean mean by this, divided back out. */
export const CAPPED_MEAN = 0.9129724772511087;

/**
 * Fit φ(x) = a + c·x to recent clean hours (a ≥ 1, c ≥ 0, φ ≤ max).
 *
 * For an hour with expected E and observed y, u = (y − E)²/(E·(1 + s(K))) has mean φ(x): the
 * squared Pearson residual with the median's own share of the variance taken out. The fit is
 * weighted least squares of u on x (weights 1/φ(x)², since Var(u) ≈ 2φ²), started from the
 * robust pooled value median(u)/0.455 and repeated three times with each u capped at the
 * 95 % point of φ(x)·χ²₁ (and the mean's shrinkage from capping divided back out), so an
 * unrecorded incident or a one-off surge moves the fit by a bounded amount. A negative slope is taken as 0 (one φ for all volumes), and a floor below 1
 * as 1 (never under-dispersed), refitting the other parameter. Pure.
 */
export function estimateDispersion(points: readonly DispersionPoint[], max: number): Dispersion {
  const n = points.length;
  if (n === 0) return { floor: 1, slope: 0, max, hours: 0 };
  const x = points.map((p) => p.perHour);
  const u = points.map((p) => ((p.observed - p.expected) ** 2) / (p.expected * (1 + p.medianShare)));
  let a = clamp(median(u) / CHI2_1_MEDIAN, 1, max);
  let c = 0;
  for (let iteration = 0; iteration < 3; iteration++) {
    let sw = 0, swx = 0, swy = 0, swxx = 0, swxy = 0;
    for (let i = 0; i < n; i++) {
      const phi = Math.min(max, a + c * x[i]!);
      const w = 1 / (phi * phi);
      const v = Math.min(u[i]!, CAP * phi) / CAPPED_MEAN;
      sw += w;
      swx += w * x[i]!;
      swy += w * v;
      swxx += w * x[i]! * x[i]!;
      swxy += w * x[i]! * v;
    }
    const sxx = swxx - (swx * swx) / sw;
    c = sxx > 1e-9 * swxx ? (swxy - (swx * swy) / sw) / sxx : 0;
    a = (swy - c * swx) / sw;
    if (c < 0) {
      c = 0;
      a = swy / sw;
    }
    // Var(u) ≈ 2φ², so with weights 1/φ² the floor's standard error is √(2·Σwx²/det).
    const det = sw * swxx - swx * swx;
    const seFloor = c > 0 && det > 0 ? Math.sqrt((2 * swxx) / det) : Math.sqrt(2 / sw);
    if (a - 1 <= FLOOR_EVIDENCE * seFloor) {
      // No clear clumping: the plain NB2 form, φ(x) = 1 + c·x, refitted through φ(0) = 1.
      a = 1;
      c = swxx > 0 ? Math.max(0, (swxy - swx) / swxx) : 0;
    }
    a = Math.min(a, max);
  }
  return { floor: a, slope: c, max, hours: n };
}

/**
 * s(K): variance of the median of K independent unit-variance normal values (the mean of the
 * middle two for even K), from 2·10⁶ simulated samples per K; beyond 12, the large-sample π/(2K).
 */
const MEDIAN_VARIANCE = [1, 0.5, 0.4486, 0.2975, 0.2868, 0.2145, 0.2107, 0.1679, 0.1662, 0.1384, 0.1374, 0.1176];

export function medianVarianceShare(k: number): number {
  if (!(k >= 1)) return 0;
  return k <= MEDIAN_VARIANCE.length ? MEDIAN_VARIANCE[Math.floor(k) - 1]! : Math.PI / (2 * k);
}

function popcount(m: number): number {
  let n = 0;
  for (let v = m >>> 0; v !== 0; v &= v - 1) n++;
  return n;
}

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
