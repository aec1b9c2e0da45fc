/**
 * The impact API a database-backed service calls. Pure: the caller loads the data
 * and stores the results; nothing here reads a clock, a file or a database.
 *
 * Per evaluation (every 5 minutes per service, from the engine's impact-detect module):
 *
 *   const from = historyStart(now, settings);            // load minute buckets [from, now)
 *   const evaluation = evaluateImpact({ series, timeZone, openingHours, excluded, settings, now, metricName });
 *   const step = advance(savedState, evaluation, resolveSettings(settings));
 *   save(step.state);
 *   if (step.action === 'open_incident') trigger(explain(evaluation));
 *   if (step.action === 'watch') postWatchNote(explain(evaluation));
 *
 * `excluded` holds past incident windows and holidays (they are kept out of baselines).
 * `maintenance` holds maintenance windows: kept out of baselines too, and a detection window
 * that overlaps one is not tested (a planned silence is not a silent drop).
 * Minutes with no report at all should be NaN in `series.counts`, not 0.
 */
import { peopleAffected, type PeopleAffected } from './affected.js';
import { computeBaseline, expectedBand, type Baseline, type ExpectedBand } from './baseline.js';
import { evaluate, resolveSettings, type DetectorSettings, type DetectorSettingsInput, type Evaluation } from './detect.js';
import { buildHistory, WEEK_MS, type MinuteSeries } from './history.js';
import type { OpeningHours } from './opening-hours.js';
import type { TimeRange } from './range.js';

export interface ImpactInput {
  /** Per-minute buckets covering at least [historyStart(now, settings), now). */
  readonly series: MinuteSeries;
  /** The service's IANA zone (hour-of-week slots are local hours there). */
  readonly timeZone: string;
  readonly openingHours?: OpeningHours | null;
  /** Incident windows and holidays to keep out of baselines. */
  readonly excluded?: readonly TimeRange[];
  /** Maintenance windows: out of baselines, and no detection window overlapping one is tested. */
  readonly maintenance?: readonly TimeRange[];
  readonly settings?: DetectorSettingsInput;
  readonly now: number;
  /** e.g. "Conversations answered"; used in sentences. */
  readonly metricName?: string;
}

const HOUR_MS = 3_600_000;

/**
 * Earliest instant whose data can influence an evaluation at `now`: the level and dispersion
 * windows (ending 6 h ago) plus the 8-week look-back of their own baselines, plus an hour of
 * slack for DST. Loading less is allowed; the baseline then uses what it has.
 */
export function historyStart(now: number, settings?: DetectorSettingsInput): number {
  const b = resolveSettings(settings).baseline;
  const span = b.levelGuardMs + Math.max(b.levelWindowMs, b.dispersionWindowMs) + b.maxLookbackWeeks * WEEK_MS + HOUR_MS;
  return Math.floor((now - span) / 60_000) * 60_000;
}

/** History + baseline as of `now` (exposed for charts, bands and the people-affected figure). */
export function baselineFor(input: ImpactInput, settings: DetectorSettings = resolveSettings(input.settings)): Baseline {
  const history = buildHistory(input.series, input.timeZone, input.openingHours);
  return computeBaseline(history, { asOf: input.now, excluded: [...(input.excluded ?? []), ...(input.maintenance ?? [])], settings: settings.baseline });
}

/** One silent-drop evaluation at `now`. */
export function evaluateImpact(input: ImpactInput): Evaluation {
  const settings = resolveSettings(input.settings);
  const baseline = baselineFor(input, settings);
  return evaluate(baseline, { now: input.now, settings, metricName: input.metricName, maintenance: input.maintenance });
}

/**
 * People affected by an incident. The incident window is added to the excluded ranges so that
 * it never lowers its own expectation. Returns null while the service is still learning.
 */
export function estimatePeopleAffected(
  input: ImpactInput & { readonly incident: TimeRange; readonly peoplePerUnit?: number | null },
): PeopleAffected | null {
  const baseline = baselineFor({ ...input, excluded: [...(input.excluded ?? []), input.incident] });
  if (baseline.mode !== 'ready') return null;
  return peopleAffected(baseline, { incident: input.incident, now: input.now, peoplePerUnit: input.peoplePerUnit });
}

/** Expected count and its 5 %–95 % band over [from, to) (for "served per hour/day/month"). */
export function expectedBandFor(input: ImpactInput & { readonly from: number; readonly to: number }): ExpectedBand | null {
  const baseline = baselineFor(input);
  if (baseline.mode !== 'ready') return null;
  return expectedBand(baseline, input.from, input.to);
}

// The rest of the public surface, so callers import from one module.
export { peopleAffected, type AffectedOptions, type Estimate, type PeopleAffected } from './affected.js';
export {
  computeBaseline,
  DEFAULT_BASELINE_SETTINGS,
  expectedBand,
  expectedIn,
  expectedPerMinute,
  type Baseline,
  type BaselineSettings,
  type ExpectedBand,
  type ExpectedSum,
  type HourBaseline,
  type LearningBaseline,
  type ReadyBaseline,
} from './baseline.js';
export {
  counterIncreases,
  counterToMinutes,
  increasesToIntervals,
  mergeBuckets,
  spreadToMinutes,
  type CounterIncrease,
  type CounterSample,
  type IntervalCount,
  type MinuteBucket,
} from './counter.js';
export {
  advance,
  DEFAULT_DETECTOR_SETTINGS,
  evaluate,
  explain,
  INITIAL_DETECTOR_STATE,
  resolveSettings,
  type ActiveEvaluation,
  type DetectionWindow,
  type DetectorAction,
  type DetectorSettings,
  type DetectorSettingsInput,
  type DetectorState,
  type DetectorStep,
  type Evaluation,
  type InsufficientVolumeEvaluation,
  type LearningEvaluation,
  type WindowResult,
} from './detect.js';
export { buildHistory, seriesFromBuckets, type History, type MinuteSeries } from './history.js';
export { nbinomCdf, nbinomQuantile } from './nbinom.js';
export { isOpen, openFraction, openIntervals, validateOpeningHours, type OpeningHours, type OpeningHoursRule } from './opening-hours.js';
export type { TimeRange } from './range.js';
