/**
 * Silent-drop detection (DESIGN §8; RESEARCH §2.3–2.4 "Test").
 *
 * Theory of operation. Every evaluation (the engine runs one every 5 minutes per service)
 * looks at the windows that end at `now − reportingLag`: 15 min, 1 h, 3 h and 12 h, each with a
 * minimum relative drop d (80 %, 50 %, 30 %, 20 %). With O the observed and E the expected
 * count of a window, the window breaches at level α when
 *
 *     E ≥ minExpected (10)  and  O ≤ (1 − d)·E  and  P(X ≤ O) ≤ α,  X ~ NB(mean E, var φE).
 *
 * φ is the window's own: the chance variance of its hours, Σ φ(x_h)·E_h with the volume-
 * dependent φ(x) of baseline.ts, plus the variance of E itself (each hour's K-week median, in
 * proportion to how much of the hour the window covers), divided by E (see windowPhi).
 *
 * The three guards each do one job: E ≥ 10 keeps the test where a total outage can reach
 * p ≤ 1e-4 at all; the minimum drop asks for practical, not only statistical, significance;
 * the tail probability controls false alarms. Only the lower tail is tested: rises never page.
 *
 * A window that overlaps a maintenance window is not tested: the service was silent by plan.
 *
 * {@link evaluate} is a pure function of a baseline and `now`. {@link advance} is the state
 * machine across evaluations: a breach at α_page on `consecutivePage` (2) consecutive
 * evaluations opens an incident; a breach at α_watch on `consecutiveWatch` consecutive
 * evaluations posts a non-paging watch note. Both fire once per episode; an evaluation without
 * any α_watch breach ends the episode. The caller stores DetectorState between evaluations.
 */
import { DEFAULT_BASELINE_SETTINGS, expectedIn, expectedPerMinute, sourceWeekStarts, windowPhi, type Baseline, type BaselineSettings, type ReadyBaseline } from './baseline.js';
import { countIn, missingIn } from './history.js';
import { formatCount, formatWindow } from './explain.js';
import { nbinomCdf } from './nbinom.js';
import { mergeRanges, overlapsAny, type TimeRange } from './range.js';

const MINUTE_MS = 60_000;

export interface DetectionWindow {
  readonly minutes: number;
  /** Minimum relative drop d in (0, 1]: a breach needs O ≤ (1 − d)·E. */
  readonly minDrop: number;
}

export interface DetectorSettings {
  readonly windows: readonly DetectionWindow[];
  /** E_min: windows expecting fewer units are not tested. */
  readonly minExpected: number;
  readonly alphaPage: number;
  readonly alphaWatch: number;
  /** Consecutive α_page breaches that open an incident. */
  readonly consecutivePage: number;
  /** Consecutive α_watch breaches that post a watch note (RESEARCH §2.4 uses 2). */
  readonly consecutiveWatch: number;
  /** Evaluations further apart than this are not "consecutive" (a stalled engine restarts the count). */
  readonly maxEvaluationGapMs: number;
  /** Windows end this long before `now`, for services whose counts arrive late (RESEARCH §2.6). */
  readonly reportingLagMs: number;
  readonly baseline: BaselineSettings;
}

export const DEFAULT_DETECTOR_SETTINGS: DetectorSettings = Object.freeze({
  windows: Object.freeze([
    Object.freeze({ minutes: 15, minDrop: 0.8 }),
    Object.freeze({ minutes: 60, minDrop: 0.5 }),
    Object.freeze({ minutes: 180, minDrop: 0.3 }),
    Object.freeze({ minutes: 720, minDrop: 0.2 }),
  ]),
  minExpected: 10,
  alphaPage: 1e-4,
  alphaWatch: 1e-3,
  consecutivePage: 2,
  consecutiveWatch: 2,
  maxEvaluationGapMs: 15 * MINUTE_MS,
  reportingLagMs: 0,
  baseline: DEFAULT_BASELINE_SETTINGS,
});

/** Per-service overrides as stored with the service; anything left out takes the default. */
export type DetectorSettingsInput = Partial<Omit<DetectorSettings, 'baseline'>> & {
  readonly baseline?: Partial<BaselineSettings>;
};

/** Defaults merged with overrides, validated (RangeError naming the field). */
export function resolveSettings(input?: DetectorSettingsInput): DetectorSettings {
  const s: DetectorSettings = {
    ...DEFAULT_DETECTOR_SETTINGS,
    ...input,
    baseline: { ...DEFAULT_BASELINE_SETTINGS, ...input?.baseline },
  };
  const bad = (field: string, v: unknown) => new RangeError(`impact settings: invalid ${field}: ${String(v)}`);
  if (s.windows.length === 0) throw bad('windows', '[]');
  for (const w of s.windows) {
    if (!(w.minutes > 0) || !Number.isInteger(w.minutes)) throw bad('windows.minutes', w.minutes);
    if (!(w.minDrop > 0 && w.minDrop <= 1)) throw bad('windows.minDrop', w.minDrop);
  }
  if (!(s.minExpected >= 0)) throw bad('minExpected', s.minExpected);
  if (!(s.alphaPage > 0 && s.alphaPage < 1)) throw bad('alphaPage', s.alphaPage);
  if (!(s.alphaWatch > 0 && s.alphaWatch < 1)) throw bad('alphaWatch', s.alphaWatch);
  if (!(s.consecutivePage >= 1) || !Number.isInteger(s.consecutivePage)) throw bad('consecutivePage', s.consecutivePage);
  if (!(s.consecutiveWatch >= 1) || !Number.isInteger(s.consecutiveWatch)) throw bad('consecutiveWatch', s.consecutiveWatch);
  if (!(s.reportingLagMs >= 0)) throw bad('reportingLagMs', s.reportingLagMs);
  const b = s.baseline;
  if (!Number.isInteger(b.weeks) || !(b.weeks >= 1)) throw bad('baseline.weeks', b.weeks);
  if (!Number.isInteger(b.maxLookbackWeeks) || !(b.maxLookbackWeeks >= b.weeks && b.maxLookbackWeeks <= 32)) {
    throw bad('baseline.maxLookbackWeeks', b.maxLookbackWeeks);
  }
  if (!Number.isInteger(b.minCleanWeeks) || !(b.minCleanWeeks >= 1 && b.minCleanWeeks <= b.weeks)) throw bad('baseline.minCleanWeeks', b.minCleanWeeks);
  if (!(b.levelMin > 0 && b.levelMin <= 1 && b.levelMax >= 1)) throw bad('baseline.levelMin/levelMax', `${b.levelMin}/${b.levelMax}`);
  if (!(b.dispersionMax >= 1)) throw bad('baseline.dispersionMax', b.dispersionMax);
  return s;
}

export type IneligibleReason = 'low_expected' | 'no_baseline' | 'missing_data' | 'maintenance';

export interface WindowResult {
  readonly minutes: number;
  readonly minDrop: number;
  readonly start: number;
  readonly end: number;
  readonly observed: number;
  readonly expected: number;
  /** 1 − O/E (negative for a rise; 0 when E = 0). */
  readonly drop: number;
  /**
   * The window's over-dispersion: (chance variance + variance of the median-based E) / E,
   * from the volume-dependent φ(x) of each hour it touches (see baseline.ts, step 5).
   */
  readonly phi: number;
  /** P(X ≤ O) under NB(E, φ); 1 when E = 0. */
  readonly p: number;
  /** Tested at all (E ≥ minExpected, baseline complete, no missing minutes, no maintenance). */
  readonly eligible: boolean;
  readonly ineligibleReason: IneligibleReason | null;
  readonly breachWatch: boolean;
  readonly breachPage: boolean;
  /** Start instants of the weeks whose median gave E (see sourceWeekStarts). */
  readonly sourceWeeks: readonly number[];
}

interface EvaluationBase {
  /** The instant evaluated (`now`). */
  readonly at: number;
  readonly timeZone: string;
  /** What is counted, for sentences, e.g. "Conversations answered". */
  readonly metricName: string;
}

export interface LearningEvaluation extends EvaluationBase {
  readonly mode: 'learning';
  readonly cleanWeeks: number;
  readonly neededWeeks: number;
}

export interface InsufficientVolumeEvaluation extends EvaluationBase {
  readonly mode: 'insufficient_volume';
  /** The largest expected count any window reached over the past week. */
  readonly maxWindowExpected: number;
  readonly minExpected: number;
  readonly suggestion: string;
}

export interface ActiveEvaluation extends EvaluationBase {
  readonly mode: 'active';
  readonly minExpected: number;
  readonly level: number;
  /** φ of the worst window (of the longest one when none could be tested). */
  readonly phi: number;
  readonly windows: readonly WindowResult[];
  /** The eligible window with the smallest p (breaching windows first), or null. */
  readonly worst: WindowResult | null;
  /** worst.p, or 1 when no window could be tested. */
  readonly worstP: number;
  readonly breachWatch: boolean;
  readonly breachPage: boolean;
}

export type Evaluation = LearningEvaluation | InsufficientVolumeEvaluation | ActiveEvaluation;

export interface EvaluateOptions {
  readonly now: number;
  readonly settings?: DetectorSettings;
  readonly metricName?: string;
  /** Maintenance windows: a detection window overlapping one is not tested. */
  readonly maintenance?: readonly TimeRange[] | undefined;
}

/**
 * Evaluate every window at `now`. Reads only observations before `now − reportingLag` and a
 * baseline computed at or before `now` (RangeError otherwise).
 */
export function evaluate(baseline: Baseline, options: EvaluateOptions): Evaluation {
  const settings = options.settings ?? DEFAULT_DETECTOR_SETTINGS;
  const now = options.now;
  if (baseline.asOf > now) throw new RangeError(`baseline computed at ${baseline.asOf} is newer than now (${now})`);
  const metricName = options.metricName ?? 'Impact count';
  if (baseline.mode === 'learning') {
    return { mode: 'learning', at: now, timeZone: baseline.timeZone, metricName, cleanWeeks: baseline.cleanWeeks, neededWeeks: baseline.neededWeeks };
  }
  const h = baseline.history;
  const base = { at: now, timeZone: h.timeZone, metricName };
  const end = Math.floor((now - settings.reportingLagMs) / MINUTE_MS) * MINUTE_MS;

  const maintenance = mergeRanges(options.maintenance ?? []);
  const windows = settings.windows.map((w) => evaluateWindow(baseline, w, end, settings, maintenance));
  if (!windows.some((w) => w.expected >= settings.minExpected)) {
    const maxWindowExpected = maxRecentWindowExpected(baseline, settings, end);
    if (maxWindowExpected < settings.minExpected) {
      return {
        mode: 'insufficient_volume',
        ...base,
        maxWindowExpected,
        minExpected: settings.minExpected,
        suggestion:
          `At most ${formatCount(maxWindowExpected)} expected in any ${formatWindow(longest(settings))} window, ` +
          `below the ${settings.minExpected} needed to tell a silent drop from chance; ` +
          'add a heartbeat or a synthetic end-to-end check for this service.',
      };
    }
  }
  const eligible = windows.filter((w) => w.eligible);
  const worst =
    eligible.length === 0
      ? null
      : eligible.reduce((a, b) => (rank(b) < rank(a) || (rank(b) === rank(a) && b.p < a.p) ? b : a));
  return {
    mode: 'active',
    ...base,
    minExpected: settings.minExpected,
    level: baseline.level,
    phi: (worst ?? windows.reduce((a, b) => (b.minutes > a.minutes ? b : a))).phi,
    windows,
    worst,
    worstP: worst?.p ?? 1,
    breachWatch: windows.some((w) => w.breachWatch),
    breachPage: windows.some((w) => w.breachPage),
  };
}

/** Breaching windows rank before the rest, so `worst` is what an incident should cite. */
function rank(w: WindowResult): number {
  return w.breachPage ? 0 : w.breachWatch ? 1 : 2;
}

function evaluateWindow(baseline: ReadyBaseline, w: DetectionWindow, end: number, s: DetectorSettings, maintenance: readonly TimeRange[]): WindowResult {
  const h = baseline.history;
  const start = end - w.minutes * MINUTE_MS;
  const sum = expectedIn(baseline, start, end);
  const expected = sum.expected;
  const observed = countIn(h, start, end);
  const missing = missingIn(h, start, end) > 0;
  const phi = windowPhi(sum);
  const p = expected > 0 ? nbinomCdf(observed, expected, phi) : 1;
  const drop = expected > 0 ? 1 - observed / expected : 0;
  const ineligibleReason: IneligibleReason | null = overlapsAny(maintenance, start, end)
    ? 'maintenance'
    : missing
      ? 'missing_data'
      : !sum.complete
        ? 'no_baseline'
        : expected < s.minExpected
          ? 'low_expected'
          : null;
  const eligible = ineligibleReason === null;
  const dropped = observed <= (1 - w.minDrop) * expected;
  return {
    minutes: w.minutes,
    minDrop: w.minDrop,
    start,
    end,
    observed,
    expected,
    drop,
    phi,
    p,
    eligible,
    ineligibleReason,
    breachWatch: eligible && dropped && p <= Math.max(s.alphaWatch, s.alphaPage),
    breachPage: eligible && dropped && p <= s.alphaPage,
    sourceWeeks: sourceWeekStarts(baseline, end - MINUTE_MS, sum.weeksAgo),
  };
}

/**
 * Largest expected count of the longest window over the week before `end`, used to tell
 * "quiet right now" from "too small to ever test". Only computed when no window reaches E_min.
 */
function maxRecentWindowExpected(baseline: ReadyBaseline, s: DetectorSettings, end: number): number {
  const w = longest(s).minutes;
  const from = Math.max(baseline.history.start, end - (7 * 24 * 60 + w) * MINUTE_MS);
  const n = Math.floor((end - from) / MINUTE_MS);
  if (n <= 0) return 0;
  const perMinute = expectedPerMinute(baseline, from, n);
  let best = 0;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += perMinute[i]!;
    if (i >= w) acc -= perMinute[i - w]!;
    if (acc > best) best = acc;
  }
  return best;
}

function longest(s: DetectorSettings): DetectionWindow {
  return s.windows.reduce((a, b) => (b.minutes > a.minutes ? b : a));
}

// ---------------------------------------------------------------------------------------------
// State across evaluations

export interface DetectorState {
  /** Consecutive evaluations with a breach at α_page / α_watch. */
  readonly pageStreak: number;
  readonly watchStreak: number;
  readonly lastEvaluatedAt: number | null;
  /** What has already been raised for the current run of breaches. */
  readonly episode: 'none' | 'watch' | 'incident';
}

export const INITIAL_DETECTOR_STATE: DetectorState = Object.freeze({
  pageStreak: 0,
  watchStreak: 0,
  lastEvaluatedAt: null,
  episode: 'none',
});

/**
 * What the caller should do after this evaluation:
 *  - 'open_incident': page (once per episode);
 *  - 'watch': post a non-paging watch note (once per episode, never after an incident opened);
 *  - 'insufficient_volume' / 'learning': show that status, detection is off;
 *  - 'none': nothing new.
 */
export type DetectorAction = 'none' | 'watch' | 'open_incident' | 'insufficient_volume' | 'learning';

export interface DetectorStep {
  readonly state: DetectorState;
  readonly action: DetectorAction;
  /** This evaluation breached at α_watch or stricter. */
  readonly breaching: boolean;
}

/** Pure transition; idempotent per evaluation instant (re-running the same `at` changes nothing). */
export function advance(state: DetectorState, evaluation: Evaluation, settings: DetectorSettings = DEFAULT_DETECTOR_SETTINGS): DetectorStep {
  if (state.lastEvaluatedAt !== null && evaluation.at <= state.lastEvaluatedAt) {
    return { state, action: 'none', breaching: false };
  }
  if (evaluation.mode !== 'active') {
    return {
      state: { pageStreak: 0, watchStreak: 0, lastEvaluatedAt: evaluation.at, episode: 'none' },
      action: evaluation.mode,
      breaching: false,
    };
  }
  const contiguous = state.lastEvaluatedAt !== null && evaluation.at - state.lastEvaluatedAt <= settings.maxEvaluationGapMs;
  const pageStreak = evaluation.breachPage ? (contiguous ? state.pageStreak : 0) + 1 : 0;
  const watchStreak = evaluation.breachWatch ? (contiguous ? state.watchStreak : 0) + 1 : 0;
  let episode = evaluation.breachWatch ? state.episode : 'none';
  let action: DetectorAction = 'none';
  if (pageStreak >= settings.consecutivePage && episode !== 'incident') {
    action = 'open_incident';
    episode = 'incident';
  } else if (watchStreak >= settings.consecutiveWatch && episode === 'none') {
    action = 'watch';
    episode = 'watch';
  }
  return {
    state: { pageStreak, watchStreak, lastEvaluatedAt: evaluation.at, episode },
    action,
    breaching: evaluation.breachWatch,
  };
}

export { explain } from './explain.js';
