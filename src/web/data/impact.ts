/**
 * People served today against the expected band, from the impact reports
 * (docs/impact.md): the organization's totals name the services with an impact
 * metric, and each one's hourly series carries the count, the expected count and
 * its 5 %–95 % band. "Today" is the day in the metric's own time zone (the
 * series' `time_zone`, where its opening hours and slots are kept), whatever the
 * browser's zone; "so far today" sums that day's hours that have begun, the current
 * hour's expectation pro-rated by the minutes gone. The band of the day is the sum
 * of the hours' bands, which is wider than the day's own quantiles: a conservative
 * "below the band", never a false alarm.
 */
import { api, optional, withQuery } from './client';
import type { ImpactSeries, ImpactTotals } from './types';

/** What summarizeDay reads of an hourly series; one without time_zone is read in UTC. */
type Series = Pick<ImpactSeries, 'service' | 'metric' | 'buckets'> & Partial<Pick<ImpactSeries, 'time_zone'>>;

export interface ServedToday {
  serviceId: string;
  service: string;
  label: string;
  served: number;
  /** Null while the service is still learning (fewer than two clean weeks). */
  expected: number | null;
  low: number | null;
  high: number | null;
  state: 'below' | 'within' | 'above' | 'learning';
}

export interface PeopleServed {
  since: string;
  /** Sum over the services, each counted from midnight in its own metric's zone. */
  people: number;
  services: ServedToday[];
}

/** The calendar date (YYYY-MM-DD) of an instant in a time zone. */
export function localDate(at: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(at));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

export function summarizeDay(series: Series, now: number): ServedToday {
  const zone = series.time_zone ?? 'UTC';
  const today = localDate(now, zone);
  let served = 0;
  let expected = 0;
  let low = 0;
  let high = 0;
  let learning = false;
  for (const b of series.buckets) {
    const s = Date.parse(b.start);
    const e = Date.parse(b.end);
    if (s >= now || localDate(s, zone) !== today) continue;
    const share = Math.min(1, (now - s) / (e - s));
    served += b.people ?? b.count;
    if (b.expected === null || b.expected_low === null || b.expected_high === null) {
      learning = true;
      continue;
    }
    const factor = b.people !== null && b.count > 0 ? b.people / b.count : series.metric.people_per_unit ?? 1;
    expected += b.expected * share * factor;
    low += b.expected_low * share * factor;
    high += b.expected_high * share * factor;
  }
  const known = !learning;
  const state = !known ? 'learning' : served < low ? 'below' : served > high ? 'above' : 'within';
  return {
    serviceId: series.service.id,
    service: series.service.summary ?? series.service.id,
    label: series.metric.label,
    served: Math.round(served),
    expected: known ? Math.round(expected) : null,
    low: known ? Math.floor(low) : null,
    high: known ? Math.ceil(high) : null,
    state,
  };
}

/** Null when this server has no impact reports. */
export async function peopleServedToday(now = Date.now()): Promise<PeopleServed | null> {
  // Midnight anywhere on Earth is less than 26 hours ago: ask for 30 hours, keep each metric's own today.
  const since = new Date(Math.floor((now - 30 * 3_600_000) / 3_600_000) * 3_600_000).toISOString();
  const hourEnd = new Date(Math.ceil((now + 1) / 3_600_000) * 3_600_000).toISOString();
  const totals = await optional(api<{ totals: ImpactTotals }>('GET', withQuery('/api/v1/impact/totals', { since, until: new Date(now).toISOString() })));
  if (!totals) return null;
  const series = await Promise.all(
    totals.totals.services.map((s) => api<{ impact_series: ImpactSeries }>('GET', withQuery(`/api/v1/impact/services/${encodeURIComponent(s.service.id)}/series`, { since, until: hourEnd, granularity: 'hour' })).then((r) => r.impact_series)),
  );
  const services = series.map((s) => summarizeDay(s, now));
  return { since, people: services.reduce((n, s) => n + s.served, 0), services };
}
