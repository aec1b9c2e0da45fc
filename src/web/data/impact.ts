/**
 * People served today against the expected band, from the impact reports
 * (docs/impact.md): the organization's totals name the services with an impact
 * metric, and each one's hourly series carries the count, the expected count and
 * its 5 %–95 % band. "So far today" sums the hours that have begun, the current
 * hour's expectation pro-rated by the minutes gone. The band of the day is the sum
 * of the hours' bands, which is wider than the day's own quantiles: a conservative
 * "below the band", never a false alarm.
 */
import { api, optional, withQuery } from './client';

interface Bucket {
  start: string;
  end: string;
  count: number;
  people: number | null;
  expected: number | null;
  expected_low: number | null;
  expected_high: number | null;
}

interface Series {
  service: { id: string; summary?: string | null };
  metric: { label: string; unit_label: string; people_per_unit: number | null; kind: string };
  buckets: Bucket[];
}

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
  people: number;
  services: ServedToday[];
}

export function summarizeDay(series: Series, now: number): ServedToday {
  let served = 0;
  let expected = 0;
  let low = 0;
  let high = 0;
  let learning = false;
  for (const b of series.buckets) {
    const s = Date.parse(b.start);
    const e = Date.parse(b.end);
    if (s >= now) continue;
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
  const day = new Date(now);
  day.setHours(0, 0, 0, 0);
  const since = day.toISOString();
  const hourEnd = new Date(Math.ceil((now + 1) / 3_600_000) * 3_600_000).toISOString();
  const totals = await optional(api<{ totals: { people: number; services: { service: { id: string } }[] } }>('GET', withQuery('/api/v1/impact/totals', { since, until: new Date(now).toISOString() })));
  if (!totals) return null;
  const series = await Promise.all(
    totals.totals.services.map((s) => api<{ impact_series: Series }>('GET', withQuery(`/api/v1/impact/services/${encodeURIComponent(s.service.id)}/series`, { since, until: hourEnd, granularity: 'hour' })).then((r) => r.impact_series)),
  );
  return { since, people: totals.totals.people, services: series.map((s) => summarizeDay(s, now)) };
}
