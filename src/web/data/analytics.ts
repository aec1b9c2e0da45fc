/** Incident analytics, responder load and postmortems (docs/analytics.md), over the REST API. */
import { api, csrfHeader, withQuery } from './client';
import type { ActionItem, Insights, MetricsAnswer, MonthlyReport, Postmortem, QuarterlyReport, ResponderLoad } from './types';
import { msg } from '../i18n';

/** Offset of `zone` from UTC at an instant, in ms. */
function offsetMs(at: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(at));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - Math.floor(at / 1000) * 1000;
}

/** Local midnight starting day 1 of month `m` (1–12) of year `y` in `zone`, as an instant. */
function monthStart(y: number, m: number, zone: string): number {
  const guess = Date.UTC(y, m - 1, 1);
  const first = guess - offsetMs(guess, zone);
  return guess - offsetMs(first, zone);
}

/** A calendar month "YYYY-MM" in the organization's zone, as the analytics filters. */
export function monthRange(month: string, zone: string): { created_at_start: string; created_at_end: string } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const start = monthStart(y, m, zone);
  const end = m === 12 ? monthStart(y + 1, 1, zone) : monthStart(y, m + 1, zone);
  return { created_at_start: new Date(start).toISOString(), created_at_end: new Date(end).toISOString() };
}

export const weeklyMetrics = (filters: { created_at_start: string; created_at_end: string }, timeZone: string) =>
  api<MetricsAnswer>('POST', '/api/v1/analytics/metrics/incidents/all', { filters, time_zone: timeZone, aggregate_unit: 'week' });

export const totals = (filters: { created_at_start: string; created_at_end: string }, timeZone: string) => api<Insights>('POST', '/api/v1/analytics/insights/incidents', { filters, time_zone: timeZone });

export const responderLoad = (filters: { created_at_start: string; created_at_end: string }, timeZone: string) =>
  api<ResponderLoad>('POST', '/api/v1/analytics/metrics/responders/all', { filters: { date_range_start: filters.created_at_start, date_range_end: filters.created_at_end }, time_zone: timeZone });

/** The CSV of a POST analytics route, as a file the browser downloads. */
export async function downloadCsv(path: string, body: unknown, filename: string): Promise<void> {
  const csrf = csrfHeader();
  const res = await fetch(`${path}?format=csv`, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json', accept: 'text/csv', 'x-vigil-client': 'web', ...(csrf ? { 'x-csrf-token': csrf } : {}) }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(msg('data.analytics.csv_export_failed_http', { status: res.status }));
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  URL.revokeObjectURL(url);
}

/** The incident's postmortem or null, asked through the list so that "none yet" is an empty list, not a 404 in the console. */
export const postmortemOf = (incidentId: string) => api<{ postmortems: Postmortem[] }>('GET', withQuery('/api/v1/postmortems', { 'incident_ids[]': [incidentId] })).then((r) => r.postmortems[0] ?? null);
export const startPostmortem = (incidentId: string) => api<{ postmortem: Postmortem }>('POST', `/api/v1/incidents/${encodeURIComponent(incidentId)}/postmortem`, {}).then((r) => r.postmortem);
export const savePostmortem = (id: string, change: { title?: string; body?: string; status?: Postmortem['status'] }) => api<{ postmortem: Postmortem }>('PUT', `/api/v1/postmortems/${id}`, { postmortem: change }).then((r) => r.postmortem);
export const addActionItem = (postmortemId: string, item: { summary: string; owner_id: string; due_date: string }) =>
  api<{ action_item: ActionItem }>('POST', `/api/v1/postmortems/${postmortemId}/action_items`, { action_item: item }).then((r) => r.action_item);
export const setActionItemStatus = (id: string, status: ActionItem['status']) => api<{ action_item: ActionItem }>('PUT', `/api/v1/action_items/${id}`, { action_item: { status } }).then((r) => r.action_item);


export const monthlyReport = (month: string) => api<MonthlyReport>('GET', `/api/v1/analytics/reports/monthly?month=${encodeURIComponent(month)}`);
export const quarterlyReport = (quarter: string) => api<QuarterlyReport>('GET', `/api/v1/analytics/reports/quarterly?quarter=${encodeURIComponent(quarter)}`);
/** The report's address for a month (YYYY-MM) or a quarter (YYYY-Qn); add &format=csv or &format=pdf. */
export const impactReportUrl = (period: string) => (/Q/.test(period) ? `/api/v1/analytics/reports/quarterly?quarter=${encodeURIComponent(period)}` : `/api/v1/analytics/reports/monthly?month=${encodeURIComponent(period)}`);
