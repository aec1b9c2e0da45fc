/**
 * Impact reports: served per hour, day or month with the expected band,
 * totals for any range, and CSV.
 *
 * Observed counts come from the coarsest roll-up that fits each bucket (impact.store.ts
 * sumRanges). The expected band comes from the same baseline the detector uses, computed
 * from the HOURLY roll-ups (each hour's count spread evenly over its minutes) — exact for
 * zones whose offset is a whole number of hours, a close approximation for the others. The
 * band of a bucket is a forecast made at the start of its chunk: a baseline as of the start
 * of each week (hour and day buckets) or of each month (month buckets), so the band never
 * uses the counts it is compared with.
 */
import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import { invalid } from '../errors.js';
import { getServicesByIds } from '../service/service.store.js';
import { maintenanceOf } from '../maintenance/maintenance.service.js';
import type { Database, ImpactMetricTable, ServiceTable } from '../storage/schema.js';
import { baselineFor, expectedBand, historyStart, type ExpectedBand, type MinuteSeries } from './impact.js';
import { configOf, holidayRanges, incidentRanges, labelOf, peopleFactor, type MetricConfig } from './impact.service.js';
import * as store from './impact.store.js';

type Db = Kysely<Database>;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

export type Granularity = 'hour' | 'day' | 'month';

/** Most buckets one series request may ask for. */
export const MAX_BUCKETS: Record<Granularity, number> = { hour: 24 * 62, day: 731, month: 120 };

export interface Bucket {
  start: number;
  end: number;
}

/** Local buckets covering [since, until): since floored and until ceiled to the granularity in `zone`. */
export function bucketsFor(since: number, until: number, zone: string, g: Granularity): Bucket[] {
  if (!(until > since)) throw invalid('until must be after since');
  let t = DateTime.fromMillis(since, { zone }).startOf(g);
  const out: Bucket[] = [];
  while (t.toMillis() < until) {
    const next = t.plus({ [`${g}s`]: 1 } as Record<string, number>);
    out.push({ start: t.toMillis(), end: next.toMillis() });
    if (out.length > MAX_BUCKETS[g]) throw invalid(`until: at most ${MAX_BUCKETS[g]} ${g} buckets per request; narrow since/until or use a coarser granularity`);
    t = next;
  }
  return out;
}

export interface SeriesRow {
  start: number;
  end: number;
  count: number;
  people: number | null;
  offered: number | null;
  answered: number | null;
  expected: number | null;
  expected_low: number | null;
  expected_high: number | null;
}

/** A dense minute series over [from, to) built from hourly roll-ups (NaN before the first report). */
function seriesFromHours(hours: readonly { hour: number; count: number }[], from: number, to: number, firstData: number | null): MinuteSeries {
  const n = Math.max(0, (to - from) / MINUTE_MS);
  const counts = new Float64Array(n);
  let lo = 0;
  let hi = hours.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (hours[mid]!.hour < from - HOUR_MS) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < hours.length && hours[i]!.hour < to; i++) {
    const h = hours[i]!;
    const per = h.count / 60;
    const a = Math.max(0, (h.hour - from) / MINUTE_MS);
    const z = Math.min(n, (h.hour + HOUR_MS - from) / MINUTE_MS);
    for (let m = a; m < z; m++) counts[m] = counts[m]! + per;
  }
  const missingEnd = firstData === null ? to : Math.min(to, firstData);
  for (let m = 0; m < n && from + m * MINUTE_MS < missingEnd; m++) counts[m] = NaN;
  return { start: from, counts };
}

/** Expected band per bucket (null where the service was learning or a bucket lacks a baseline). */
export async function bandsFor(db: Db, config: MetricConfig, buckets: readonly Bucket[], g: Granularity): Promise<(ExpectedBand | null)[]> {
  const out: (ExpectedBand | null)[] = buckets.map(() => null);
  if (buckets.length === 0) return out;
  // Chunks of buckets sharing one baseline (as of the chunk's start).
  const chunks: { start: number; end: number; idx: number[] }[] = [];
  if (g === 'month') buckets.forEach((b, i) => chunks.push({ start: b.start, end: b.end, idx: [i] }));
  else {
    let cur: { start: number; end: number; idx: number[] } | null = null;
    buckets.forEach((b, i) => {
      if (!cur || b.start >= DateTime.fromMillis(cur.start, { zone: config.timeZone }).plus({ weeks: 1 }).toMillis()) {
        cur = { start: b.start, end: b.end, idx: [] };
        chunks.push(cur);
      }
      cur.end = b.end;
      cur.idx.push(i);
    });
  }
  const first = chunks[0]!;
  const last = chunks[chunks.length - 1]!;
  const loadFrom = Math.floor(historyStart(first.start, config.settings) / HOUR_MS) * HOUR_MS;
  const [hours, firstData, incidents, maintenance] = await Promise.all([
    store.loadHours(db, config.orgId, config.serviceId, loadFrom, last.end),
    store.firstMinute(db, config.orgId, config.serviceId),
    store.incidentsOverlapping(db, config.orgId, config.serviceId, loadFrom, last.end),
    maintenanceOf(db, config.orgId, config.serviceId, loadFrom, last.end),
  ]);
  const excluded = [...incidentRanges(incidents, last.end), ...holidayRanges(config.holidays, config.timeZone), ...maintenance];
  for (const c of chunks) {
    const from = historyStart(c.start, config.settings);
    const series = seriesFromHours(hours, from, c.end, firstData);
    const baseline = baselineFor({ series, timeZone: config.timeZone, openingHours: config.openingHours, excluded, settings: config.settings, now: c.start });
    if (baseline.mode !== 'ready') continue;
    for (const i of c.idx) {
      const b = buckets[i]!;
      const band = expectedBand(baseline, b.start, b.end);
      out[i] = band.complete ? band : null;
    }
  }
  return out;
}

export async function serviceSeries(db: Db, metric: ImpactMetricTable, since: number, until: number, g: Granularity): Promise<{ config: MetricConfig; rows: SeriesRow[] }> {
  const config = configOf(metric);
  const buckets = bucketsFor(since, until, config.timeZone, g);
  const [sums, bands] = await Promise.all([store.sumRanges(db, config.orgId, [config.serviceId], buckets), bandsFor(db, config, buckets, g)]);
  const factor = peopleFactor(config.kind, config.peoplePerUnit);
  const s = sums.get(config.serviceId)!;
  const rows = buckets.map((b, i) => {
    const band = bands[i] ?? null;
    const sum = s[i]!;
    return {
      start: b.start,
      end: b.end,
      count: sum.count,
      people: factor === null ? null : sum.count * factor,
      offered: sum.offered,
      answered: sum.answered,
      expected: band ? band.expected : null,
      expected_low: band ? band.low : null,
      expected_high: band ? band.high : null,
    };
  });
  return { config, rows };
}

export interface TotalsRow {
  metric: ImpactMetricTable;
  count: number;
  people: number | null;
  offered: number | null;
  answered: number | null;
  incidents: number;
  peopleAffected: number;
  peopleAffectedNet: number;
  /** Sums of the incidents' 90 % interval bounds: a conservative range for the total. */
  peopleAffectedLow: number;
  peopleAffectedHigh: number;
}

export async function totals(db: Db, orgId: string, metrics: readonly ImpactMetricTable[], since: number, until: number): Promise<TotalsRow[]> {
  const ids = metrics.map((m) => m.service_id);
  const [sums, affected] = await Promise.all([store.sumRanges(db, orgId, ids, [{ start: since, end: until }]), store.affectedTotals(db, orgId, ids, since, until)]);
  return metrics.map((m) => {
    const s = sums.get(m.service_id)![0]!;
    const factor = peopleFactor(m.kind, m.people_per_unit === null ? null : Number(m.people_per_unit));
    const a = affected.get(m.service_id) ?? { incidents: 0, shortfall: 0, net: 0, low: 0, high: 0 };
    return { metric: m, count: s.count, people: factor === null ? null : s.count * factor, offered: s.offered, answered: s.answered, incidents: a.incidents, peopleAffected: a.shortfall, peopleAffectedNet: a.net, peopleAffectedLow: a.low, peopleAffectedHigh: a.high };
  });
}

export function metricSummary(m: ImpactMetricTable) {
  const ppu = m.people_per_unit === null ? null : Number(m.people_per_unit);
  return { name: m.name, unit_label: m.unit_label, kind: m.kind, label: labelOf(m.kind, ppu), people_per_unit: ppu, iris_metric_id: m.iris_metric_id };
}

// ---------------------------------------------------------------------------------------------
// CSV

/**
 * RFC 4180 CSV with a header row. Cells that a spreadsheet would run as a formula (leading
 * = + - @, tab or CR) are prefixed with a quote: incident titles come from alert senders.
 */
export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cell = (v: unknown): string => {
    if (v === null || v === undefined) return '';
    let s = typeof v === 'number' ? (Number.isInteger(v) ? String(v) : String(Math.round(v * 1000) / 1000)) : String(v);
    if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** The organization's totals, one row per service with a metric (deleted services included, with their name). */
export async function orgTotals(db: Db, orgId: string, since: number, until: number): Promise<{ t: TotalsRow; s: ServiceTable }[]> {
  const metrics = await store.listMetrics(db, orgId);
  const services = new Map((await getServicesByIds(db, orgId, metrics.map((m) => m.service_id))).map((s) => [s.id, s]));
  const live = metrics.filter((m) => services.has(m.service_id));
  const rows = await totals(db, orgId, live, since, until);
  return rows.map((t) => ({ t, s: services.get(t.metric.service_id)! }));
}
