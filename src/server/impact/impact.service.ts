/**
 * Impact use cases around the pure math in impact.ts (DESIGN §8):
 *
 *  - the metric of a service (validated settings, opening hours, holidays);
 *  - recording counts from `POST /v1/impact` (intervals or counters, with the last counter
 *    sample per integration kept in a row so increases carry across requests);
 *  - one detector evaluation for the engine's impact-detect module, split into a pure-ish
 *    `prepareEvaluation` (loads rows, runs the math, decides) and `applyEvaluation` (one short
 *    transaction that re-checks the lease and writes: state, incident, watch note, people
 *    affected). A node that dies in between loses nothing: the lease runs out and the next
 *    evaluation redoes the work; DetectorState makes a repeated instant a no-op;
 *  - the reads behind the impact API: a service's metric, an incident's figure, the incidents report.
 */
import type { Kysely } from 'kysely';
import { DateTime, IANAZone } from 'luxon';
import { invalid, notFound } from '../errors.js';
import type { IncidentChange } from '../lib/bus.js';
import type { Clock } from '../lib/clock.js';
import { iso } from '../lib/clock.js';
import type { AgentRef } from '../incident/incident.js';
import { requireIncident, resolveAlert } from '../incident/incident.service.js';
import { appendLog, type Tx } from '../incident/timeline.js';
import { servicePlan } from '../incident/alert-plan.js';
import { triggerAlert } from '../incident/trigger.service.js';
import { getIncident } from '../incident/incident.store.js';
import { getOrganization } from '../org/org.store.js';
import { maintenanceOf } from '../maintenance/maintenance.service.js';
import { requireService } from '../service/service.service.js';
import { getService, getServicesByIds, listIntegrations } from '../service/service.store.js';
import { isRetryableTxError } from '../storage/dialect.js';
import type { Database, ImpactMetricTable, IncidentImpactTable, IntegrationTable, ServiceTable } from '../storage/schema.js';
import {
  advance,
  baselineFor,
  counterIncreases,
  estimatePeopleAffected,
  evaluateImpact,
  explain,
  historyStart,
  increasesToIntervals,
  INITIAL_DETECTOR_STATE,
  resolveSettings,
  seriesFromBuckets,
  spreadToMinutes,
  validateOpeningHours,
  type CounterSample,
  type DetectorAction,
  type DetectorSettingsInput,
  type DetectorState,
  type Evaluation,
  type IntervalCount,
  type MinuteSeries,
  type OpeningHours,
  type PeopleAffected,
  type TimeRange,
} from './impact.js';
import type { ImpactSample } from './ingest.js';
import * as store from './impact.store.js';
import { mergeRanges, overlapsAny } from './range.js';
import { advanceRatio, DEFAULT_RATIO_SETTINGS, evaluateRatio, explainRatio, INITIAL_RATIO_STATE, type RatioResult, type RatioState } from './ratio.js';
import { dropStart } from './window.js';
import { say } from '../lib/i18n/translate.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** The detector runs every 5 minutes per service (DESIGN §8). */
export const EVAL_EVERY_MS = 5 * MINUTE_MS;
/** How long a claimed evaluation may take before another node may redo it. */
export const EVAL_LEASE_MS = 2 * MINUTE_MS;
/** An incident keeps at most this much of its window out of baselines (a forgotten open incident must not switch detection off). */
export const MAX_EXCLUDED_INCIDENT_MS = 72 * HOUR_MS;
/** Evaluations in a row without a watch-level breach after which an open impact-drop alert resolves itself. */
export const CALM_TO_RESOLVE = 3;
export const IMPACT_DEDUP_KEY = 'impact-drop';
/** People-affected figures recomputed per evaluation at most. */
export const MAX_FIGURES_PER_EVALUATION = 20;

type Db = Kysely<Database>;

// ---------------------------------------------------------------------------------------------
// The metric

export interface DetectorOverridesIn {
  alpha_page?: number;
  alpha_watch?: number;
  min_expected?: number;
  consecutive_page?: number;
  consecutive_watch?: number;
  reporting_lag_seconds?: number;
  windows?: { minutes: number; min_drop: number }[];
  baseline?: { weeks?: number; max_lookback_weeks?: number; min_clean_weeks?: number; level_min?: number; level_max?: number; dispersion_max?: number };
}

export interface HolidayIn {
  date: string;
  end_date?: string | null;
  name?: string | null;
}

export interface ImpactMetricInput {
  name: string;
  unit_label: string;
  kind: 'contacts' | 'people';
  people_per_unit?: number | null;
  time_zone?: string;
  opening_hours?: { rules: { rrule: string; duration_minutes: number }[] } | null;
  iris_metric_id?: string | null;
  detector?: DetectorOverridesIn;
  holidays?: HolidayIn[];
}

/** A metric row, parsed. */
export interface MetricConfig {
  orgId: string;
  serviceId: string;
  name: string;
  unitLabel: string;
  kind: 'contacts' | 'people';
  peoplePerUnit: number | null;
  timeZone: string;
  openingHours: OpeningHours | null;
  overrides: DetectorOverridesIn;
  settings: DetectorSettingsInput;
  holidays: HolidayIn[];
  irisMetricId: string | null;
}

export function configOf(row: ImpactMetricTable): MetricConfig {
  const overrides = JSON.parse(row.detector) as DetectorOverridesIn;
  const oh = row.opening_hours ? (JSON.parse(row.opening_hours) as { rules: { rrule: string; durationMinutes: number }[] }) : null;
  return {
    orgId: row.org_id,
    serviceId: row.service_id,
    name: row.name,
    unitLabel: row.unit_label,
    kind: row.kind,
    peoplePerUnit: row.people_per_unit === null ? null : Number(row.people_per_unit),
    timeZone: row.time_zone,
    openingHours: oh ? { timeZone: row.time_zone, rules: oh.rules } : null,
    overrides,
    settings: settingsOf(overrides),
    holidays: JSON.parse(row.holidays) as HolidayIn[],
    irisMetricId: row.iris_metric_id,
  };
}

/** API overrides (snake_case) → the pure module's settings input. */
export function settingsOf(o: DetectorOverridesIn): DetectorSettingsInput {
  const b = o.baseline ?? {};
  const baseline = {
    ...(b.weeks !== undefined ? { weeks: b.weeks } : {}),
    ...(b.max_lookback_weeks !== undefined ? { maxLookbackWeeks: b.max_lookback_weeks } : {}),
    ...(b.min_clean_weeks !== undefined ? { minCleanWeeks: b.min_clean_weeks } : {}),
    ...(b.level_min !== undefined ? { levelMin: b.level_min } : {}),
    ...(b.level_max !== undefined ? { levelMax: b.level_max } : {}),
    ...(b.dispersion_max !== undefined ? { dispersionMax: b.dispersion_max } : {}),
  };
  return {
    ...(o.alpha_page !== undefined ? { alphaPage: o.alpha_page } : {}),
    ...(o.alpha_watch !== undefined ? { alphaWatch: o.alpha_watch } : {}),
    ...(o.min_expected !== undefined ? { minExpected: o.min_expected } : {}),
    ...(o.consecutive_page !== undefined ? { consecutivePage: o.consecutive_page } : {}),
    ...(o.consecutive_watch !== undefined ? { consecutiveWatch: o.consecutive_watch } : {}),
    ...(o.reporting_lag_seconds !== undefined ? { reportingLagMs: o.reporting_lag_seconds * 1000 } : {}),
    ...(o.windows !== undefined ? { windows: o.windows.map((w) => ({ minutes: w.minutes, minDrop: w.min_drop })) } : {}),
    ...(Object.keys(baseline).length ? { baseline } : {}),
  };
}

/** How figures are labelled: contacts, people, or approximate people (contacts × a factor). */
export function labelOf(kind: 'contacts' | 'people', peoplePerUnit: number | null): 'contacts' | 'people' | 'approximate people' {
  if (peoplePerUnit !== null) return 'approximate people';
  return kind === 'people' ? 'people' : 'contacts';
}

/** Multiplier from counts to people, or null when the counts are contacts with no factor. */
export function peopleFactor(kind: 'contacts' | 'people', peoplePerUnit: number | null): number | null {
  if (peoplePerUnit !== null) return peoplePerUnit;
  return kind === 'people' ? 1 : null;
}

/** Holidays as [local midnight, local midnight after the last day) in the metric's zone. */
export function holidayRanges(holidays: readonly HolidayIn[], timeZone: string): TimeRange[] {
  return holidays.map((h) => ({
    start: DateTime.fromISO(h.date, { zone: timeZone }).startOf('day').toMillis(),
    end: DateTime.fromISO(h.end_date ?? h.date, { zone: timeZone }).startOf('day').plus({ days: 1 }).toMillis(),
  }));
}

/** Validate and store a service's metric (create or replace). The detector evaluates it at once. */
export async function putMetric(db: Db, clock: Clock, orgId: string, service: ServiceTable, orgTimeZone: string, input: ImpactMetricInput): Promise<{ row: ImpactMetricTable; created: boolean }> {
  const errors: string[] = [];
  const name = input.name.trim();
  const unit = input.unit_label.trim();
  if (!name) errors.push('impact_metric.name must not be blank');
  if (!unit) errors.push('impact_metric.unit_label must not be blank');
  const timeZone = input.time_zone ?? orgTimeZone;
  if (!IANAZone.isValidZone(timeZone)) errors.push(`impact_metric.time_zone: ${timeZone} is not an IANA time zone`);
  const rules = (input.opening_hours?.rules ?? []).map((r) => ({ rrule: r.rrule, durationMinutes: r.duration_minutes }));
  if (errors.length === 0) {
    rules.forEach((rule, i) => {
      try {
        validateOpeningHours({ timeZone, rules: [rule] });
      } catch (err) {
        errors.push(`impact_metric.opening_hours.rules[${i}]: ${(err as Error).message}`);
      }
    });
  }
  const overrides = input.detector ?? {};
  try {
    resolveSettings(settingsOf(overrides));
  } catch (err) {
    errors.push(`impact_metric.detector: ${(err as Error).message.replace(/^impact settings: /, '')}`);
  }
  const holidays = (input.holidays ?? []).map((h) => ({ date: h.date, end_date: h.end_date ?? null, name: h.name ?? null }));
  holidays.forEach((h, i) => {
    const a = DateTime.fromISO(h.date, { zone: 'UTC' });
    const b = h.end_date ? DateTime.fromISO(h.end_date, { zone: 'UTC' }) : a;
    if (!a.isValid) errors.push(`impact_metric.holidays[${i}].date: ${h.date} is not a date`);
    else if (!b.isValid) errors.push(`impact_metric.holidays[${i}].end_date: ${h.end_date} is not a date`);
    else if (b < a) errors.push(`impact_metric.holidays[${i}].end_date must not be before date`);
    else if (b.diff(a, 'days').days > 366) errors.push(`impact_metric.holidays[${i}]: a range may span at most 366 days`);
  });
  if (errors.length) throw invalid(...errors);

  const now = clock.now();
  const config = {
    name,
    unit_label: unit,
    kind: input.kind,
    people_per_unit: input.people_per_unit ?? null,
    time_zone: timeZone,
    opening_hours: input.opening_hours ? JSON.stringify({ rules }) : null,
    iris_metric_id: input.iris_metric_id ?? null,
    detector: JSON.stringify(overrides),
    holidays: JSON.stringify(holidays),
    updated_at: now,
    // Settings changed: evaluate at the next engine pass.
    next_eval_at: now,
  };
  const current = await store.getMetric(db, orgId, service.id);
  if (current) {
    await store.updateMetric(db, orgId, service.id, config);
    return { row: { ...current, ...config }, created: false };
  }
  const row: ImpactMetricTable = {
    org_id: orgId,
    service_id: service.id,
    ...config,
    created_at: now,
    state: JSON.stringify(INITIAL_DETECTOR_STATE),
    episode_start: null,
    status: 'pending',
    last_evaluation: null,
    evaluated_at: null,
  };
  await store.insertMetric(db, row);
  return { row, created: true };
}

/** What GET …/impact_metric shows about the last evaluation. */
export interface LastEvaluation {
  mode: Evaluation['mode'] | 'inactive';
  at: number;
  summary: string;
  suggestion: string | null;
  clean_weeks: number | null;
  needed_weeks: number | null;
  level: number | null;
  phi: number | null;
  first_data_at: number | null;
  worst: { minutes: number; start: number; end: number; observed: number; expected: number; drop: number; p: number } | null;
}

// ---------------------------------------------------------------------------------------------
// Recording counts

export interface RecordResult {
  samples: number;
  /** Counter samples not newer than the integration's last one (late or repeated scrapes). */
  ignored: number;
  minutes: number;
}

/**
 * Turn validated samples into minute buckets and add them (with their roll-ups) in one
 * transaction. Interval counts are spread over their minutes; counter samples become the
 * increases since the integration's previous sample (a drop is a reset: the new value is
 * counted from 0). An interval reporting 0 still writes a 0 into its first minute, so the
 * service's first report is known even when it started quiet.
 */
export async function recordSamples(db: Db, now: number, integration: IntegrationTable, samples: readonly ImpactSample[]): Promise<RecordResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute((trx) => recordOnce(trx, now, integration, samples));
    } catch (err) {
      if (attempt >= 4 || !isRetryableTxError(err)) throw err;
      await new Promise((r) => setTimeout(r, 5 * attempt * Math.random()));
    }
  }
}

async function recordOnce(trx: Db, now: number, integration: IntegrationTable, samples: readonly ImpactSample[]): Promise<RecordResult> {
  const counts: IntervalCount[] = [];
  const offered: IntervalCount[] = [];
  const answered: IntervalCount[] = [];
  const zeros: number[] = [];
  let ignored = 0;
  for (const s of samples) {
    if (s.kind !== 'interval') continue;
    const iv = { intervalStart: s.intervalStart, intervalSeconds: s.intervalSeconds };
    counts.push({ ...iv, count: s.count });
    if (s.count === 0) zeros.push(s.intervalStart);
    if (s.offered !== null) offered.push({ ...iv, count: s.offered });
    if (s.answered !== null) answered.push({ ...iv, count: s.answered });
  }
  const counterSamples = samples.filter((s) => s.kind === 'counter').sort((a, b) => a.at - b.at);
  if (counterSamples.length > 0) {
    const last = await store.lockCounter(trx, integration.org_id, integration.id);
    const fresh = last ? counterSamples.filter((s) => s.at > last.at) : counterSamples;
    ignored = counterSamples.length - fresh.length;
    if (fresh.length > 0) {
      const series = (pick: (s: { counter: number; offered: number | null; answered: number | null }) => number | null): CounterSample[] => {
        const out: CounterSample[] = [];
        const lastValue = last ? pick(last) : null;
        if (last && lastValue !== null) out.push({ at: last.at, counter: lastValue });
        for (const s of fresh) {
          const v = pick(s);
          if (v !== null) out.push({ at: s.at, counter: v });
        }
        return out;
      };
      const toIntervals = (list: CounterSample[]) => increasesToIntervals(counterIncreases(list));
      for (const iv of toIntervals(series((s) => s.counter))) {
        counts.push(iv);
        if (iv.count === 0) zeros.push(iv.intervalStart);
      }
      offered.push(...toIntervals(series((s) => s.offered)));
      answered.push(...toIntervals(series((s) => s.answered)));
      const newest = fresh[fresh.length - 1]!;
      await store.saveCounter(trx, {
        org_id: integration.org_id,
        integration_id: integration.id,
        at: newest.at,
        counter: newest.counter,
        // A pair reported once and then left out keeps its last value.
        offered: [...fresh].reverse().find((s) => s.offered !== null)?.offered ?? last?.offered ?? null,
        answered: [...fresh].reverse().find((s) => s.answered !== null)?.answered ?? last?.answered ?? null,
        updated_at: now,
      });
    }
  }
  const buckets = new Map<number, store.CountBucket>();
  const at = (minute: number) => {
    let b = buckets.get(minute);
    if (!b) buckets.set(minute, (b = { minute, count: 0, offered: null, answered: null }));
    return b;
  };
  for (const b of spreadToMinutes(counts)) at(b.minute).count += b.count;
  for (const t of zeros) at(Math.floor(t / MINUTE_MS) * MINUTE_MS);
  for (const b of spreadToMinutes(offered)) at(b.minute).offered = (at(b.minute).offered ?? 0) + b.count;
  for (const b of spreadToMinutes(answered)) at(b.minute).answered = (at(b.minute).answered ?? 0) + b.count;
  // An interval whose offered/answered were reported as 0 still says "reported": keep a 0.
  for (const s of samples) {
    if (s.kind !== 'interval' || (s.offered !== 0 && s.answered !== 0)) continue;
    const m = at(s.intervalStart);
    if (s.offered === 0 && m.offered === null) m.offered = 0;
    if (s.answered === 0 && m.answered === null) m.answered = 0;
  }
  const list = [...buckets.values()];
  await store.addCounts(trx, integration.org_id, integration.service_id, list);
  return { samples: samples.length, ignored, minutes: list.length };
}

// ---------------------------------------------------------------------------------------------
// Evaluation (the engine's impact-detect module)

interface EngineState extends DetectorState {
  /** Evaluations in a row with no watch-level breach. */
  readonly calm?: number;
  /** The answered/offered watch (ratio.ts). */
  readonly ratio?: RatioState;
}

export interface PreparedEvaluation {
  metric: ImpactMetricTable;
  lease: number;
  now: number;
  evalAt: number;
  status: ImpactMetricTable['status'];
  last: LastEvaluation;
  state: EngineState;
  action: DetectorAction;
  breaching: boolean;
  episodeStart: number | null;
  evaluation: Evaluation | null;
  sentence: string;
  service: ServiceTable | undefined;
  integration: IntegrationTable | undefined;
  /** Figures of the service's incidents that are not frozen yet. */
  impacts: IncidentImpactTable[];
  /** For an incident this evaluation opens: where the drop began, and its figure over [windowStart, evalAt). */
  opening: { windowStart: number; affected: PeopleAffected | null } | null;
  /** The answered/offered watch's note to post now (non-paging), with its figures. */
  ratioNote: { sentence: string; result: RatioResult & { mode: 'active' } } | null;
}

/** The inputs every computation of one service at one instant shares. */
export interface ServiceData {
  config: MetricConfig;
  series: MinuteSeries;
  excluded: TimeRange[];
  /** The service's maintenance windows: out of baselines, and no detection window overlapping one is tested. */
  maintenance: TimeRange[];
  firstData: number | null;
  incidents: store.IncidentWindowRow[];
}

/**
 * Minute series over [historyStart(at), at) (missing before the first report), exclusions and
 * incidents.
 *
 * Ten weeks of minute rows are about 100,000 rows per evaluation, but the math only needs
 * minute precision where it cuts inside an hour: the detection windows (the last 12 h), the
 * edges of incident windows and of their catch-up day, the first report and the start of the
 * history. Everywhere else it reads whole local hours, so for zones whose offsets are whole
 * hours (local hours = UTC hours) those hours come from impact_hours, each hour's count put
 * in its first minute; the resulting evaluation is identical (see test/impact/store.test.ts)
 * with about 20 times fewer rows. Other zones read every minute.
 */
export async function loadServiceData(db: Db, config: MetricConfig, at: number, opts: { allMinutes?: boolean } = {}): Promise<ServiceData> {
  const from = historyStart(at, config.settings);
  const [firstData, incidents, maintenance] = await Promise.all([
    store.firstMinute(db, config.orgId, config.serviceId),
    store.incidentsOverlapping(db, config.orgId, config.serviceId, from, at),
    maintenanceOf(db, config.orgId, config.serviceId, from, at),
  ]);
  let buckets: { minute: number; count: number }[];
  if (opts.allMinutes || !wholeHourOffsets(config.timeZone, from, at)) {
    buckets = await store.loadMinutes(db, config.orgId, config.serviceId, from, at);
  } else {
    const precise = preciseRanges(config, from, at, firstData, incidents);
    const [minutes, hours] = await Promise.all([
      store.loadMinutesIn(db, config.orgId, config.serviceId, precise),
      store.loadHours(db, config.orgId, config.serviceId, store.hourOf(from), at),
    ]);
    buckets = minutes;
    let j = 0;
    for (const h of hours) {
      while (j < precise.length && precise[j]!.end <= h.hour) j++;
      const p = precise[j];
      if (p !== undefined && p.start < h.hour + HOUR_MS) continue; // this hour is read by the minute
      buckets.push({ minute: h.hour, count: h.count });
    }
  }
  const missing = firstData === null ? [{ start: from, end: at }] : firstData > from ? [{ start: from, end: Math.min(firstData, at) }] : [];
  const series = seriesFromBuckets(buckets, from, at, missing);
  const excluded = [...incidentRanges(incidents, at), ...holidayRanges(config.holidays, config.timeZone)];
  return { config, series, excluded, maintenance, firstData, incidents };
}

/** True when the zone's UTC offset is a whole number of hours throughout [from, to]. */
export function wholeHourOffsets(timeZone: string, from: number, to: number): boolean {
  const zone = IANAZone.create(timeZone);
  for (let t = from; ; t = Math.min(to, t + 6 * HOUR_MS)) {
    if (zone.offset(t) % 60 !== 0) return false;
    if (t >= to) return true;
  }
}

/** Whole UTC hours, merged and sorted, in which the math reads single minutes. */
function preciseRanges(config: MetricConfig, from: number, at: number, firstData: number | null, incidents: readonly store.IncidentWindowRow[]): TimeRange[] {
  const s = resolveSettings(config.settings);
  const longest = Math.max(...s.windows.map((w) => w.minutes)) * MINUTE_MS + s.reportingLagMs;
  const hourAround = (t: number) => ({ start: store.hourOf(t), end: store.hourOf(t) + HOUR_MS });
  const ranges: TimeRange[] = [{ start: store.hourOf(at - longest - HOUR_MS), end: at }, hourAround(from)];
  if (firstData !== null) ranges.push(hourAround(firstData));
  for (const inc of incidents) {
    if (inc.frozen === 1) continue;
    const w = incidentWindow(inc, at);
    for (const t of [w.start, w.end, w.end + DAY_MS]) ranges.push(hourAround(t));
  }
  return mergeRanges(ranges.map((r) => ({ start: Math.max(r.start, store.hourOf(from)), end: Math.min(r.end, at) })));
}

export function incidentWindow(r: Pick<store.IncidentWindowRow, 'created_at' | 'resolved_at' | 'window_start'>, at: number): TimeRange {
  const start = Math.min(r.created_at, r.window_start ?? r.created_at);
  return { start, end: Math.max(start, Math.min(r.resolved_at ?? at, at)) };
}

/** Incident windows kept out of baselines (each capped, see MAX_EXCLUDED_INCIDENT_MS). */
export function incidentRanges(rows: readonly store.IncidentWindowRow[], at: number): TimeRange[] {
  return rows.map((r) => {
    const w = incidentWindow(r, at);
    return { start: w.start, end: Math.min(w.end, w.start + MAX_EXCLUDED_INCIDENT_MS) };
  });
}

function affectedFor(data: ServiceData, at: number, window: TimeRange): PeopleAffected | null {
  const c = data.config;
  return estimatePeopleAffected({
    series: data.series,
    timeZone: c.timeZone,
    openingHours: c.openingHours,
    excluded: data.excluded,
    maintenance: data.maintenance,
    settings: c.settings,
    now: at,
    metricName: c.name,
    incident: window,
    peoplePerUnit: c.peoplePerUnit,
  });
}

export function impactRow(orgId: string, serviceId: string, incidentId: string, window: TimeRange, a: PeopleAffected | null, config: MetricConfig, at: number, frozen: boolean): IncidentImpactTable {
  return {
    org_id: orgId,
    incident_id: incidentId,
    service_id: serviceId,
    window_start: window.start,
    window_end: window.end,
    label: labelOf(config.kind, config.peoplePerUnit),
    factor: a?.factor ?? null,
    estimate: a?.shortfall.estimate ?? null,
    low: a?.shortfall.low ?? null,
    high: a?.shortfall.high ?? null,
    net: a?.net.estimate ?? null,
    net_low: a?.net.low ?? null,
    net_high: a?.net.high ?? null,
    expected: a?.expected ?? null,
    observed: a?.observed ?? null,
    catch_up: a?.catchUp ?? null,
    catch_up_complete: a?.catchUpComplete ? 1 : 0,
    complete: a?.complete ? 1 : 0,
    computed_at: at,
    frozen: frozen ? 1 : 0,
  };
}

/** Load, evaluate and decide for one claimed metric. Reads only; applyEvaluation writes. */
export async function prepareEvaluation(db: Db, metric: ImpactMetricTable, now: number): Promise<PreparedEvaluation> {
  const config = configOf(metric);
  const evalAt = Math.floor(now / MINUTE_MS) * MINUTE_MS;
  const [service, integrations] = await Promise.all([getService(db, metric.org_id, metric.service_id), listIntegrations(db, metric.org_id, [metric.service_id])]);
  const integration = integrations.find((i) => i.type === 'impact');
  const prev = JSON.parse(metric.state) as EngineState;
  const base = { metric, lease: Number(metric.next_eval_at), now, evalAt, service, integration, impacts: [], opening: null, ratioNote: null };
  if (!service || service.deleted_at !== null || !integration) {
    const summary = !service || service.deleted_at !== null ? 'The service was deleted.' : 'No impact integration: add one to the service and send counts to POST /v1/impact.';
    return {
      ...base,
      status: 'inactive',
      last: { mode: 'inactive', at: evalAt, summary, suggestion: null, clean_weeks: null, needed_weeks: null, level: null, phi: null, first_data_at: null, worst: null },
      state: prev,
      action: 'none',
      breaching: false,
      episodeStart: null,
      evaluation: null,
      sentence: summary,
    };
  }
  const data = await loadServiceData(db, config, evalAt);
  const evaluation = evaluateImpact({
    series: data.series,
    timeZone: config.timeZone,
    openingHours: config.openingHours,
    excluded: data.excluded,
    maintenance: data.maintenance,
    settings: config.settings,
    now: evalAt,
    metricName: config.name,
  });
  const step = advance(prev, evaluation, resolveSettings(config.settings));
  const replay = step.state === prev; // this instant was evaluated already
  const calm = replay ? (prev.calm ?? 0) : step.breaching ? 0 : (prev.calm ?? 0) + 1;
  // The answered/offered watch runs beside the count detector, whatever its mode.
  let ratioState = prev.ratio ?? INITIAL_RATIO_STATE;
  let ratioNote: PreparedEvaluation['ratioNote'] = null;
  // A planned silence is not a drop: while the watch's hour overlaps a maintenance window it
  // does not run (its streak starts again after), and maintenance hours are not its reference.
  const ratioInMaintenance = overlapsAny(mergeRanges(data.maintenance), evalAt - DEFAULT_RATIO_SETTINGS.windowMinutes * MINUTE_MS, evalAt);
  if (!replay && ratioInMaintenance) ratioState = INITIAL_RATIO_STATE;
  else if (!replay) {
    const ratio = await answerRate(db, config, evalAt, [...data.excluded, ...data.maintenance]);
    const r = advanceRatio(ratioState, ratio);
    ratioState = r.state;
    if (r.note && ratio.mode === 'active') ratioNote = { sentence: explainRatio(ratio), result: ratio };
  }
  const state: EngineState = { ...step.state, calm, ratio: ratioState };
  const sentence = explain(evaluation);
  const worst = evaluation.mode === 'active' ? evaluation.worst : null;
  // The episode's impact window starts where its first breaching window started.
  const prevStart = metric.episode_start === null ? null : Number(metric.episode_start);
  const episodeStart = replay ? prevStart : step.breaching ? (prevStart ?? worst?.start ?? evalAt) : null;

  const impacts: IncidentImpactTable[] = [];
  // Newest first, a bounded number per evaluation (a metric added to a busy service catches up over a few passes).
  const pending = data.incidents.filter((i) => i.frozen !== 1).sort((a, b) => b.created_at - a.created_at);
  for (const inc of pending.slice(0, MAX_FIGURES_PER_EVALUATION)) {
    const window = incidentWindow(inc, evalAt);
    const frozen = inc.resolved_at !== null && inc.resolved_at + DAY_MS <= evalAt;
    impacts.push(impactRow(metric.org_id, metric.service_id, inc.id, window, affectedFor(data, evalAt, window), config, evalAt, frozen));
  }
  let opening: PreparedEvaluation['opening'] = null;
  if (step.action === 'open_incident') {
    // The window starts where the drop began (CUSUM over the longest window), or else where
    // the episode's first breaching window started, whichever is earlier.
    const baseline = baselineFor({ series: data.series, timeZone: config.timeZone, openingHours: config.openingHours, excluded: data.excluded, maintenance: data.maintenance, settings: config.settings, now: evalAt });
    const longest = Math.max(...resolveSettings(config.settings).windows.map((w) => w.minutes)) * MINUTE_MS;
    const began = baseline.mode === 'ready' ? dropStart(baseline, data.series, { now: evalAt, lookbackMs: longest }) : null;
    const windowStart = Math.min(episodeStart ?? worst?.start ?? evalAt, began ?? Infinity);
    opening = { windowStart, affected: affectedFor(data, evalAt, { start: windowStart, end: evalAt }) };
  }
  const last: LastEvaluation = {
    mode: evaluation.mode,
    at: evalAt,
    summary: sentence,
    suggestion: evaluation.mode === 'insufficient_volume' ? evaluation.suggestion : null,
    clean_weeks: evaluation.mode === 'learning' ? evaluation.cleanWeeks : null,
    needed_weeks: evaluation.mode === 'learning' ? evaluation.neededWeeks : null,
    level: evaluation.mode === 'active' ? evaluation.level : null,
    phi: evaluation.mode === 'active' ? evaluation.phi : null,
    first_data_at: data.firstData,
    worst: worst ? { minutes: worst.minutes, start: worst.start, end: worst.end, observed: worst.observed, expected: worst.expected, drop: worst.drop, p: worst.p } : null,
  };
  return {
    ...base,
    impacts,
    opening,
    status: evaluation.mode,
    last,
    state,
    action: replay ? 'none' : step.action,
    breaching: step.breaching,
    episodeStart,
    evaluation,
    sentence,
    ratioNote,
  };
}

/**
 * The answered/offered watch's input: sums over the last hour, and per UTC hour over the 28
 * days before it, leaving out hours that touch an incident window, a holiday or maintenance. Services that
 * never report offered/answered cost one small query.
 */
async function answerRate(db: Db, config: MetricConfig, at: number, excluded: readonly TimeRange[]): Promise<RatioResult> {
  const s = DEFAULT_RATIO_SETTINGS;
  const windowStart = at - s.windowMinutes * MINUTE_MS;
  const [current] = (await store.sumRanges(db, config.orgId, [config.serviceId], [{ start: windowStart, end: at }])).get(config.serviceId)!;
  if (current!.offered === null || current!.answered === null) return { mode: 'not_reported' };
  const merged = mergeRanges(excluded);
  const refEnd = Math.floor(windowStart / HOUR_MS) * HOUR_MS;
  const hours: TimeRange[] = [];
  for (let t = refEnd - s.referenceDays * DAY_MS; t < refEnd; t += HOUR_MS) {
    if (!overlapsAny(merged, t, t + HOUR_MS)) hours.push({ start: t, end: t + HOUR_MS });
  }
  const reference = hours.length === 0 ? [] : (await store.sumRanges(db, config.orgId, [config.serviceId], hours)).get(config.serviceId)!;
  return evaluateRatio(current!, reference, s);
}

/**
 * Write one evaluation in a short transaction, if this node still holds the lease: the
 * state, the incident (through triggerAlert, dedup key impact-drop), a watch note on the
 * service timeline, the resolution of an impact-drop alert once the drop is over, and the
 * people-affected figures. Returns the incident changes to publish after commit.
 */
export async function applyEvaluation(db: Db, p: PreparedEvaluation): Promise<IncidentChange[]> {
  const changes: IncidentChange[] = [];
  const { metric } = p;
  const orgId = metric.org_id;
  await db.transaction().execute(async (trx) => {
    const current = await store.lockMetric(trx, orgId, metric.service_id);
    if (!current || Number(current.next_eval_at) !== p.lease) return; // settings changed or another node took over
    const tx: Tx = { trx, now: p.now, changes };
    const config = configOf(current);
    const service = p.service;
    const integration = p.integration;
    if (service && integration && p.evaluation?.mode === 'active') {
      const agent: AgentRef = { id: integration.id, type: 'integration_reference', summary: integration.name };
      const w = p.evaluation.worst;
      const details = w
        ? {
            custom_details: {
              metric: config.name,
              window_minutes: w.minutes,
              window_start: iso(w.start),
              window_end: iso(w.end),
              expected: Math.round(w.expected * 10) / 10,
              observed: w.observed,
              drop: Math.round(w.drop * 1000) / 1000,
              p: w.p,
              level: p.evaluation.level,
              phi: p.evaluation.phi,
              source_weeks: w.sourceWeeks.map((t) => iso(t)),
            },
          }
        : {};
      if (p.action === 'open_incident' && service.status !== 'disabled') {
        const out = await triggerAlert(tx, {
          orgId,
          service,
          integrationId: integration.id,
          agent,
          channel: { type: 'auto', reason: 'impact drop' },
          dedupKey: IMPACT_DEDUP_KEY,
          summary: p.sentence,
          severity: 'critical',
          source: config.name,
          details,
          plan: servicePlan(service, 'critical', p.now),
        });
        const exists = p.impacts.some((r) => r.incident_id === out.incidentId);
        if (!exists && p.opening && out.incidentId) {
          const inc = await getIncident(trx, orgId, out.incidentId);
          const start = Math.min(Number(inc?.created_at ?? p.now), p.opening.windowStart);
          await store.saveIncidentImpact(trx, impactRow(orgId, service.id, out.incidentId, { start, end: p.evalAt }, p.opening.affected, config, p.evalAt, false));
        }
      } else if (p.action === 'watch') {
        await appendLog(tx, orgId, service.id, null, 'impact_watch_log_entry', say('timeline.impactWatch', { sentence: p.sentence }), agent, { type: 'auto', reason: 'impact watch' }, details);
      }
      if (!p.breaching && (p.state.calm ?? 0) >= CALM_TO_RESOLVE) {
        for (const a of await store.openAlertsByKey(trx, orgId, service.id, IMPACT_DEDUP_KEY)) {
          await resolveAlert(tx, { orgId, integrationId: a.integration_id, dedupKey: IMPACT_DEDUP_KEY, agent, channel: { type: 'auto', reason: 'impact recovered' } });
        }
      }
    }
    if (service && integration && p.ratioNote && service.status !== 'disabled') {
      const agent: AgentRef = { id: integration.id, type: 'integration_reference', summary: integration.name };
      const r = p.ratioNote.result;
      const details = { custom_details: { metric: config.name, window_minutes: DEFAULT_RATIO_SETTINGS.windowMinutes, offered: r.offered, answered: r.answered, rate: r.rate, usual_rate: r.usual, dispersion: r.dispersion, p: r.p } };
      await appendLog(tx, orgId, service.id, null, 'impact_watch_log_entry', say('timeline.impactWatch', { sentence: p.ratioNote.sentence }), agent, { type: 'auto', reason: 'impact answer rate' }, details);
    }
    for (const row of p.impacts) await store.saveIncidentImpact(trx, row);
    await store.updateMetric(trx, orgId, metric.service_id, {
      state: JSON.stringify(p.state),
      episode_start: p.episodeStart,
      status: p.status,
      last_evaluation: JSON.stringify(p.last),
      evaluated_at: p.evalAt,
      next_eval_at: Math.floor(p.now / EVAL_EVERY_MS) * EVAL_EVERY_MS + EVAL_EVERY_MS,
    });
  });
  return changes;
}

// ---------------------------------------------------------------------------------------------
// Reads behind the impact API

/** Set a service's metric; a new metric's time zone defaults to the organization's. */
export async function setMetric(db: Db, clock: Clock, orgId: string, serviceId: string, input: ImpactMetricInput): Promise<{ row: ImpactMetricTable; created: boolean; service: ServiceTable }> {
  const service = await requireService(db, orgId, serviceId);
  const org = await getOrganization(db, orgId);
  const { row, created } = await putMetric(db, clock, orgId, service, org?.time_zone ?? 'UTC', input);
  return { row, created, service };
}

/** A live service and its metric, or 404 (for the service first). */
export async function requireServiceMetric(db: Db, orgId: string, serviceId: string): Promise<{ service: ServiceTable; metric: ImpactMetricTable }> {
  const service = await requireService(db, orgId, serviceId);
  const metric = await store.getMetric(db, orgId, service.id);
  if (!metric) throw notFound(`impact metric of service ${service.id}`);
  return { service, metric };
}

/** Remove a service's metric: detection stops; stored counts and incident figures stay. */
export async function removeMetric(db: Db, orgId: string, serviceId: string): Promise<void> {
  const service = await requireService(db, orgId, serviceId);
  if (!(await store.deleteMetric(db, orgId, service.id))) throw notFound(`impact metric of service ${service.id}`);
}

/** An incident (by id or number) with its figure, its service's metric and its service, each if any. */
export async function incidentImpact(db: Db, orgId: string, incidentId: string) {
  const incident = await requireIncident(db, orgId, incidentId);
  const [row, metric, service] = await Promise.all([store.getIncidentImpact(db, orgId, incident.id), store.getMetric(db, orgId, incident.service_id), getService(db, orgId, incident.service_id)]);
  return { incident, row, metric, service };
}

/** An incident's figure once estimated, with its service's metric; null before. */
export async function impactFigure(db: Db, orgId: string, incidentId: string): Promise<{ row: IncidentImpactTable; metric: ImpactMetricTable | undefined } | null> {
  const row = await store.getIncidentImpact(db, orgId, incidentId);
  if (!row || row.estimate === null) return null;
  return { row, metric: await store.getMetric(db, orgId, row.service_id) };
}

/** Incidents created in [since, until) on services with a metric (all, or those of `serviceIds`), with their figures. */
export async function impactIncidents(db: Db, orgId: string, q: { serviceIds?: string[] | undefined; since: number; until: number; limit: number; offset: number }) {
  const metrics = await store.listMetrics(db, orgId, q.serviceIds);
  const ids = metrics.map((m) => m.service_id);
  const { rows, total } = await store.incidentsInRange(db, orgId, ids, q.since, q.until, q.limit, q.offset);
  const [impacts, services] = await Promise.all([store.incidentImpacts(db, orgId, rows.map((r) => r.id)), getServicesByIds(db, orgId, ids)]);
  return { rows, total, impacts, services, metrics };
}
